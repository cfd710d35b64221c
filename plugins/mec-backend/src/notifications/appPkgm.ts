import { InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { NotificationOutbox, PublishResult } from './NotificationOutbox';
import {
  SubscriptionAuthentication,
  SubscriptionRecord,
} from './SubscriptionStore';

/** `AppPkgSubscriptionType` values of V3.1.1 (clause 6.2.3.9.2). */
export const APP_PKG_SUBSCRIPTION_TYPES = [
  'AppPackageOnBoardingSubscription',
  'AppPackageChangeSubscription',
  'AppPackageDeletionSubscription',
] as const;

/** A V3.1.1 `AppPkgSubscriptionType`. */
export type AppPkgSubscriptionType =
  (typeof APP_PKG_SUBSCRIPTION_TYPES)[number];

/** The v2.1.1 OAS names (one misspelled there), accepted on input. */
const LEGACY_SUBSCRIPTION_TYPES: Record<string, AppPkgSubscriptionType> = {
  AppPackageOnBoarding: 'AppPackageOnBoardingSubscription',
  AppPacakgeOperationChange: 'AppPackageChangeSubscription',
  AppPackageDeletion: 'AppPackageDeletionSubscription',
};

/** `AppPkgFilter` (clause 6.2.3.10). */
export interface AppPkgFilter {
  appPkgInfoId?: string;
  appDId?: string;
  appProvider?: string;
  appName?: string;
  appSoftwareVersion?: string;
  appDVersion?: string;
  operationalState?: 'ENABLED' | 'DISABLED';
  usageState?: 'IN_USE' | 'NOT_IN_USE';
}

/** A subscription request after normalisation to V3.1.1. */
export interface NormalizedAppPkgSubscription {
  subscriptionType: AppPkgSubscriptionType;
  callbackUri: string;
  appPkgFilter?: AppPkgFilter[];
  authentication?: SubscriptionAuthentication;
}

/** An app_pkgm subscription as stored: its filter is the appPkgFilter array. */
export type AppPkgSubscriptionRecord = SubscriptionRecord<AppPkgFilter[]>;

/**
 * Turns an `AppPkgSubscription` request body (V3.1.1, or v2.1.1 with
 * `subsctiptionType`) into V3.1.1 terms, applying the rules of clause
 * 6.2.3.10 that the OpenAPI schema cannot express.
 *
 * @throws InputError (HTTP 400) with a detail naming the offending attribute
 */
export function normalizeAppPkgSubscription(
  body: unknown,
): NormalizedAppPkgSubscription {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError(
      'The request body must be an AppPkgSubscription object',
    );
  }
  const input = body as Record<string, unknown>;
  const given = ['subscriptionType', 'subsctiptionType'].filter(
    name => input[name] !== undefined,
  );
  if (given.length !== 1) {
    throw new InputError(
      given.length === 0
        ? 'subscriptionType is required'
        : 'Give either subscriptionType or its v2.1.1 spelling subsctiptionType, not both',
    );
  }
  const rawType = input[given[0]];
  const subscriptionType = toSubscriptionType(rawType);
  if (!subscriptionType) {
    throw new InputError(
      `${given[0]} must be one of ${APP_PKG_SUBSCRIPTION_TYPES.join(', ')}`,
    );
  }
  if (typeof input.callbackUri !== 'string' || !input.callbackUri) {
    throw new InputError('callbackUri is required');
  }

  let appPkgFilter: AppPkgFilter[] | undefined;
  if (input.appPkgFilter !== undefined) {
    if (!Array.isArray(input.appPkgFilter)) {
      throw new InputError('appPkgFilter must be an array of AppPkgFilter');
    }
    appPkgFilter = input.appPkgFilter.map((filter, index) =>
      checkFilter(filter, index, subscriptionType),
    );
  }

  return {
    subscriptionType,
    callbackUri: input.callbackUri,
    ...(appPkgFilter && appPkgFilter.length > 0 ? { appPkgFilter } : {}),
    ...(input.authentication
      ? {
          authentication: input.authentication as SubscriptionAuthentication,
        }
      : {}),
  };
}

function toSubscriptionType(
  value: unknown,
): AppPkgSubscriptionType | undefined {
  if (typeof value !== 'string') return undefined;
  if ((APP_PKG_SUBSCRIPTION_TYPES as readonly string[]).includes(value)) {
    return value as AppPkgSubscriptionType;
  }
  return Object.hasOwn(LEGACY_SUBSCRIPTION_TYPES, value)
    ? LEGACY_SUBSCRIPTION_TYPES[value]
    : undefined;
}

function checkFilter(
  filter: unknown,
  index: number,
  subscriptionType: AppPkgSubscriptionType,
): AppPkgFilter {
  if (!filter || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new InputError(`appPkgFilter[${index}] must be an object`);
  }
  const f = filter as AppPkgFilter;
  if (f.appPkgInfoId !== undefined && f.appDId !== undefined) {
    throw new InputError(
      `appPkgFilter[${index}] may give appPkgInfoId or appDId, not both`,
    );
  }
  for (const name of ['operationalState', 'usageState'] as const) {
    if (
      f[name] !== undefined &&
      subscriptionType !== 'AppPackageChangeSubscription'
    ) {
      throw new InputError(
        `appPkgFilter[${index}].${name} is only allowed with subscriptionType AppPackageChangeSubscription`,
      );
    }
  }
  return { ...f };
}

