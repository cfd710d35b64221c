import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { Request, Response } from 'express';
import { AppLifecycleService } from '../../lifecycle/AppLifecycleService';
import { ChangeAppPkgRequest, LcmCommand } from '../../lifecycle/model';
import { SubscriptionStore } from '../../notifications/SubscriptionStore';
import { OutboundUrlPolicy } from '../../outbound';
import { spec } from '../../schema/openapi/generated/app_lcm';
import { methodNotAllowed } from '../methodNotAllowed';
import { addSubscriptionRoutes, ownerOf } from '../subscriptionRoutes';
import { parseListQuery } from '../query/listQuery';
import {
  DEFAULT_PAGE_SIZE,
  creationKey,
  readPage,
  setNextPageLink,
} from '../query/paging';
import {
  toInstanceListConditions,
  toOpOccListConditions,
} from './appLcmListConditions';
import {
  normalizeAppLcmSubscription,
  toAppLcmSubscriptionInfo,
  toAppLcmSubscriptionType,
} from './appLcmSubscriptions';
import {
  parseChangeAppPkgRequest,
  parseCreateAppInstanceRequest,
  parseInstantiateAppRequest,
  parseOperateAppRequest,
  parseTerminateAppRequest,
} from './fromAppLcmWire';
import {
  toAppInstanceInfo,
  toAppInstanceRevision,
  toAppLcmOpOcc,
} from './toAppLcmWire';

// What a list leaves out unless asked: optional attributes, so a listed
// resource keeps its type.
const INSTANCE_LIST = {
  attributes: Object.keys(spec.components.schemas.AppInstanceInfo.properties),
  // 7.4.2.3.2: the task links are among the default exclusions.
  defaultExcluded: [
    'vimConnectionInfo',
    '_links/instantiate',
    '_links/terminate',
    '_links/operate',
  ],
};
const OP_OCC_LIST = {
  attributes: Object.keys(spec.components.schemas.AppLcmOpOcc.properties),
  defaultExcluded: ['operationParams', '_links'],
};

/**
 * The ETSI GS MEC 010-2 app_lcm/v1 API (clause 7.4), validated against our
 * OpenAPI document. Tasks answer 202 with the op occurrence's Location; the
 * operation runs once the response is sent, so the client has its Location
 * before the "start" notification goes out.
 */
