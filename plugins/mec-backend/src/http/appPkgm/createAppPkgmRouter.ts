import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { SubscriptionStore } from '../../notifications';
import { OutboundUrlPolicy } from '../../outbound';
import { addAppPkgmSubscriptionRoutes } from './subscriptionRoutes';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import express, { Request, Response } from 'express';
import { AppPackageService } from '../../packages/AppPackageService';
import { AppPackageRef } from '../../packages/model';
import { buildAppDZip } from '../../packages/onboarding/buildMecPackageZip';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import { MethodNotAllowedError, methodNotAllowed } from '../methodNotAllowed';
import { sendProblem } from '../problemDetails';
import { parseListQuery } from '../query/listQuery';
import {
  DEFAULT_PAGE_SIZE,
  creationKey,
  readPage,
  setNextPageLink,
} from '../query/paging';
import { readRequestBody } from '../readRequestBody';
import {
  parseAppPkgInfoModifications,
  parseCreateAppPkg,
} from './appPkgRequests';
import { toPackageListConditions } from './packageListConditions';
import { toAppPkgInfo } from './toAppPkgInfo';
import { selectAppD } from './selectAppD';

/** Top-level attributes of AppPkgInfo, the names a filter may use. */
const APP_PKG_INFO_ATTRIBUTES = Object.keys(
  spec.components.schemas.AppPkgInfo.properties,
);

/** Complex attributes that lists leave out unless asked (clause 7.3.1.3.2). */
const APP_PKG_INFO_DEFAULT_EXCLUDED = [
  'checksum',
  'softwareImages',
  'additionalArtifacts',
];

/** Largest package archive accepted by PUT package_content. */
const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The spec's path parameters, in the express form used by the routes. */
function refOf(req: Request): AppPackageRef {
  return req.params.appDId !== undefined
    ? { appDId: req.params.appDId }
    : { appPkgId: req.params.appPkgId };
}

/** The tree a request addresses its package in. */
const readByOf = (req: Request) =>
  req.params.appDId !== undefined ? 'appDId' : 'appPkgId';

/** The AppD's media types for `Accept`: the single file, or a ZIP (7.3.6.3.2). */
const APPD_TEXT = 'text/plain; charset=utf-8';
const ZIP = 'application/zip';

/** The two trees that address an individual package. */
const PACKAGE_PATHS = [
  '/app_packages/:appPkgId',
  '/onboarded_app_packages/:appDId',
];

/**
 * The ETSI GS MEC 010-2 app_pkgm/v1 API (clause 7.3), validated against our
 * OpenAPI document. Every resource under /app_packages/{appPkgId} is also
 * served by appDId under /onboarded_app_packages/{appDId}.
 *
 * @param apiBase - externally visible `{apiRoot}/app_pkgm/v1`, for `_links`
 */
