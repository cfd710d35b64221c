/*
 * ETSI GS MEC 010-2 app_lcm/v1 wire types, generated from
 * plugins/mec-backend/src/schema/openapi/app_lcm.yaml.
 */
import type { components } from './generated/app_lcm';

/** Every schema of the app_lcm OpenAPI document, by name. @public */
export type AppLcmSchemas = components['schemas'];

/**
 * An application instance (ETSI GS MEC 010-2 clause 6.2.2.3).
 * @public
 */
export type AppInstanceInfo = AppLcmSchemas['AppInstanceInfo'];

/** @public */
export type InstantiationState = AppInstanceInfo['instantiationState'];

/** @public */
export type AppInstanceOperationalState = NonNullable<
  AppInstanceInfo['instantiatedAppState']
>['operationalState'];

/**
 * A lifecycle operation occurrence (ETSI GS MEC 010-2 clause 6.2.2.12).
 * @public
 */
export type AppLcmOpOcc = AppLcmSchemas['AppLcmOpOcc'];

/** @public */
export type LcmOperationState = AppLcmOpOcc['operationState'];

/** @public */
export type LcmOperation = AppLcmOpOcc['lcmOperation'];

/** Request body of POST app_instances. @public */
export type CreateAppInstanceRequest =
  AppLcmSchemas['CreateAppInstanceRequest'];

/**
 * Request body of POST app_instances/{appInstanceId}/instantiate; without
 * selectedMECHostInfo the MEO places the instance, additionalParams are the
 * Helm values.
 * @public
 */
export type InstantiateAppRequest = AppLcmSchemas['InstantiateAppRequest'];

/** Request body of POST app_instances/{appInstanceId}/operate. @public */
export type OperateAppRequest = AppLcmSchemas['OperateAppRequest'];

/** Request body of POST app_instances/{appInstanceId}/terminate. @public */
export type TerminateAppRequest = AppLcmSchemas['TerminateAppRequest'];

/**
 * Request body of POST app_instances/{appInstanceId}/change_app_pkg
 * (HelmMEC's extension, after ETSI NFV-SOL 003 change_vnfpkg).
 * @public
 */
export type ChangeAppPkgRequest = AppLcmSchemas['ChangeAppPkgRequest'];

/**
 * One revision of an instance's release, from GET
 * app_instances/{appInstanceId}/revisions (HelmMEC's extension).
 * @public
 */
export type AppInstanceRevision = AppLcmSchemas['AppInstanceRevision'];

/** Request body of POST subscriptions. @public */
export type AppLcmSubscriptionRequest =
  AppLcmSchemas['AppLcmSubscriptionRequest'];

/** @public */
export type AppLcmSubscriptionInfo = AppLcmSchemas['AppLcmSubscriptionInfo'];

/** What the MEO posts to an app_lcm subscription's callbackUri. @public */
export type AppLcmNotification = AppLcmSchemas['AppLcmNotification'];
