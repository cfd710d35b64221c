import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { MEC_API_ROOTS } from '@helmmec/plugin-mec-common';
import { AppPackageService } from '../packages/AppPackageService';
import { createAppPkgmRouter } from './appPkgm/createAppPkgmRouter';
import { authenticate } from './authenticate';
import { notFoundHandler, problemDetailsErrorHandler } from './problemDetails';

/** What the HTTP layer of the mec plugin needs. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  logger: LoggerService;
  appPackages: AppPackageService;
  /** The externally visible `{apiRoot}`, for example `http://localhost:7007/api/mec`. */
  apiRoot: () => Promise<string>;
}

/**
 * The mec plugin's router: every ETSI API under its `{apiName}/{apiVersion}`,
 * behind authentication, with ProblemDetails for every error.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, logger, appPackages, apiRoot } = options;
  const router = Router();

  router.use(authenticate(httpAuth));

  router.use(
    `/${MEC_API_ROOTS.appPkgm}`,
    await createAppPkgmRouter({
      appPackages,
      apiBase: async () => `${await apiRoot()}/${MEC_API_ROOTS.appPkgm}`,
    }),
  );

  router.use(notFoundHandler());
  router.use(problemDetailsErrorHandler({ logger }));
  return router;
}
