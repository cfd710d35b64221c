import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import request from 'supertest';
import { mecPlugin } from '../../plugin';
import { spec as appLcmSpec } from '../../schema/openapi/generated/app_lcm';
import { spec as appPkgmSpec } from '../../schema/openapi/generated/app_pkgm';
import { spec as grantingSpec } from '../../schema/openapi/generated/granting';
import { spec as hostsSpec } from '../../schema/openapi/generated/hosts';
import { spec as mepmsSpec } from '../../schema/openapi/generated/mepms';
import { DECLARABLE_PERMISSIONS, operationsOf } from '.';

jest.setTimeout(60_000);

const MEC = '/api/mec';

const asClient = (subject: string) =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'mec',
  });

const clients = [
  { subject: 'external:edge-pull', allow: ['mec.package.pull'] },
  { subject: 'external:oss', allow: ['mm1'] },
];

const documents = [
  ['app_pkgm/v1', appPkgmSpec],
  ['app_lcm/v1', appLcmSpec],
  ['granting/v1', grantingSpec],
  ['', hostsSpec],
  ['', mepmsSpec],
] as const;

/** Every operation of the four documents as a request path with sample ids. */
const everyOperation = documents.flatMap(([root, spec]) =>
  operationsOf(spec as any).map(({ method, path, permission }) => ({
    method,
    path: `${MEC}${root ? `/${root}` : ''}${path.replace(/:[^/]+/g, 'x1')}`,
    permission,
  })),
);

describe('x-mec-permission', () => {
  it.each(documents.map(([root, spec]) => [root || spec.info.title, spec]))(
    'is declared, naming a known permission, on every operation of %s',
    (_name, spec) => {
      for (const [path, item] of Object.entries(spec.paths)) {
        for (const [method, operation] of Object.entries(
          item as Record<string, Record<string, unknown>>,
        )) {
          if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) {
            continue;
          }
          const name = operation['x-mec-permission'];
          expect({
            method,
            path,
            known: DECLARABLE_PERMISSIONS.has(name as string),
          }).toEqual({ method, path, known: true });
        }
      }
    },
  );
});

describe('authorization of every caller', () => {
  let server: Parameters<typeof request>[0];

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.rootConfig.factory({ data: { mec: { clients } } }),
        // Users: the policy denies everything.
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
    });
    server = backend.server;
  });

  const send = (method: string, path: string, auth: string) =>
    (request(server) as any)
      [method](path)
      .set('Authorization', auth)
      .send(method === 'get' || method === 'delete' ? undefined : {});

  it('refuses every operation, in any spelling, to a user the policy denies and to an unlisted client', async () => {
    for (const { method, path, permission } of everyOperation) {
      for (const spelling of [path, `${path}/`, path.toUpperCase()]) {
        for (const auth of [
          mockCredentials.user.header(),
          asClient('external:unknown'),
        ]) {
          const res = await send(method, spelling, auth);
          expect({ method, spelling, status: res.status }).toEqual({
            method,
            spelling,
            status: 403,
          });
          expect(res.headers['content-type']).toMatch(
            /^application\/problem\+json/,
          );
          expect(res.body.detail).toContain(permission);
        }
      }
    }
  });

  it.each([
    ['post', '/APP_PKGM/V1/app_packages', 'mec.package.onboard'],
    ['post', '/App_Lcm/v1/app_instances', 'mec.instance.create'],
    ['patch', '/hosts/x/', 'mec.host.register'],
    ['delete', '/hosts/x/', 'mec.host.remove'],
    [
      'post',
      '/app_lcm/v1/app_instances/x/instantiate/',
      'mec.instance.instantiate',
    ],
    ['post', '/hosts/x/check', 'mec.host.check'],
    ['post', '/granting/v1/grants', 'mec.grant.request'],
    ['post', '/app_pkgm/v1/subscriptions', 'mec.subscription.manage'],
    ['get', '/app_pkgm/v1/app_packages', 'mec.package.read'],
    ['get', '/app_lcm/v1/app_lcm_op_occs/x', 'mec.instance.read'],
    ['get', '/hosts', 'mec.host.read'],
    ['get', '/app_pkgm/v1/openapi.json', 'mec.package.read'],
  ])('%s %s needs %s', async (method, path, permission) => {
    const res = await send(
      method,
      `${MEC}${path}`,
      mockCredentials.user.header(),
    );
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe(`You do not hold permission ${permission}`);
  });

  it('lets the edge pull client pull charts and nothing else', async () => {
    const pull = asClient('external:edge-pull');
    const index = await send('get', `${MEC}/helm-repository/index.yaml`, pull);
    expect(index.status).toBe(200);
    for (const [method, path] of [
      ['post', '/app_pkgm/v1/app_packages'],
      ['get', '/app_pkgm/v1/app_packages'],
      ['post', '/hosts'],
      ['delete', '/hosts/edge-1'],
      ['post', '/app_lcm/v1/app_instances/x/instantiate'],
      ['get', '/kubernetes-proxy/edge-1/api/v1/namespaces/a/pods'],
    ]) {
      const res = await send(method, `${MEC}${path}`, pull);
      expect({ method, path, status: res.status }).toEqual({
        method,
        path,
        status: 403,
      });
      expect(res.body.detail).toMatch(
        /^Client 'external:edge-pull' does not hold permission mec\.|kubernetes\./,
      );
    }
  });

  it('gives a client what mec.clients allows it, and refuses users the chart repository', async () => {
    const oss = asClient('external:oss');
    expect(
      (await send('get', `${MEC}/app_pkgm/v1/app_packages`, oss)).status,
    ).toBe(200);
    // mm1 holds no host registry rights
    expect((await send('get', `${MEC}/hosts`, oss)).status).toBe(403);
    expect(
      (await send('get', `${MEC}/helm-repository/index.yaml`, oss)).status,
    ).toBe(403);
    expect(
      (
        await send(
          'get',
          `${MEC}/helm-repository/index.yaml`,
          mockCredentials.user.header(),
        )
      ).status,
    ).toBe(403);
  });

  it('gives the catalog module its default reads', async () => {
    const catalog = asClient('plugin:catalog');
    expect((await send('get', `${MEC}/hosts`, catalog)).status).toBe(200);
    expect(
      (await send('get', `${MEC}/app_lcm/v1/app_instances`, catalog)).status,
    ).toBe(200);
    expect(
      (await send('post', `${MEC}/app_pkgm/v1/app_packages`, catalog)).status,
    ).toBe(403);
  });
});

describe('the permissions registry', () => {
  it('lists every mec permission for the policy and the permission UI', async () => {
    const { server } = await startTestBackend({ features: [mecPlugin] });
    const res = await request(server)
      .get(`${MEC}/.well-known/backstage/permissions/metadata`)
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.permissions.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(mecPermissions.map(p => p.name)),
    );
  });
});

describe('mec.clients', () => {
  it('refuses to start with an unknown permission name', async () => {
    await expect(
      startTestBackend({
        features: [
          mecPlugin,
          mockServices.rootConfig.factory({
            data: {
              mec: { clients: [{ subject: 'x', allow: ['mec.everything'] }] },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/mec\.clients\[0\]\.allow\[0\] 'mec\.everything'/);
  });
});
