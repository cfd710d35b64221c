import { InputError } from '@backstage/errors';
import type {
  AppLcmSchemas,
  AppLcmSubscriptionInfo,
  AppLcmSubscriptionRequest,
} from '@helmmec/plugin-mec-common';
import {
  APP_INSTANCE_SELECTORS,
  APP_LCM_SUBSCRIPTION_TYPES,
  AppInstanceFilter,
  AppLcmFilter,
  AppLcmSubscriptionType,
} from '../../notifications/appLcm';
import { subscriptionHref } from '../../notifications/appPkgm';
import { SubscriptionRecord } from '../../notifications/SubscriptionStore';
import { SubscriptionRequest } from '../subscriptionRoutes';

/** The v2.1.1 names, accepted on input. */
const LEGACY_SUBSCRIPTION_TYPES: Record<string, AppLcmSubscriptionType> = {
  AppInstanceStateChange: 'AppInstanceStateChangeSubscription',
  AppLcmOpOccStateChange: 'AppLcmOpOccStateChangeSubscription',
};

/** A subscription request with V3.1.1 names. */
export interface NormalizedAppLcmSubscription
  extends SubscriptionRequest<AppLcmFilter> {
  subscriptionType: AppLcmSubscriptionType;
  filter: AppLcmFilter;
}

/**
 * A subscription type (V3.1.1, or its v2.1.1 name) in V3.1.1 terms, as given
 * in a request body or the `subscriptionType` query parameter.
 *
 * @throws InputError (HTTP 400) for any other value
 */
export function toAppLcmSubscriptionType(
  value: unknown,
): AppLcmSubscriptionType {
  if (typeof value === 'string') {
    if ((APP_LCM_SUBSCRIPTION_TYPES as readonly string[]).includes(value)) {
      return value as AppLcmSubscriptionType;
    }
    if (Object.hasOwn(LEGACY_SUBSCRIPTION_TYPES, value)) {
      return LEGACY_SUBSCRIPTION_TYPES[value];
    }
  }
  throw new InputError(`Unknown subscriptionType '${value}'`);
}

/** AppInstanceSubscriptionFilter with its selector type by name (0-4 too). */
function toAppInstanceFilter(
  filter: AppLcmSchemas['AppInstanceSubscriptionFilter'] | undefined,
  where: string,
): AppInstanceFilter | undefined {
  if (!filter) return undefined;
  const raw = filter.appInstSelectorType;
  const selector = typeof raw === 'number' ? APP_INSTANCE_SELECTORS[raw] : raw;
  if (!APP_INSTANCE_SELECTORS.includes(selector)) {
    throw new InputError(
      `${where}.appInstSelectorType must be 0-4 or one of ${APP_INSTANCE_SELECTORS.join(
        ', ',
      )}`,
    );
  }
  if (selector === 'APP_FROM_PROVIDER' && !filter.appsFromProviders?.length) {
    throw new InputError(`${where}: APP_FROM_PROVIDER needs appsFromProviders`);
  }
  // appsFromProviders is KeyValuePairs in the OpenAPI document; the matcher
  // reads the clause 6.2.2.9 attributes it names.
  return { ...filter, appInstSelectorType: selector } as AppInstanceFilter;
}

/**
 * Validates an `AppLcmSubscriptionRequest` and names it in V3.1.1 terms,
 * applying the rules of clause 6.2.2.8 that the OpenAPI schema cannot
 * express.
 *
 * @throws InputError (HTTP 400) with a detail naming the offending attribute
 */
export function normalizeAppLcmSubscription(
  body: AppLcmSubscriptionRequest,
): NormalizedAppLcmSubscription {
  const type = toAppLcmSubscriptionType(body.subscriptionType);
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
      appInstanceSubscriptionFilter: toAppInstanceFilter(
        body.appInstanceSubscriptionFilter,
        'appInstanceSubscriptionFilter',
      ),
      appLcmOpOccSubscriptionFilter: opFilter
        ? {
            ...opFilter,
            appInstanceSubscriptionFilter: toAppInstanceFilter(
              opFilter.appInstanceSubscriptionFilter,
              'appLcmOpOccSubscriptionFilter.appInstanceSubscriptionFilter',
            ),
          }
        : undefined,
    },
  };
}

/** A stored subscription as AppInstSubscriptionInfo and its siblings. */
export function toAppLcmSubscriptionInfo(
  subscription: SubscriptionRecord<AppLcmFilter>,
  apiBase: string,
): AppLcmSubscriptionInfo {
  const f = subscription.filter ?? {};
  return {
    id: subscription.id,
    subscriptionType: subscription.subscriptionType as AppLcmSubscriptionType,
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
