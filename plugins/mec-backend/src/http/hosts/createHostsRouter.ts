import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import {
  EdgeHost,
  EdgeHostHealthChecker,
  EdgeHostService,
  EdgeHostSettingsUpdate,
  RegisterEdgeHostRequest,
} from '../../hosts';
import { spec } from '../../schema/openapi/generated/hosts';
import { methodNotAllowed } from '../methodNotAllowed';

/** Path of the edge host registry under the plugin's base URL. */
export const HOSTS_PATH = 'hosts';

/** What the edge host registry's HTTP layer needs. */
export interface HostsRouterOptions {
  hosts: EdgeHostService;
  healthChecker: EdgeHostHealthChecker;
}

/**
 * The portal API of the edge host registry, `/hosts` under the plugin's
 * base URL (not an ETSI API), validated against `schema/openapi/hosts.yaml`.
 * Mount it after authentication and before the ProblemDetails error
 * handler. Credentials are accepted on registration and never returned.
 */
export async function createHostsRouter(
  options: HostsRouterOptions,
): Promise<express.Router> {
  const { hosts, healthChecker } = options;
  const api = await createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: {
      // Authentication is checked before this router (see ../authenticate.ts).
      validateSecurity: false,
    },
  });

  api.get('/', async (_req, res) => {
    const items = await hosts.listHosts();
    res.json({ items: items.map(toEdgeHostResponse) });
  });

  api.post('/', async (req: Request, res: Response) => {
    const { probe, ...request } = req.body as RegisterEdgeHostRequest & {
      probe?: boolean;
    };
    const host = await hosts.registerHost(request, { probe });
    res
      .status(201)
      .location(`${req.baseUrl}/${encodeURIComponent(host.name)}`)
      .json(toEdgeHostResponse(host));
  });

  api.get('/:name', async (req, res) => {
    res.json(toEdgeHostResponse(await hosts.getHost(req.params.name)));
  });

  api.patch('/:name', async (req: Request, res: Response) => {
    const host = await hosts.updateHost(
      req.params.name,
      req.body as EdgeHostSettingsUpdate,
    );
    res.json(toEdgeHostResponse(host));
  });

  api.delete('/:name', async (req, res) => {
    await hosts.deleteHost(req.params.name);
    res.status(204).end();
  });

  api.post('/:name/check', async (req, res) => {
    res.json(toEdgeHostResponse(await healthChecker.checkNow(req.params.name)));
  });

  api.use(methodNotAllowed(spec));

  // Scoped to /hosts, so its JSON body parser never touches other routes.
  const router = Router();
  router.use(`/${HOSTS_PATH}`, api);
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