export async function createAppPkgmRouter(options: {
  appPackages: AppPackageService;
  apiBase: () => Promise<string>;
  maxUploadBytes?: number;
  subscriptions: SubscriptionStore;
  outboundPolicy: OutboundUrlPolicy;
  httpAuth: HttpAuthService;
  /** Items per page of a list (`mec.api.pageSize`). */
  pageSize?: number;
}) {
  const { appPackages } = options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const router = await createValidatedOpenApiRouter<typeof spec>(spec, {
    validatorOptions: {
      // Authentication is checked before this router (see ../authenticate.ts);
      // the document's securitySchemes only describe it.
      validateSecurity: false,
      // The archive upload is read as a stream by its handler, with a size cap.
      ignorePaths: /\/package_content$/,
    },
  });

  const listPackages =
    (onboardedOnly: boolean) => async (req: Request, res: Response) => {
      const query = parseListQuery(req.query, {
        attributes: APP_PKG_INFO_ATTRIBUTES,
        defaultExcluded: APP_PKG_INFO_DEFAULT_EXCLUDED,
      });
      const apiBase = await options.apiBase();
      const narrowBy = toPackageListConditions(query.filter);
      const list = onboardedOnly ? 'onboarded_app_packages' : 'app_packages';
      const readBy = onboardedOnly ? 'appDId' : 'appPkgId';
      const page = await readPage({
        list,
        query: req.query,
        pageSize,
        codec: creationKey,
        read: ({ after, limit }) =>
          appPackages.listAppPackages({
            onboardedOnly,
            narrowBy,
            after,
            limit,
          }),
        keyOf: record => record,
        matches: record => query.matches(toAppPkgInfo(record, apiBase, readBy)),
      });
      setNextPageLink(req, res, `${apiBase}/${list}`, page);
      res.json(
        page.items.map(r => query.select(toAppPkgInfo(r, apiBase, readBy))),
      );
    };

  const getPackage = async (req: Request, res: Response) => {
    const record = await appPackages.getAppPackage(refOf(req));
    res.json(toAppPkgInfo(record, await options.apiBase(), readByOf(req)));
  };

  const patchPackage = async (req: Request, res: Response) => {
    const command = parseAppPkgInfoModifications(req.body);
    await appPackages.changeOperationalState(refOf(req), command);
    res.json({ operationalState: command.operationalState });
  };

  const deletePackage = async (req: Request, res: Response) => {
    await appPackages.deleteAppPackage(refOf(req));
    res.status(204).end();
  };

  const getAppD = async (req: Request, res: Response) => {
    const { content } = await appPackages.getOnboardedContent(refOf(req));
    const file = selectAppD(
      {
        fileName: content.appdFileName ?? 'appd.yaml',
        text: content.appdText ?? '',
      },
      req.query,
    );
    if (!file) {
      throw new NotFoundError('The AppD does not match the filter');
    }
    // With both types acceptable the single file is returned (7.3.6.3.2).
    const accepted = req.accepts([APPD_TEXT, ZIP]);
    if (!accepted) {
      sendProblem(
        res,
        406,
        'The AppD is available as text/plain (the AppD file, UTF-8) or application/zip',
        req.originalUrl,
      );
      return;
    }
    if (accepted === APPD_TEXT) {
      res.type(APPD_TEXT).send(file.text);
      return;
    }
    res
      .type(ZIP)
      .send(buildAppDZip({ appdFileName: file.fileName, appdText: file.text }));
  };

  const getContent = async (req: Request, res: Response) => {
    const { content } = await appPackages.getOnboardedContent(refOf(req));
    if (!req.accepts(ZIP)) {
      sendProblem(
        res,
        406,
        'The package content is available as application/zip only',
        req.originalUrl,
      );
      return;
    }
    const archive = content.packageArchive;
    res.setHeader('Accept-Ranges', 'bytes');
    const range = req.headers.range;
    if (!range) {
      res.type('application/zip').send(archive);
      return;
    }
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start: number;
    let end: number;
    if (match && (match[1] || match[2])) {
      if (match[1]) {
        start = Number(match[1]);
        end = match[2]
          ? Math.min(Number(match[2]), archive.length - 1)
          : archive.length - 1;
      } else {
        // suffix range: the last N bytes
        start = Math.max(archive.length - Number(match[2]), 0);
        end = archive.length - 1;
      }
    } else {
      start = NaN;
      end = NaN;
    }
    if (!(start <= end) || start >= archive.length) {
      res.setHeader('Content-Range', `bytes */${archive.length}`);
      sendProblem(
        res,
        416,
        `Range '${range}' cannot be satisfied for a package of ${archive.length} bytes (one range of the form bytes=first-last)`,
        req.originalUrl,
      );
      return;
    }
    res
      .status(206)
      .setHeader('Content-Range', `bytes ${start}-${end}/${archive.length}`)
      .type('application/zip')
      .send(archive.subarray(start, end + 1));
  };

  const putContent = async (req: Request, res: Response) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (type !== 'application/zip') {
      sendProblem(
        res,
        415,
        `The package content must be sent as application/zip, not '${
          type || 'no content type'
        }'`,
        req.originalUrl,
      );
      return;
    }
    const archive = await readRequestBody(
      req,
      options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    );
    await appPackages.uploadPackageContent(refOf(req), archive, type);
    res.status(202).end();
  };

  router.post('/app_packages', async (req, res) => {
    const record = await appPackages.createAppPackage(
      parseCreateAppPkg(req.body),
    );
    const info = toAppPkgInfo(record, await options.apiBase());
    res.status(201).setHeader('Location', info._links.self.href).json(info);
  });
  router.get('/app_packages', listPackages(false));
  router.get('/onboarded_app_packages', listPackages(true));

  for (const base of PACKAGE_PATHS) {
    // Registered on a plain express router: both trees share the handlers,
    // and the typed router's per-path types add nothing for them.
    const untyped = express.Router({ mergeParams: true });
    untyped.get(base, wrap(getPackage));
    untyped.patch(base, wrap(patchPackage));
    untyped.delete(base, wrap(deletePackage));
    untyped.get(`${base}/appd`, wrap(getAppD));
    untyped.put(`${base}/appd`, () => {
      throw new NotAllowedError(
        'The AppD cannot be replaced; onboard a new package instead',
      );
    });
    untyped.get(`${base}/package_content`, wrap(getContent));
    untyped.put(`${base}/package_content`, wrap(putContent));
    router.use(untyped);
  }

  addAppPkgmSubscriptionRoutes(router, {
    subscriptions: options.subscriptions,
    outboundPolicy: options.outboundPolicy,
    apiBase: options.apiBase,
    httpAuth: options.httpAuth,
    pageSize,
  });

  router.use(methodNotAllowed(spec));

  // An unknown package is 404 before its request is judged: the body of a
  // PATCH or PUT to a package that does not exist does not matter. The
  // validated router checks bodies first, so this runs in front of it.
  const api = express.Router();
  for (const base of PACKAGE_PATHS) {
    api.patch(base, wrapNext(mustExist));
    api.put(`${base}/package_content`, wrapNext(mustExist));
  }
  api.use(router);
  return api;

  async function mustExist(req: Request) {
    await appPackages.getAppPackage(refOf(req));
  }
}

/** Runs a check, then passes the request on (or its failure to the error handler). */
function wrapNext(check: (req: Request) => Promise<void>) {
  return (req: Request, _res: Response, next: express.NextFunction) => {
    check(req).then(() => next(), next);
  };
}

/** Passes rejected promises of async handlers on to the error handler. */
function wrap(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: express.NextFunction) => {
    handler(req, res).catch(next);
  };
}

export { MethodNotAllowedError };