export async function createAppLcmRouter(options: {
  lifecycle: AppLifecycleService;
  apiBase: () => Promise<string>;
  subscriptions: SubscriptionStore;
  outboundPolicy: OutboundUrlPolicy;
  httpAuth: HttpAuthService;
  /**
   * Whether the caller may read Helm values (`mec.instance.values.read`);
   * op occurrences leave them out otherwise, and lists cannot filter on them.
   */
  mayReadValues: (req: Request) => Promise<boolean>;
  /** Items per page of a list (`mec.api.pageSize`). */
  pageSize?: number;
}) {
  const { lifecycle, apiBase, subscriptions, outboundPolicy, httpAuth } =
    options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  // Who asks, recorded with what they create or start: the portal tells
  // them how their operations end.
  const requester = async (req: Request) =>
    ownerOf(await httpAuth.credentials(req, { allow: ['user', 'service'] }));
  const router = await createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: { validateSecurity: false },
  });

  router.post('/app_instances', async (req, res) => {
    const instance = await lifecycle.createInstance({
      ...parseCreateAppInstanceRequest(req.body),
      createdBy: await requester(req),
    });
    const info = toAppInstanceInfo(instance, await apiBase());
    res.status(201).location(info._links.self.href).json(info);
  });
  router.get('/app_instances', async (req, res) => {
    const base = await apiBase();
    const query = parseListQuery(req.query, INSTANCE_LIST);
    const conditions = toInstanceListConditions(query.filter, base);
    const page = await readPage({
      list: 'app_instances',
      query: req.query,
      pageSize,
      codec: creationKey,
      read: ({ after, limit }) =>
        lifecycle.listInstances({ conditions, after, limit }),
      keyOf: instance => instance,
      matches: instance => query.matches(toAppInstanceInfo(instance, base)),
    });
    setNextPageLink(req, res, `${base}/app_instances`, page);
    res.json(page.items.map(i => query.select(toAppInstanceInfo(i, base))));
  });
  router.get('/app_instances/:appInstanceId', async (req, res) => {
    const instance = await lifecycle.getInstance(req.params.appInstanceId);
    res.json(toAppInstanceInfo(instance, await apiBase()));
  });
  router.delete('/app_instances/:appInstanceId', async (req, res) => {
    await lifecycle.deleteInstance(req.params.appInstanceId);
    res.status(204).end();
  });

  // A task: 202 with the op occurrence's Location. The operation runs once
  // the response is out, so the client has its Location before the "start"
  // notification.
  const start = async (
    res: Response,
    appInstanceId: string,
    command: LcmCommand | ChangeAppPkgRequest,
  ) => {
    const asked = { requestedBy: await requester(res.req) };
    const opOcc =
      'lcmOperation' in command
        ? await lifecycle.startOperation(appInstanceId, command, asked)
        : await lifecycle.changeAppPkg(appInstanceId, command, asked);
    res.once('finish', () => lifecycle.run(opOcc.id));
    res
      .status(202)
      .location(`${await apiBase()}/app_lcm_op_occs/${opOcc.id}`)
      .end();
  };
  router.post('/app_instances/:appInstanceId/instantiate', async (req, res) =>
    start(res, req.params.appInstanceId, parseInstantiateAppRequest(req.body)),
  );
  router.post('/app_instances/:appInstanceId/terminate', async (req, res) =>
    start(res, req.params.appInstanceId, parseTerminateAppRequest(req.body)),
  );
  router.post('/app_instances/:appInstanceId/operate', async (req, res) =>
    start(res, req.params.appInstanceId, parseOperateAppRequest(req.body)),
  );
  // Our extensions: a change of package (after NFV-SOL 003 change_vnfpkg)
  // and the release's revisions.
  router.post(
    '/app_instances/:appInstanceId/change_app_pkg',
    async (req, res) =>
      start(res, req.params.appInstanceId, parseChangeAppPkgRequest(req.body)),
  );
  router.get('/app_instances/:appInstanceId/revisions', async (req, res) => {
    const revisions = await lifecycle.listRevisions(req.params.appInstanceId);
    res.json(revisions.map(toAppInstanceRevision));
  });

  router.get('/app_lcm_op_occs', async (req, res) => {
    const base = await apiBase();
    const query = parseListQuery(req.query, OP_OCC_LIST);
    const withValues = await options.mayReadValues(req);
    const conditions = toOpOccListConditions(query.filter, base);
    const page = await readPage({
      list: 'app_lcm_op_occs',
      query: req.query,
      pageSize,
      codec: creationKey,
      read: ({ after, limit }) =>
        lifecycle.listOpOccs({ conditions, after, limit }),
      // The store records an occurrence's start as its creation time.
      keyOf: opOcc => ({ createdAt: opOcc.startTime, id: opOcc.id }),
      matches: opOcc =>
        query.matches(toAppLcmOpOcc(opOcc, base, { withValues })),
    });
    setNextPageLink(req, res, `${base}/app_lcm_op_occs`, page);
    res.json(
      page.items.map(o => query.select(toAppLcmOpOcc(o, base, { withValues }))),
    );
  });
  router.get('/app_lcm_op_occs/:appLcmOpOccId', async (req, res) => {
    const opOcc = await lifecycle.getOpOcc(req.params.appLcmOpOccId);
    res.json(
      toAppLcmOpOcc(opOcc, await apiBase(), {
        withValues: await options.mayReadValues(req),
      }),
    );
  });
  router.post('/app_lcm_op_occs/:appLcmOpOccId/cancel', async (req, res) => {
    const mode = req.body.CancelMode === 'GRACEFUL' ? 'GRACEFUL' : 'FORCED';
    await lifecycle.cancel(req.params.appLcmOpOccId, mode);
    res.status(202).end();
  });
  router.post('/app_lcm_op_occs/:appLcmOpOccId/retry', async (req, res) => {
    const id = req.params.appLcmOpOccId;
    await lifecycle.retry(id);
    res.once('finish', () => lifecycle.run(id));
    res.status(202).end();
  });
  router.post('/app_lcm_op_occs/:appLcmOpOccId/fail', async (req, res) => {
    const opOcc = await lifecycle.fail(req.params.appLcmOpOccId);
    res.json(
      toAppLcmOpOcc(opOcc, await apiBase(), {
        withValues: await options.mayReadValues(req),
      }),
    );
  });

  addSubscriptionRoutes(
    router,
    {
      api: 'app_lcm',
      parseRequest: normalizeAppLcmSubscription,
      toInfo: toAppLcmSubscriptionInfo,
      listedTypes: query =>
        query.subscriptionType
          ? [toAppLcmSubscriptionType(query.subscriptionType)]
          : undefined,
    },
    { subscriptions, outboundPolicy, apiBase, httpAuth, pageSize },
  );

  router.use(methodNotAllowed(spec));
  return router;
}
