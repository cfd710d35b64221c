import type {
  AppLcmNotification,
  AppLcmSchemas,
  AppLcmSubscriptionRequest,
} from '@helmmec/plugin-mec-common';
import { Knex } from 'knex';
import { afterCommit } from '../database/afterCommit';
import { NotificationOutbox } from './NotificationOutbox';
import { subscriptionHref } from './appPkgm';
import { toTimeStamp } from './timeStamp';

/** The V3.1.1 AppInstanceSubscriptionType values. */
export const APP_LCM_SUBSCRIPTION_TYPES = [
  'AppInstanceStateChangeSubscription',
  'AppLcmOpOccStateChangeSubscription',
  'AppIdentifierCreationSubscription',
  'AppIdentifierDeletionSubscription',
] as const;
export type AppLcmSubscriptionType =
  (typeof APP_LCM_SUBSCRIPTION_TYPES)[number];

/** AppInstSelectorType by name, in the order of its numeric values 0-4. */
export const APP_INSTANCE_SELECTORS = [
  'VOID',
  'APP_IDENTITY',
  'APP_NAME',
  'APP_D_ID',
  'APP_FROM_PROVIDER',
] as const;
export type AppInstanceSelector = (typeof APP_INSTANCE_SELECTORS)[number];

/**
 * An entry of appsFromProviders (ETSI GS MEC 010-2 clause 6.2.2.9). A type
 * literal, not an interface, so that it stays assignable to the document's
 * KeyValuePairs.
 */
export type AppsFromProvider = {
  appProvider: string;
  appProducts?: Array<{
    appName: string;
    versions?: Array<{ appSoftVersion: string; appDVersion?: string[] }>;
  }>;
};

/** AppInstanceSubscriptionFilter, with the selector type as its name. */
export type AppInstanceFilter = Omit<
  AppLcmSchemas['AppInstanceSubscriptionFilter'],
  'appInstSelectorType' | 'appsFromProviders'
> & {
  appInstSelectorType: AppInstanceSelector;
  appsFromProviders?: AppsFromProvider[];
};

type AppLcmOpOccFilter = NonNullable<
  AppLcmSubscriptionRequest['appLcmOpOccSubscriptionFilter']
>;

/** What an app_lcm subscription filters on (stored as the subscription's filter). */
export interface AppLcmFilter {
  appInstanceState?: AppLcmSubscriptionRequest['appInstanceState'];
  appInstanceSubscriptionFilter?: AppInstanceFilter;
  appLcmOpOccSubscriptionFilter?: Omit<
    AppLcmOpOccFilter,
    'appInstanceSubscriptionFilter'
  > & { appInstanceSubscriptionFilter?: AppInstanceFilter };
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

/** What a notification says beyond the attributes every one of them has. */
type NotificationDetails = Omit<
  AppLcmNotification,
  | 'id'
  | 'notificationType'
  | 'subscriptionId'
  | 'timeStamp'
  | 'appInstanceId'
  | '_links'
> & { _links?: Pick<AppLcmNotification['_links'], 'appLcmOpOcc'> };

/** An op occurrence entered a state, as {@link AppLcmNotifications.onOpOccState} tells. */
export interface OpOccStateChange {
  instance: NotifiedInstance;
  opOcc: {
    id: string;
    operationType: NonNullable<AppLcmNotification['operationType']>;
    operationState: NonNullable<AppLcmNotification['operationState']>;
    error?: AppLcmNotification['error'];
  };
}

/** Lifecycle events, each published to the matching app_lcm subscribers. */
export class AppLcmNotifications {
  private readonly opOccListeners: Array<(change: OpOccStateChange) => void> =
    [];

  constructor(
    private readonly outbox: NotificationOutbox,
    /** Externally visible `{apiRoot}/app_lcm/v1`. */
    private readonly apiBase: () => Promise<string>,
  ) {}

  /**
   * Calls `listener` once an op occurrence's new state is committed, in the
   * process that committed it: once per state change across replicas.
   */
  onOpOccState(listener: (change: OpOccStateChange) => void): void {
    this.opOccListeners.push(listener);
  }

  private async publish(
    trx: Knex.Transaction | undefined,
    type: AppLcmSubscriptionType,
    instance: NotifiedInstance,
    matches: (filter: AppLcmFilter) => boolean,
    details: (base: string) => NotificationDetails,
  ) {
    const base = await this.apiBase();
    // One timestamp for every copy of the event, like the notification id.
    const stamp = toTimeStamp();
    const instanceHref = `${base}/app_instances/${instance.id}`;
    await this.outbox.publish<AppLcmFilter>(trx, {
      api: 'app_lcm',
      // The package too: its usage state follows its instances.
      subject: { appInstanceId: instance.id, appPkgId: instance.appPkgId },
      subscriptionTypes: [type],
      matches: s => matches(s.filter ?? {}),
      buildPayload: (s, notificationId): AppLcmNotification => {
        const { _links, ...rest } = details(base);
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
            ..._links,
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
    appInstanceState: NonNullable<AppLcmNotification['appInstanceState']>,
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
    opOcc: OpOccStateChange['opOcc'],
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
    for (const listener of this.opOccListeners) {
      afterCommit(trx, () => listener({ instance, opOcc }));
    }
  }
}
