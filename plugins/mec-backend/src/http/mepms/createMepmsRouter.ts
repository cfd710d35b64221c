import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import type { Mepm } from '../../mepms/model';
import type {
  MepmNotification,
  MepmRegistry,
  MepmSettingsUpdate,
  RegisterMepmRequest,
} from '../../mepms/MepmRegistry';
import { spec } from '../../schema/openapi/generated/mepms';
import { methodNotAllowed } from '../methodNotAllowed';
import {
  DEFAULT_PAGE_SIZE,
  nameKey,
  readPage,
  setNextPageLink,
} from '../query/paging';

/** Path of the MEO's registry of MEPMs under the plugin's base URL. */
export const MEPMS_PATH = 'mepms';

/** What the registry of MEPMs' HTTP layer needs. */
export interface MepmsRouterOptions {
  mepms: Pick<
    MepmRegistry,
    | 'listMepms'
    | 'getMepm'
    | 'registerMepm'
    | 'updateMepm'
    | 'deleteMepm'
    | 'checkNow'
    | 'notified'
  >;
  /** The plugin's externally visible base URL, for absolute next-page links. */
  baseUrl: () => Promise<string>;
  /** MEPMs per page of `GET /mepms` (`mec.api.pageSize`). */
  pageSize?: number;
}

/**
 * The MEO's registry of MEPMs, `/mepms` under the plugin's base URL (our
 * extension, not an ETSI API), and the callback of each MEPM's lifecycle
 * notifications, validated against `schema/openapi/mepms.yaml`. Mount it
 * at the plugin's base URL after authentication; it takes only its own
 * paths. Credentials are accepted and never returned.
 */
export async function createMepmsRouter(
  options: MepmsRouterOptions,
): Promise<express.Router> {
  const { mepms } = options;
  const api = await createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: {
      // Authentication is checked before this router (see ../authenticate.ts).
      validateSecurity: false,
    },
  });

  api.get('/mepms', async (req, res) => {
    const page = await readPage({
      list: MEPMS_PATH,
      query: req.query,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      codec: nameKey,
      read: ({ after, limit }) => mepms.listMepms({ after, limit }),
      keyOf: mepm => mepm.name,
    });
    setNextPageLink(req, res, `${await options.baseUrl()}/${MEPMS_PATH}`, page);
    res.json({ items: page.items.map(toMepmResponse) });
  });

  api.post('/mepms', async (req: Request, res: Response) => {
    const mepm = await mepms.registerMepm(req.body as RegisterMepmRequest);
    res
      .status(201)
      .location(
        `${await options.baseUrl()}/${MEPMS_PATH}/${encodeURIComponent(
          mepm.name,
        )}`,
      )
      .json(toMepmResponse(mepm));
  });

  api.get('/mepms/:name', async (req, res) => {
    res.json(toMepmResponse(await mepms.getMepm(req.params.name)));
  });

  api.patch('/mepms/:name', async (req: Request, res: Response) => {
    const mepm = await mepms.updateMepm(
      req.params.name,
      req.body as MepmSettingsUpdate,
    );
    res.json(toMepmResponse(mepm));
  });

  api.delete('/mepms/:name', async (req, res) => {
    await mepms.deleteMepm(req.params.name);
    res.status(204).end();
  });

  api.post('/mepms/:name/check', async (req, res) => {
    res.json(toMepmResponse(await mepms.checkNow(req.params.name)));
  });

  api.post('/mepms/:name/notifications', async (req: Request, res) => {
    await mepms.notified(req.params.name, req.body as MepmNotification);
    res.status(204).end();
  });

  api.use(methodNotAllowed(spec));

  const ownPath = new RegExp(`^/${MEPMS_PATH}(/|$)`);
  const router = Router();
  router.use((req, res, next) =>
    ownPath.test(req.path) ? api(req, res, next) : next(),
  );
  return router;
}

/** The API view of a MEPM: dates as ISO strings. */
export function toMepmResponse(mepm: Mepm) {
  const { status, notifiedAt, createdAt, updatedAt, ...rest } = mepm;
  return {
    ...rest,
    ...(status
      ? { status: { ...status, checkedAt: status.checkedAt.toISOString() } }
      : {}),
    ...(notifiedAt ? { notifiedAt: notifiedAt.toISOString() } : {}),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}
