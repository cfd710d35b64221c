import { InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { NotificationOutbox } from './NotificationOutbox';
import {
  SubscriptionAuthentication,
  SubscriptionRecord,
} from './SubscriptionStore';
import { subscriptionHref } from './appPkgm';

/** The V3.1.1 AppInstanceSubscriptionType values. */
export const APP_LCM_SUBSCRIPTION_TYPES = [
  'AppInstanceStateChangeSubscription',
  'AppLcmOpOccStateChangeSubscription',
  'AppIdentifierCreationSubscription',
  'AppIdentifierDeletionSubscription',
] as const;
export type AppLcmSubscriptionType =
  (typeof APP_LCM_SUBSCRIPTION_TYPES)[number];

// v2.1.1 names, accepted on input.
const LEGACY_TYPES: Record<string, AppLcmSubscriptionType> = {
  AppInstanceStateChange: 'AppInstanceStateChangeSubscription',
  AppLcmOpOccStateChange: 'AppLcmOpOccStateChangeSubscription',
};

const SELECTORS = [
  'VOID',
  'APP_IDENTITY',
  'APP_NAME',
  'APP_D_ID',
  'APP_FROM_PROVIDER',
];

/** AppInstanceSubscriptionFilter, with the selector type as its name. */
export interface AppInstanceFilter {
  appInstSelectorType: string;
  appInstances?: string[];
  appsFromProviders?: Array<{
    appProvider: string;
    appProducts?: Array<{
      appName: string;
      versions?: Array<{ appSoftVersion: string; appDVersion?: string[] }>;
    }>;
  }>;
}

/** What an app_lcm subscription filters on (stored as the subscription's filter). */
export interface AppLcmFilter {
  appInstanceState?: 'NOT_INSTANTIATED' | 'STARTED' | 'STOPPED';
  appInstanceSubscriptionFilter?: AppInstanceFilter;
  appLcmOpOccSubscriptionFilter?: {
    appInstanceSubscriptionFilter?: AppInstanceFilter;
    notificationTypes?: string;
    operationTypes?: string[];
    operationStates?: string[];
  };
}

/** A subscription request with V3.1.1 names. */
export interface NormalizedAppLcmSubscription {
  subscriptionType: AppLcmSubscriptionType;
  callbackUri: string;
  filter: AppLcmFilter;
  authentication?: SubscriptionAuthentication;
}

function normalizeInstanceFilter(
  filter: any,
  where: string,
): AppInstanceFilter | undefined {
  if (!filter) return undefined;
  const raw = filter.appInstSelectorType;
  const selector = typeof raw === 'number' ? SELECTORS[raw] : raw;
  if (!SELECTORS.includes(selector)) {
    throw new InputError(
      `${where}.appInstSelectorType must be 0-4 or one of ${SELECTORS.join(
        ', ',
      )}`,
    );
  }
  if (selector === 'APP_FROM_PROVIDER' && !filter.appsFromProviders?.length) {
    throw new InputError(`${where}: APP_FROM_PROVIDER needs appsFromProviders`);
  }
  return { ...filter, appInstSelectorType: selector };
}

/** Validates and normalises an app_lcm subscription request (400 on errors). */
export function normalizeAppLcmSubscription(
  body: any,
): NormalizedAppLcmSubscription {
  const type = LEGACY_TYPES[body.subscriptionType] ?? body.subscriptionType;
  if (!APP_LCM_SUBSCRIPTION_TYPES.includes(type)) {
    throw new InputError(`Unknown subscriptionType '${body.subscriptionType}'`);
  }
  if (body.appInstanceState && type !== 'AppInstanceStateChangeSubscription') {
    throw new InputError(
      'appInstanceState applies to AppInstanceStateChangeSubscription only',
    );
  }
  if (
    body.appLcmOpOccSubscriptionFilter &&
    type !== 'AppLcmOpOccStateChangeSubscription'
  ) {
    throw new InputError(
      'appLcmOpOccSubscriptionFilter applies to AppLcmOpOccStateChangeSubscription only',
    );
  }
  const opFilter = body.appLcmOpOccSubscriptionFilter;
  return {
    subscriptionType: type,
    callbackUri: body.callbackUri,
    authentication: body.authentication,
    filter: {
      appInstanceState: body.appInstanceState,
      appInstanceSubscriptionFilter: normalizeInstanceFilter(
        body.appInstanceSubscriptionFilter,
        'appInstanceSubscriptionFilter',
      ),
      appLcmOpOccSubscriptionFilter: opFilter
        ? {
            ...opFilter,
            appInstanceSubscriptionFilter: normalizeInstanceFilter(
              opFilter.appInstanceSubscriptionFilter,
              'appLcmOpOccSubscriptionFilter.appInstanceSubscriptionFilter',
            ),
          }
        : undefined,
    },
  };
}

/** The instance attributes filters select on. */
export interface NotifiedInstance {
  id: string;
  appInstanceName?: string;
  appDId: string;
  appPkgId: string;
  appProvider: string;
  appName: string;
  appSoftVersion: string;
  appDVersion: string;
}

/** Whether an AppInstanceSubscriptionFilter selects an instance. */
export function matchesInstanceFilter(
  filter: AppInstanceFilter | undefined,
  instance: NotifiedInstance,
): boolean {
  if (!filter) return true;
  const listed = filter.appInstances ?? [];
  switch (filter.appInstSelectorType) {
    case 'VOID':
      return true;
    case 'APP_IDENTITY':
      return listed.includes(instance.id);
    case 'APP_NAME':
      return (
        !!instance.appInstanceName && listed.includes(instance.appInstanceName)
      );
    case 'APP_D_ID':
      return listed.includes(instance.appDId);
    case 'APP_FROM_PROVIDER':
      return (filter.appsFromProviders ?? []).some(
        provider =>
          provider.appProvider === instance.appProvider &&
          (!provider.appProducts?.length ||
            provider.appProducts.some(
              product =>
                product.appName === instance.appName &&
                (!product.versions?.length ||
                  product.versions.some(
                    v =>
                      v.appSoftVersion === instance.appSoftVersion &&
                      (!v.appDVersion?.length ||
                        v.appDVersion.includes(instance.appDVersion)),
                  )),
            )),
      );
    default:
      return false;
  }
}

/** The subscription as AppInstSubscriptionInfo and its siblings. */
export function toAppLcmSubscriptionInfo(
  subscription: SubscriptionRecord<AppLcmFilter>,
  apiBase: string,
) {
  const f = subscription.filter ?? {};
  return {
    id: subscription.id,
    subscriptionType: subscription.subscriptionType,
    callbackUri: subscription.callbackUri,
    ...(f.appInstanceState ? { appInstanceState: f.appInstanceState } : {}),
    ...(f.appInstanceSubscriptionFilter
      ? { appInstanceSubscriptionFilter: f.appInstanceSubscriptionFilter }
      : {}),
    ...(f.appLcmOpOccSubscriptionFilter
      ? { appLcmOpOccSubscriptionFilter: f.appLcmOpOccSubscriptionFilter }
      : {}),
    _links: { self: { href: subscriptionHref(apiBase, subscription.id) } },
  };
}

function timeStamp(now = Date.now()) {
  return {
    seconds: Math.floor(now / 1000),
    nanoSeconds: (now % 1000) * 1_000_000,
  };
}

/** Lifecycle events, each published to the matching app_lcm subscribers. */
export class AppLcmNotifications {
  constructor(
    private readonly outbox: NotificationOutbox,
    /** Externally visible `{apiRoot}/app_lcm/v1`. */
    private readonly apiBase: () => Promise<string>,
  ) {}

  private async publish(
    trx: Knex.Transaction | undefined,
    type: AppLcmSubscriptionType,
    instance: NotifiedInstance,
    matches: (filter: AppLcmFilter) => boolean,
    body: (base: string) => Record<string, unknown>,
  ) {
    const base = await this.apiBase();
    // One timestamp for every copy of the event, like the notification id.
    const stamp = timeStamp();
    const instanceHref = `${base}/app_instances/${instance.id}`;
    await this.outbox.publish<AppLcmFilter>(trx, {
      api: 'app_lcm',
      // The package too: its usage state follows its instances.
      subject: { appInstanceId: instance.id, appPkgId: instance.appPkgId },
      subscriptionTypes: [type],
      matches: s => matches(s.filter ?? {}),
      buildPayload: (s, notificationId) => {
        const { _links, ...rest } = body(base);
        return {
          id: notificationId,
          notificationType: type,
          subscriptionId: s.id,
          timeStamp: stamp,
          appInstanceId: instance.id,
          ...rest,
          _links: {
            subscription: { href: subscriptionHref(base, s.id) },
            appInstance: { href: instanceHref },
            ...(_links as object),
          },
        };
      },
    });
  }

  /** AppInstanceIdentifierCreationNotification / DeletionNotification. */
  async identifier(
    trx: Knex.Transaction | undefined,
    kind: 'created' | 'deleted',
    instance: NotifiedInstance,
  ) {
    await this.publish(
      trx,
      kind === 'created'
        ? 'AppIdentifierCreationSubscription'
        : 'AppIdentifierDeletionSubscription',
      instance,
      f => matchesInstanceFilter(f.appInstanceSubscriptionFilter, instance),
      () => ({}),
    );
  }

  /** AppInstNotification: the instance is now NOT_INSTANTIATED, STARTED or STOPPED. */
  async instanceState(
    trx: Knex.Transaction | undefined,
    instance: NotifiedInstance,
    appInstanceState: 'NOT_INSTANTIATED' | 'STARTED' | 'STOPPED',
  ) {
    await this.publish(
      trx,
      'AppInstanceStateChangeSubscription',
      instance,
      f =>
        (!f.appInstanceState || f.appInstanceState === appInstanceState) &&
        matchesInstanceFilter(f.appInstanceSubscriptionFilter, instance),
      () => ({
        appInstanceState,
        appPkgId: instance.appPkgId,
        appDId: instance.appDId,
      }),
    );
  }

  /** AppLcmOpOccNotification: an op occurrence entered a state. */
  async opOccState(
    trx: Knex.Transaction | undefined,
    instance: NotifiedInstance,
    opOcc: {
      id: string;
      operationType: string;
      operationState: string;
      error?: object;
    },
  ) {
    await this.publish(
      trx,
      'AppLcmOpOccStateChangeSubscription',
      instance,
      f => {
        const of = f.appLcmOpOccSubscriptionFilter;
        return (
          (!of?.operationTypes?.length ||
            of.operationTypes.includes(opOcc.operationType)) &&
          (!of?.operationStates?.length ||
            of.operationStates.includes(opOcc.operationState)) &&
          matchesInstanceFilter(of?.appInstanceSubscriptionFilter, instance)
        );
      },
      base => ({
        operationType: opOcc.operationType,
        operationState: opOcc.operationState,
        appLcmOpOccId: opOcc.id,
        ...(opOcc.error ? { error: opOcc.error } : {}),
        _links: {
          appLcmOpOcc: { href: `${base}/app_lcm_op_occs/${opOcc.id}` },
        },
      }),
    );
  }
}
