import { Router } from 'express';
import { spec as appLcmSpec } from '../../schema/openapi/generated/app_lcm';
import { spec as appPkgmSpec } from '../../schema/openapi/generated/app_pkgm';
import { spec as grantingSpec } from '../../schema/openapi/generated/granting';
import { createAppLcmRouter } from '../appLcm/createAppLcmRouter';
import { createAppPkgmRouter } from '../appPkgm/createAppPkgmRouter';
import { createGrantingRouter } from '../granting/createGrantingRouter';
import {
  createHelmRepositoryRouter,
  HELM_REPOSITORY_OPERATIONS,
} from '../helmRepository/createHelmRepositoryRouter';
import {
  createKubernetesProxyRouter,
  KUBERNETES_PROXY_OPERATIONS,
} from '../kubernetesProxy/createKubernetesProxyRouter';
import { MecOperation, operationsOf } from '.';

// Never called: the routers are only built, to list their routes.
const unused = {} as any;

type Layer = {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
};

/** Every method and path a router (and the routers it uses) registers. */
function routesOf(router: Router): Array<{ method: string; path: string }> {
  return ((router as unknown as { stack: Layer[] }).stack ?? []).flatMap(
    layer => {
      if (layer.route) {
        return Object.keys(layer.route.methods).map(method => ({
          method: method === '_all' ? 'all' : method,
          path: layer.route!.path,
        }));
      }
      return layer.handle.stack ? routesOf(layer.handle as Router) : [];
    },
  );
}

/**
 * The routes a router registers that are none of its declared operations
 * with a permission (nor the 405 answer, `all`, of a declared path): there
 * must be none.
 */
function undeclaredRoutes(router: Router, declared: MecOperation[]) {
  const routes = routesOf(router);
  if (routes.length === 0) throw new Error('no routes found');
  return routes.filter(
    ({ method, path }) =>
      !declared.some(
        op =>
          op.path === path &&
          (op.method === method || (method === 'all' && op.method !== 'all')) &&
          op.permission,
      ),
  );
}

describe('every route of the plugin declares its permission', () => {
  it('app_pkgm/v1', async () => {
    const router = await createAppPkgmRouter({
      appPackages: unused,
      apiBase: unused,
      subscriptions: unused,
      outboundPolicy: unused,
      httpAuth: unused,
    });
    expect(
      undeclaredRoutes(router, operationsOf(appPkgmSpec, 'mec.package.read')),
    ).toEqual([]);
  });

  it('app_lcm/v1', async () => {
    const router = await createAppLcmRouter({
      lifecycle: unused,
      apiBase: unused,
      subscriptions: unused,
      outboundPolicy: unused,
      httpAuth: unused,
      mayReadValues: unused,
    });
    expect(
      undeclaredRoutes(router, operationsOf(appLcmSpec, 'mec.instance.read')),
    ).toEqual([]);
  });

  it('granting/v1', async () => {
    const router = await createGrantingRouter({
      granting: unused,
      apiBase: unused,
      appLcmBase: unused,
    });
    expect(
      undeclaredRoutes(router, operationsOf(grantingSpec, 'mec.grant.request')),
    ).toEqual([]);
  });

  it('the Helm repository and the Kubernetes proxy', () => {
    expect(
      undeclaredRoutes(
        createHelmRepositoryRouter({ appPackages: unused, baseUrl: unused }),
        HELM_REPOSITORY_OPERATIONS,
      ),
    ).toEqual([]);
    expect(
      undeclaredRoutes(
        createKubernetesProxyRouter({
          httpAuth: unused,
          hosts: unused,
          logger: unused,
        }),
        KUBERNETES_PROXY_OPERATIONS,
      ),
    ).toEqual([]);
  });
});
