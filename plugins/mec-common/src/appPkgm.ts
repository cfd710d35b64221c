/*
 * ETSI GS MEC 010-2 app_pkgm/v1 wire types, generated from
 * plugins/mec-backend/src/schema/openapi/app_pkgm.yaml.
 */
import type { components } from './generated/app_pkgm';

/** Every schema of the app_pkgm OpenAPI document, by name. @public */
export type AppPkgmSchemas = components['schemas'];

/** @public */
export type OnboardingState = AppPkgmSchemas['OnboardingState'];
/** @public */
export type OperationalState = AppPkgmSchemas['OperationalState'];
/** @public */
export type UsageState = AppPkgmSchemas['UsageState'];

/**
 * Information about an application package (ETSI GS MEC 010-2 clause 6.2.3.3).
 * @public
 */
export type AppPkgInfo = AppPkgmSchemas['AppPkgInfo'];

/** Request body of POST app_packages. @public */
export type CreateAppPkg = AppPkgmSchemas['CreateAppPkg'];

/** Request body of PATCH app_packages/{appPkgId}. @public */
export type AppPkgInfoModifications = AppPkgmSchemas['AppPkgInfoModifications'];

/** Request body of POST subscriptions. @public */
export type AppPkgSubscription = AppPkgmSchemas['AppPkgSubscription'];

/** @public */
export type AppPkgSubscriptionInfo = AppPkgmSchemas['AppPkgSubscriptionInfo'];

/** What the MEO posts to a package subscription's callbackUri. @public */
export type AppPkgNotification = AppPkgmSchemas['AppPkgNotification'];
