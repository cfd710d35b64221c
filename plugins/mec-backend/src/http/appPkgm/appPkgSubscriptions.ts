import { InputError } from '@backstage/errors';
import type {
  AppPkgSubscription,
  AppPkgSubscriptionInfo,
} from '@helmmec/plugin-mec-common';
import {
  APP_PKG_SUBSCRIPTION_TYPES,
  AppPkgFilter,
  AppPkgSubscriptionRecord,
  AppPkgSubscriptionType,
  subscriptionHref,
} from '../../notifications/appPkgm';
import { SubscriptionRequest } from '../subscriptionRoutes';

/** The v2.1.1 OAS names (one misspelled there), accepted on body. */
const LEGACY_SUBSCRIPTION_TYPES: Record<string, AppPkgSubscriptionType> = {
  AppPackageOnBoarding: 'AppPackageOnBoardingSubscription',
  AppPacakgeOperationChange: 'AppPackageChangeSubscription',
  AppPackageDeletion: 'AppPackageDeletionSubscription',
};

/** A subscription request after normalisation to V3.1.1. */
export interface NormalizedAppPkgSubscription
  extends SubscriptionRequest<AppPkgFilter[]> {
  subscriptionType: AppPkgSubscriptionType;
}

/**
 * Turns an `AppPkgSubscription` request body (V3.1.1, or v2.1.1 with
 * `subsctiptionType`) into V3.1.1 terms, applying the rules of clause
 * 6.2.3.10 that the OpenAPI schema cannot express.
 *
 * @throws InputError (HTTP 400) with a detail naming the offending attribute
 */
export function normalizeAppPkgSubscription(
  body: AppPkgSubscription,
): NormalizedAppPkgSubscription {
  // The validator has checked the body; these checks hold for callers it
  // does not cover.
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError(
      'The request body must be an AppPkgSubscription object',
    );
  }
  const given = (['subscriptionType', 'subsctiptionType'] as const).filter(
    name => body[name] !== undefined,
  );
  if (given.length !== 1) {
    throw new InputError(
      given.length === 0
        ? 'subscriptionType is required'
        : 'Give either subscriptionType or its v2.1.1 spelling subsctiptionType, not both',
    );
  }
  const rawType = body[given[0]];
  const subscriptionType = toSubscriptionType(rawType);
  if (!subscriptionType) {
    throw new InputError(
      `${given[0]} must be one of ${APP_PKG_SUBSCRIPTION_TYPES.join(', ')}`,
    );
  }
  if (typeof body.callbackUri !== 'string' || !body.callbackUri) {
    throw new InputError('callbackUri is required');
  }

  let appPkgFilter: AppPkgFilter[] | undefined;
  if (body.appPkgFilter !== undefined) {
    if (!Array.isArray(body.appPkgFilter)) {
      throw new InputError('appPkgFilter must be an array of AppPkgFilter');
    }
    appPkgFilter = body.appPkgFilter.map((filter, index) =>
      checkFilter(filter, index, subscriptionType),
    );
  }

  return {
    subscriptionType,
    callbackUri: body.callbackUri,
    ...(appPkgFilter && appPkgFilter.length > 0
      ? { filter: appPkgFilter }
      : {}),
    ...(body.authentication ? { authentication: body.authentication } : {}),
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
): AppPkgSubscriptionInfo {
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