/** `AppPkgSubscriptionInfo` of a stored subscription. */
export function toAppPkgSubscriptionInfo(
  subscription: AppPkgSubscriptionRecord,
  apiBase: string,
) {
  return {
    id: subscription.id,
    subscriptionType: subscription.subscriptionType as AppPkgSubscriptionType,
    callbackUri: subscription.callbackUri,
    ...(subscription.filter && subscription.filter.length > 0
      ? { appPkgFilter: subscription.filter }
      : {}),
    _links: { self: { href: subscriptionHref(apiBase, subscription.id) } },
  };
}

/** `{apiRoot}/app_pkgm/v1/subscriptions/{subscriptionId}`. */
export function subscriptionHref(apiBase: string, id: string): string {
  return `${apiBase}/subscriptions/${encodeURIComponent(id)}`;
}

/** The `notificationType` values of `AppPkgNotification` in V3.1.1. */
export type AppPkgNotificationType =
  | 'AppPackageOnBoarded'
  | 'AppPackageEnabled'
  | 'AppPackageDisabled'
  | 'AppPackageDeleted';

/** A package event to notify (clause 5.2, 6.2.3.5). */
export interface AppPackageEvent {
  notificationType: AppPkgNotificationType;
  appPkgId: string;
  appDId: string;
  appProvider?: string;
  appName: string;
  appSoftwareVersion: string;
  appDVersion: string;
  operationalState: 'ENABLED' | 'DISABLED';
  usageState: 'IN_USE' | 'NOT_IN_USE';
  /** Externally visible `{apiRoot}/app_pkgm/v1`, for `_links.subscription`. */
  apiBase: string;
}

/** Which subscriptions receive which notification (INVENTORY §14). */
const SUBSCRIPTION_TYPE_OF: Record<
  AppPkgNotificationType,
  AppPkgSubscriptionType
> = {
  AppPackageOnBoarded: 'AppPackageOnBoardingSubscription',
  AppPackageEnabled: 'AppPackageChangeSubscription',
  AppPackageDisabled: 'AppPackageChangeSubscription',
  AppPackageDeleted: 'AppPackageDeletionSubscription',
};

/**
 * Whether a subscription's filters select an event: no filter selects
 * everything; otherwise any one filter whose every given attribute equals
 * the package's.
 */
export function matchesAppPkgFilters(
  filters: AppPkgFilter[] | undefined,
  event: Omit<AppPackageEvent, 'notificationType' | 'apiBase'>,
): boolean {
  if (!filters || filters.length === 0) return true;
  return filters.some(
    filter =>
      (filter.appPkgInfoId === undefined ||
        filter.appPkgInfoId === event.appPkgId) &&
      (filter.appDId === undefined || filter.appDId === event.appDId) &&
      (filter.appProvider === undefined ||
        filter.appProvider === event.appProvider) &&
      (filter.appName === undefined || filter.appName === event.appName) &&
      (filter.appSoftwareVersion === undefined ||
        filter.appSoftwareVersion === event.appSoftwareVersion) &&
      (filter.appDVersion === undefined ||
        filter.appDVersion === event.appDVersion) &&
      (filter.operationalState === undefined ||
        filter.operationalState === event.operationalState) &&
      (filter.usageState === undefined ||
        filter.usageState === event.usageState),
  );
}

/**
 * Queues the `AppPkgNotification` of a package event for every subscriber
 * whose subscription type and filters select it, inside `trx`, so the
 * notification commits with the state change it reports.
 */
export async function publishPackageEvent(
  outbox: NotificationOutbox,
  trx: Knex | Knex.Transaction | undefined,
  event: AppPackageEvent,
): Promise<PublishResult> {
  const now = Date.now();
  // One timestamp for every copy of the event, like the notification id.
  const timeStamp = {
    seconds: Math.floor(now / 1000),
    nanoSeconds: (now % 1000) * 1_000_000,
  };
  return outbox.publish<AppPkgFilter[]>(trx, {
    api: 'app_pkgm',
    subject: { appPkgId: event.appPkgId },
    subscriptionTypes: [SUBSCRIPTION_TYPE_OF[event.notificationType]],
    matches: subscription => matchesAppPkgFilters(subscription.filter, event),
    buildPayload: (subscription, notificationId) => ({
      id: notificationId,
      notificationType: event.notificationType,
      subscriptionId: subscription.id,
      timeStamp,
      appPkgId: event.appPkgId,
      appDId: event.appDId,
      operationalState: event.operationalState,
      _links: {
        subscription: {
          href: subscriptionHref(event.apiBase, subscription.id),
        },
      },
    }),
  });
}

/** app_pkgm notifications, for the package service. */
export const appPkgmNotifications = { publishPackageEvent };
