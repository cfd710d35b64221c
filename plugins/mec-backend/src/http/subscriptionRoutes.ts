import {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { Request, Router } from 'express';
import { subscriptionHref } from '../notifications/appPkgm';
import { validateSubscriptionAuthentication } from '../notifications/CallbackAuthenticator';
import {
  SubscriptionApi,
  SubscriptionAuthentication,
  SubscriptionRecord,
  SubscriptionStore,
} from '../notifications/SubscriptionStore';
import { OutboundUrlPolicy } from '../outbound';
import {
  DEFAULT_PAGE_SIZE,
  creationKey,
  readPage,
  setNextPageLink,
} from './query/paging';

/** A subscription request in V3.1.1 terms, as an API's parser returns it. */
export interface SubscriptionRequest<TFilter> {
  subscriptionType: string;
  callbackUri: string;
  filter?: TFilter;
  authentication?: SubscriptionAuthentication;
}

/** How one API's subscriptions read and write its wire format. */
export interface SubscriptionWire<TFilter, TInfo> {
  api: SubscriptionApi;
  /**
   * Validates a request body.
   *
   * @throws InputError (HTTP 400) naming the offending attribute
   */
  parseRequest(body: any): SubscriptionRequest<TFilter>;
  /** The API's SubscriptionInfo of a stored subscription. */
  toInfo(subscription: SubscriptionRecord<TFilter>, apiBase: string): TInfo;
  /**
   * The subscription types a `GET /subscriptions` query asks for, where the
   * API has such a parameter; undefined lists every type.
   */
  listedTypes?(query: Request['query']): string[] | undefined;
}

/** What the subscription routes need. */
export interface SubscriptionRoutesDeps {
  subscriptions: SubscriptionStore;
  outboundPolicy: OutboundUrlPolicy;
  /** The API's externally visible base, e.g. `{apiRoot}/app_pkgm/v1`. */
  apiBase: () => Promise<string>;
  httpAuth: HttpAuthService;
  /** Subscriptions per page of `GET /subscriptions` (`mec.api.pageSize`). */
  pageSize?: number;
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
 * /subscriptions/{subscriptionId}`, which app_pkgm/v1 (clause 7.3.3, 7.3.4)
 * and app_lcm/v1 (clause 7.4.7, 7.4.8) define alike. A requestor sees and
 * deletes only its own subscriptions; others' are 404. Register on the
 * API's validated router, before its 405 fallback.
 */
export function addSubscriptionRoutes<TFilter, TInfo>(
  router: Router,
  wire: SubscriptionWire<TFilter, TInfo>,
  deps: SubscriptionRoutesDeps,
): void {
  const { subscriptions, outboundPolicy, apiBase, httpAuth } = deps;
  const { api } = wire;
  const owner = async (req: Request) =>
    ownerOf(await httpAuth.credentials(req, { allow: ['user', 'service'] }));

  router.post('/subscriptions', async (req, res) => {
    const request = wire.parseRequest(req.body);
    await outboundPolicy.check(request.callbackUri, { purpose: 'callback' });
    await validateSubscriptionAuthentication(
      request.authentication,
      outboundPolicy,
    );
    const created = await subscriptions.createSubscription<TFilter>({
      api,
      ...request,
      owner: await owner(req),
    });
    const base = await apiBase();
    res
      .status(201)
      .location(subscriptionHref(base, created.id))
      .json(wire.toInfo(created, base));
  });

  router.get('/subscriptions', async (req, res) => {
    const base = await apiBase();
    const listOptions = {
      owner: await owner(req),
      subscriptionTypes: wire.listedTypes?.(req.query),
    };
    const page = await readPage({
      list: `${api}/subscriptions`,
      query: req.query,
      pageSize: deps.pageSize ?? DEFAULT_PAGE_SIZE,
      codec: creationKey,
      read: ({ after, limit }) =>
        subscriptions.listSubscriptions<TFilter>(api, {
          ...listOptions,
          after,
          limit,
        }),
      keyOf: subscription => subscription,
    });
    setNextPageLink(req, res, `${base}/subscriptions`, page);
    res.json({
      _links: {
        self: { href: `${base}/subscriptions` },
        subscriptions: page.items.map(subscription => ({
          href: subscriptionHref(base, subscription.id),
          subscriptionType: subscription.subscriptionType,
        })),
      },
    });
  });

  router.get('/subscriptions/:subscriptionId', async (req, res) => {
    const { subscriptionId } = req.params;
    const subscription = await subscriptions.getSubscription<TFilter>(
      api,
      subscriptionId,
      { owner: await owner(req) },
    );
    if (!subscription) {
      throw new NotFoundError(`No subscription ${subscriptionId}`);
    }
    res.json(wire.toInfo(subscription, await apiBase()));
  });

  router.delete('/subscriptions/:subscriptionId', async (req, res) => {
    const { subscriptionId } = req.params;
    const deleted = await subscriptions.deleteSubscription(
      api,
      subscriptionId,
      { owner: await owner(req) },
    );
    if (!deleted) {
      throw new NotFoundError(`No subscription ${subscriptionId}`);
    }
    res.status(204).end();
  });
}
