import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { InputError } from '@backstage/errors';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import type { GrantingService } from '../../granting/GrantingService';
import {
  EdgeHost,
  EdgeHostHealthChecker,
  EdgeHostService,
  EdgeHostSettingsUpdate,
  RegisterEdgeHostRequest,
} from '../../hosts';
import {
  LocalEdgeClusterProgress,
  LocalEdgeClusterStatus,
} from '../../hosts/localEdgeCluster';
import { spec } from '../../schema/openapi/generated/hosts';
import { methodNotAllowed } from '../methodNotAllowed';
import {
  DEFAULT_PAGE_SIZE,
  nameKey,
  readPage,
  setNextPageLink,
} from '../query/paging';

/** Path of the edge host registry under the plugin's base URL. */
export const HOSTS_PATH = 'hosts';

/**
 * Path of the list of edge drivers under the plugin's base URL; beside
 * `/hosts`, where `drivers` would be a valid host name.
 */
export const EDGE_DRIVERS_PATH = 'edge_drivers';

/** Path of the placement preview under the plugin's base URL. */
export const PLACEMENT_PATH = 'placement';

/**
 * Path of the local edge cluster's progress (`npm start`) under the
 * plugin's base URL; beside `/hosts`, like the others.
 */
export const LOCAL_EDGE_CLUSTER_PATH = 'local_edge_cluster';

/** What the edge host registry's HTTP layer needs. */
export interface HostsRouterOptions {
  hosts: EdgeHostService;
  healthChecker: EdgeHostHealthChecker;
  placement: Pick<GrantingService, 'previewPlacement'>;
  /**
   * The plugin's externally visible base URL, for absolute next-page links;
   * without it they are built from the request.
   */
  baseUrl?: () => Promise<string>;
  /** Hosts per page of `GET /hosts` (`mec.api.pageSize`). */
  pageSize?: number;
  /**
   * The progress of `npm start`'s local edge cluster; without it (or
   * without its status file) `GET /local_edge_cluster` is 404.
   */
  localEdgeCluster?: LocalEdgeClusterStatus;
}

/**
 * The portal API of the edge host registry, `/hosts` under the plugin's
 * base URL (not an ETSI API), the edge drivers a host may name,
 * `/edge_drivers`, the placement preview, `/placement`, and the progress
 * of `npm start`'s local edge cluster, `/local_edge_cluster`, validated
 * against `schema/openapi/hosts.yaml`. Mount it at the plugin's base URL,
 * after authentication and before the ProblemDetails error handler.
 * Credentials are accepted on registration and never returned.
 */
export async function createHostsRouter(
  options: HostsRouterOptions,
): Promise<express.Router> {
  const { hosts, healthChecker, placement } = options;
  const hostsBase = async (req: Request) =>
    options.baseUrl
      ? options.baseUrl()
      : `${req.protocol}://${req.get('host')}${req.baseUrl}`;
  const api = await createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: {
      // Authentication is checked before this router (see ../authenticate.ts).
      validateSecurity: false,
    },
  });

  api.get('/hosts', async (req, res) => {
    const page = await readPage({
      list: HOSTS_PATH,
      query: req.query,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      codec: nameKey,
      read: ({ after, limit }) => hosts.listHosts({ after, limit }),
      keyOf: host => host.name,
    });
    setNextPageLink(req, res, `${await hostsBase(req)}/${HOSTS_PATH}`, page);
    res.json({ items: page.items.map(toEdgeHostResponse) });
  });

  api.post('/hosts', async (req: Request, res: Response) => {
    const { probe, ...request } = req.body as RegisterEdgeHostRequest & {
      probe?: boolean;
    };
    const host = await hosts.registerHost(request, { probe });
    res
      .status(201)
      .location(`${req.baseUrl}/${HOSTS_PATH}/${encodeURIComponent(host.name)}`)
      .json(toEdgeHostResponse(host));
  });

  api.get('/hosts/:name', async (req, res) => {
    res.json(toEdgeHostResponse(await hosts.getHost(req.params.name)));
  });

  api.patch('/hosts/:name', async (req: Request, res: Response) => {
    const host = await hosts.updateHost(
      req.params.name,
      req.body as EdgeHostSettingsUpdate,
    );
    res.json(toEdgeHostResponse(host));
  });

  api.delete('/hosts/:name', async (req, res) => {
    await hosts.deleteHost(req.params.name);
    res.status(204).end();
  });

  api.post('/hosts/:name/check', async (req, res) => {
    res.json(toEdgeHostResponse(await healthChecker.checkNow(req.params.name)));
  });

  api.get('/edge_drivers', async (req, res) => {
    // A short list held in memory, paged like every other list.
    const page = await readPage({
      list: EDGE_DRIVERS_PATH,
      query: req.query,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      codec: nameKey,
      read: async ({ after, limit }) =>
        hosts
          .listDrivers()
          .filter(id => after === undefined || id > after)
          .slice(0, limit),
      keyOf: id => id,
    });
    setNextPageLink(
      req,
      res,
      `${await hostsBase(req)}/${EDGE_DRIVERS_PATH}`,
      page,
    );
    res.json({ drivers: page.items.map(id => ({ id })) });
  });

  api.get('/placement', async (req, res) => {
    const { appInstanceId, appPkgId } = req.query as {
      appInstanceId?: string;
      appPkgId?: string;
    };
    if (!appInstanceId === !appPkgId) {
      throw new InputError(
        'Give exactly one of the query parameters appInstanceId and appPkgId',
      );
    }
    res.json(
      await placement.previewPlacement(
        appInstanceId ? { appInstanceId } : { appPkgId: appPkgId! },
      ),
    );
  });

  api.get('/local_edge_cluster', async (_req, res) => {
    const localEdgeCluster =
      options.localEdgeCluster ?? new LocalEdgeClusterStatus(undefined);
    res.json(toLocalEdgeClusterResponse(await localEdgeCluster.read()));
  });

  api.use(methodNotAllowed(spec));

  // Only its own paths reach it, unstripped (the document's paths are
  // relative to the plugin's base URL), so its JSON body parser never
  // touches other routes.
  const ownPath = new RegExp(
    `^/(${HOSTS_PATH}|${EDGE_DRIVERS_PATH}|${PLACEMENT_PATH}|${LOCAL_EDGE_CLUSTER_PATH})(/|$)`,
  );
  const router = Router();
  router.use((req, res, next) =>
    ownPath.test(req.path) ? api(req, res, next) : next(),
  );
  return router;
}

/** The API view of a host: dates as ISO strings, the credential's type only. */
export function toEdgeHostResponse(host: EdgeHost) {
  const { credentialType, createdAt, updatedAt, status, ...rest } = host;
  return {
    ...rest,
    credential: { type: credentialType },
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    ...(status
      ? { status: { ...status, checkedAt: status.checkedAt.toISOString() } }
      : {}),
  };
}

/** The API view of the local edge cluster's progress: dates as ISO strings. */
export function toLocalEdgeClusterResponse(progress: LocalEdgeClusterProgress) {
  return {
    ...progress,
    startedAt: progress.startedAt.toISOString(),
    updatedAt: progress.updatedAt.toISOString(),
  };
}
