import {
  AuditorService,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import {
  MEC_API_ROOTS,
  mecGrantRequestPermission,
  mecInstanceReadPermission,
  mecInstanceValuesReadPermission,
  mecPackageReadPermission,
} from '@helmmec/plugin-mec-common';
import { GrantingService } from '../granting/GrantingService';
import { EdgeHostHealthChecker, EdgeHostService } from '../hosts';
import { LocalEdgeClusterStatus } from '../hosts/localEdgeCluster';
import { AppLifecycleService } from '../lifecycle/AppLifecycleService';
import { SubscriptionStore } from '../notifications';
import { OutboundUrlPolicy } from '../outbound';
import { AppPackageService } from '../packages/AppPackageService';
import { createAppLcmRouter } from './appLcm/createAppLcmRouter';
import { createAppPkgmRouter } from './appPkgm/createAppPkgmRouter';
import { createGrantingRouter } from './granting/createGrantingRouter';
import { createHostsRouter } from './hosts/createHostsRouter';
import { auditChanges } from './audit';
import { authenticate, basicAuthAsBearer } from './authenticate';
import {
  authorizeOperations,
  MecAuthorizer,
  MecOperation,
  operationsOf,
} from './authorization';
import {
  createHelmRepositoryRouter,
  HELM_REPOSITORY_OPERATIONS,
} from './helmRepository/createHelmRepositoryRouter';
import {
  createKubernetesProxyRouter,
  KUBERNETES_PROXY_OPERATIONS,
  KUBERNETES_PROXY_PATH,
} from './kubernetesProxy/createKubernetesProxyRouter';
import { spec as appLcmSpec } from '../schema/openapi/generated/app_lcm';
import { spec as appPkgmSpec } from '../schema/openapi/generated/app_pkgm';
import { spec as grantingSpec } from '../schema/openapi/generated/granting';
import { spec as hostsSpec } from '../schema/openapi/generated/hosts';
import { spec as mepmsSpec } from '../schema/openapi/generated/mepms';
import { jsonRequestBody } from './jsonRequestBody';
import { notFoundHandler, problemDetailsErrorHandler } from './problemDetails';

/** Path of the MEO's Helm chart repository under the plugin's base URL. */
export const HELM_REPOSITORY_PATH = 'helm-repository';

// The paths the hosts router takes by itself (see ./hosts).
const HOSTS_API_ROOTS = [
  '/hosts',
  '/edge_drivers',
  '/placement',
  '/local_edge_cluster',
];

/** What the HTTP layer of the mec plugin needs. */
export interface RouterOptions {
  /**
   * `mepm` serves app_lcm and the hosts API only: packages, grants and the
   * Helm repository are its MEO's. Default `combined`.
   */
  role?: 'combined' | 'meo' | 'mepm';
  /** The MEO's `/mepms` registry and the MEPMs' notification callbacks. */
  mepmsRouter?: express.Router;
  httpAuth: HttpAuthService;
  /** Decides every operation's permission (see ./authorization). */
  authorizer: MecAuthorizer;
  logger: LoggerService;
  /** Records every changing request of the MEC and hosts APIs. */
  auditor: AuditorService;
  appPackages: AppPackageService;
  /** The externally visible `{apiRoot}`, for example `http://localhost:7007/api/mec`. */
  apiRoot: () => Promise<string>;
  /** Largest package archive accepted by PUT package_content. */
  maxUploadBytes?: number;
  subscriptions: SubscriptionStore;
  outboundPolicy: OutboundUrlPolicy;
  lifecycle: AppLifecycleService;
  granting: GrantingService;
  hosts: EdgeHostService;
  healthChecker: EdgeHostHealthChecker;
  /** The progress of `npm start`'s local edge cluster (`mec.localEdgeCluster`). */
  localEdgeCluster?: LocalEdgeClusterStatus;
  /** Items per page of every list (`mec.api.pageSize`). */
  pageSize?: number;
}

/**
 * The mec plugin's router: every ETSI API under its `{apiName}/{apiVersion}`
 * and the MEO's Helm repository, behind authentication, with ProblemDetails
 * for every error.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, logger, appPackages, apiRoot } = options;
  const router = Router();

  router.use(`/${HELM_REPOSITORY_PATH}`, basicAuthAsBearer());
  // MEPMs authenticate their notifications as the MEO's subscription said:
  // HTTP Basic whose password is a token of ours.
  router.use('/mepms/:name/notifications', basicAuthAsBearer());
  router.use(authenticate(httpAuth));
  // Before the permission check, so that refused changes are recorded too.
  router.use(auditChanges({ auditor: options.auditor, logger }));
  // Every operation needs the permission it declares, checked where Express
  // matches its route (see ./authorization), before its body is read.
  const operations: Array<[string, MecOperation[]]> = [
    [
      `/${MEC_API_ROOTS.appPkgm}`,
      operationsOf(appPkgmSpec, mecPackageReadPermission.name),
    ],
    [
      `/${MEC_API_ROOTS.appLcm}`,
      operationsOf(appLcmSpec, mecInstanceReadPermission.name),
    ],
    [
      `/${MEC_API_ROOTS.granting}`,
      operationsOf(grantingSpec, mecGrantRequestPermission.name),
    ],
    // The hosts router serves no /openapi.json (it takes only its own paths).
    ['/', operationsOf(hostsSpec)],
    // The MEO's registry of MEPMs, served by mepmsRouter (no /openapi.json).
    ['/', operationsOf(mepmsSpec)],
    [`/${HELM_REPOSITORY_PATH}`, HELM_REPOSITORY_OPERATIONS],
    [`/${KUBERNETES_PROXY_PATH}`, KUBERNETES_PROXY_OPERATIONS],
  ];
  // A MEPM serves no packages, grants or charts: those are its MEO's, and
  // their paths answer 404 ProblemDetails here, not 403.
  const meoApis = options.role !== 'mepm';
  const meoOnly = [
    `/${MEC_API_ROOTS.appPkgm}`,
    `/${MEC_API_ROOTS.granting}`,
    `/${HELM_REPOSITORY_PATH}`,
  ];
  for (const [path, declared] of operations) {
    if (!meoApis && meoOnly.includes(path)) continue;
    router.use(path, authorizeOperations(declared, options.authorizer));
  }
  // JSON bodies of the MEC APIs, with our depth and NUL limits; not for the
  // Kubernetes proxy, which forwards bodies as they came.
  router.use(
    [
      `/${MEC_API_ROOTS.appPkgm}`,
      `/${MEC_API_ROOTS.appLcm}`,
      `/${MEC_API_ROOTS.granting}`,
      ...HOSTS_API_ROOTS,
      '/mepms',
    ],
    jsonRequestBody(),
  );

  if (meoApis) {
    router.use(
      `/${MEC_API_ROOTS.appPkgm}`,
      await createAppPkgmRouter({
        appPackages,
        apiBase: async () => `${await apiRoot()}/${MEC_API_ROOTS.appPkgm}`,
        maxUploadBytes: options.maxUploadBytes,
        subscriptions: options.subscriptions,
        outboundPolicy: options.outboundPolicy,
        httpAuth,
        pageSize: options.pageSize,
      }),
    );
  }
  const appLcmBase = async () => `${await apiRoot()}/${MEC_API_ROOTS.appLcm}`;
  router.use(
    `/${MEC_API_ROOTS.appLcm}`,
    await createAppLcmRouter({
      lifecycle: options.lifecycle,
      apiBase: appLcmBase,
      subscriptions: options.subscriptions,
      outboundPolicy: options.outboundPolicy,
      httpAuth,
      pageSize: options.pageSize,
      mayReadValues: req =>
        options.authorizer.isAllowed(req, mecInstanceValuesReadPermission),
    }),
  );
  if (meoApis) {
    router.use(
      `/${MEC_API_ROOTS.granting}`,
      await createGrantingRouter({
        granting: options.granting,
        apiBase: async () => `${await apiRoot()}/${MEC_API_ROOTS.granting}`,
        appLcmBase,
      }),
    );
  }
  // Takes /hosts, /edge_drivers, /placement and /local_edge_cluster by itself.
  router.use(
    await createHostsRouter({
      hosts: options.hosts,
      healthChecker: options.healthChecker,
      placement: options.granting,
      localEdgeCluster: options.localEdgeCluster,
      baseUrl: apiRoot,
      pageSize: options.pageSize,
    }),
  );
  if (meoApis) {
    router.use(
      `/${HELM_REPOSITORY_PATH}`,
      createHelmRepositoryRouter({
        appPackages,
        baseUrl: async () => `${await apiRoot()}/${HELM_REPOSITORY_PATH}`,
      }),
    );
  }
  if (options.mepmsRouter) {
    router.use(options.mepmsRouter);
  }

  router.use(
    `/${KUBERNETES_PROXY_PATH}`,
    createKubernetesProxyRouter({ httpAuth, hosts: options.hosts, logger }),
  );

  router.use(notFoundHandler());
  router.use(problemDetailsErrorHandler({ logger }));
  return router;
}
