import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import {
  addSubscriptionRoutes,
  SubscriptionRoutesDeps,
} from '../subscriptionRoutes';
import {
  normalizeAppPkgSubscription,
  toAppPkgSubscriptionInfo,
} from './appPkgSubscriptions';

/** The validated app_pkgm router that the subscription routes are added to. */
export type AppPkgmApiRouter = ReturnType<
  typeof createValidatedOpenApiRouter<typeof spec>
>;

/** What the app_pkgm subscription routes need. */
export type AppPkgmSubscriptionRoutesDeps = SubscriptionRoutesDeps;

/**
 * Registers the subscription routes of app_pkgm/v1 (clause 7.3.3, 7.3.4):
 * AppPkgSubscription in, AppPkgSubscriptionInfo out.
 * Register before the router's 405 fallback.
 */
export function addAppPkgmSubscriptionRoutes(
  router: AppPkgmApiRouter,
  deps: AppPkgmSubscriptionRoutesDeps,
): void {
  addSubscriptionRoutes(
    router,
    {
      api: 'app_pkgm',
      parseRequest: normalizeAppPkgSubscription,
      toInfo: toAppPkgSubscriptionInfo,
    },
    deps,
  );
}
