import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { Request } from 'express';
import { AppPkgFilter, subscriptionHref } from '../../notifications/appPkgm';
import { validateSubscriptionAuthentication } from '../../notifications/CallbackAuthenticator';
import { SubscriptionStore } from '../../notifications/SubscriptionStore';
import { OutboundUrlPolicy } from '../../outbound/OutboundUrlPolicy';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import {
  normalizeAppPkgSubscription,
  toAppPkgSubscriptionInfo,
} from './appPkgSubscriptions';

/** The validated app_pkgm router that the subscription routes are added to. */
export type AppPkgmApiRouter = ReturnType<
  typeof createValidatedOpenApiRouter<typeof spec>
>;

/** What the app_pkgm subscription routes need. */
export interface AppPkgmSubscriptionRoutesDeps {
  subscriptions: SubscriptionStore;
  outboundPolicy: OutboundUrlPolicy;
  /** Externally visible `{apiRoot}/app_pkgm/v1`. */
  apiBase: () => Promise<string>;
  httpAuth: HttpAuthService;
}

/**
 * The requestor as subscription owner: a user's entity ref, or
 * `service:<subject>` for an external MEO/OSS client.
 */
export function ownerOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user' && principal.userEntityRef) {
    return principal.userEntityRef;
  }
  return `service:${principal.subject ?? 'unknown'}`;
}

/**
 * Registers `POST/GET /subscriptions` and `GET/DELETE
 * /subscriptions/{subscriptionId}` of app_pkgm/v1 (clause 7.3.3, 7.3.4).
 * A requestor sees and deletes only its own subscriptions; others' are 404.
 * Register before the router's 405 fallback.
 */
export function addAppPkgmSubscriptionRoutes(
  router: AppPkgmApiRouter,
  deps: AppPkgmSubscriptionRoutesDeps,
): void {
  const { subscriptions, outboundPolicy, apiBase, httpAuth } = deps;
  const owner = async (req: Request) =>
    ownerOf(await httpAuth.credentials(req, { allow: ['user', 'service'] }));

  router.post('/subscriptions', async (req, res) => {
    const request = normalizeAppPkgSubscription(req.body);
    await outboundPolicy.check(request.callbackUri, { purpose: 'callback' });
    await validateSubscriptionAuthentication(
      request.authentication,
      outboundPolicy,
    );
    const created = await subscriptions.createSubscription<AppPkgFilter[]>({
      api: 'app_pkgm',
      subscriptionType: request.subscriptionType,
      callbackUri: request.callbackUri,
      filter: request.appPkgFilter,
      authentication: request.authentication,
      owner: await owner(req as unknown as Request),
    });
    const base = await apiBase();
    res
      .status(201)
      .location(subscriptionHref(base, created.id))
      .json(toAppPkgSubscriptionInfo(created, base));
  });

  router.get('/subscriptions', async (req, res) => {
    const base = await apiBase();
    const mine = await subscriptions.listSubscriptions<AppPkgFilter[]>(
      'app_pkgm',
      { owner: await owner(req as unknown as Request) },
    );
    res.json({
      _links: {
        self: { href: `${base}/subscriptions` },
        subscriptions: mine.map(subscription => ({
          href: subscriptionHref(base, subscription.id),
          subscriptionType: toAppPkgSubscriptionInfo(subscription, base)
            .subscriptionType,
        })),
      },
    });
  });

  router.get('/subscriptions/:subscriptionId', async (req, res) => {
    const { subscriptionId } = req.params;
    const subscription = await subscriptions.getSubscription<AppPkgFilter[]>(
      'app_pkgm',
      subscriptionId,
      { owner: await owner(req as unknown as Request) },
    );
    if (!subscription) {
      throw new NotFoundError(`No subscription ${subscriptionId}`);
    }
    res.json(toAppPkgSubscriptionInfo(subscription, await apiBase()));
  });

  router.delete('/subscriptions/:subscriptionId', async (req, res) => {
    const { subscriptionId } = req.params;
    const deleted = await subscriptions.deleteSubscription(
      'app_pkgm',
      subscriptionId,
      { owner: await owner(req as unknown as Request) },
    );
    if (!deleted) {
      throw new NotFoundError(`No subscription ${subscriptionId}`);
    }
    res.status(204).end();
  });
}
