import type {
  AppPkgmSchemas,
  AppPkgNotification,
} from '@helmmec/plugin-mec-common';
import { Knex } from 'knex';
import { NotificationOutbox, PublishResult } from './NotificationOutbox';
import { SubscriptionRecord } from './SubscriptionStore';
import { toTimeStamp } from './timeStamp';

/** `AppPkgSubscriptionType` values of V3.1.1 (clause 6.2.3.9.2). */
export const APP_PKG_SUBSCRIPTION_TYPES = [
  'AppPackageOnBoardingSubscription',
  'AppPackageChangeSubscription',
  'AppPackageDeletionSubscription',
] as const;

/** A V3.1.1 `AppPkgSubscriptionType`. */
export type AppPkgSubscriptionType =
  (typeof APP_PKG_SUBSCRIPTION_TYPES)[number];

/** `AppPkgFilter` (clause 6.2.3.10). */
export type AppPkgFilter = AppPkgmSchemas['AppPkgFilter'];

/** An app_pkgm subscription as stored: its filter is the appPkgFilter array. */
export type AppPkgSubscriptionRecord = SubscriptionRecord<AppPkgFilter[]>;

/** `{apiRoot}/app_pkgm/v1/subscriptions/{subscriptionId}`. */
export function subscriptionHref(apiBase: string, id: string): string {
  return `${apiBase}/subscriptions/${encodeURIComponent(id)}`;
}

/** The `notificationType` values of `AppPkgNotification` in V3.1.1. */
export type AppPkgNotificationType = AppPkgNotification['notificationType'];

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
  // One timestamp for every copy of the event, like the notification id.
  const timeStamp = toTimeStamp();
  return outbox.publish<AppPkgFilter[]>(trx, {
    api: 'app_pkgm',
    subject: { appPkgId: event.appPkgId },
    subscriptionTypes: [SUBSCRIPTION_TYPE_OF[event.notificationType]],
    matches: subscription => matchesAppPkgFilters(subscription.filter, event),
    buildPayload: (subscription, notificationId): AppPkgNotification => ({
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
