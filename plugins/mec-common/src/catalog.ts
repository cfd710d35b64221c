/*
 * The catalog model of HelmMEC: entity kinds for MEC application packages
 * and instances, the annotations on them, and their JSON schemas. The schemas
 * are plain objects so that they can move to a catalog model layer later.
 */

/** apiVersion of the MEC entity kinds. @public */
export const MEC_ENTITY_API_VERSION = 'mec.helmmec.io/v1alpha1';

/** Kind of an application package entity. @public */
export const MEC_APP_PACKAGE_KIND = 'MecAppPackage';

/** Kind of an application instance entity. @public */
export const MEC_APP_INSTANCE_KIND = 'MecAppInstance';

/**
 * `spec.type` of the `Resource` entities that stand for edge hosts; the
 * Backstage Kubernetes plugin treats such resources as clusters.
 * @public
 */
export const MEC_EDGE_HOST_RESOURCE_TYPE = 'kubernetes-cluster';

/**
 * Topic of the Backstage events service on which the mec plugin announces
 * that packages, instances or edge hosts changed, so that the catalog
 * refreshes at once.
 *
 * @public
 */
export const MEC_CHANGES_EVENT_TOPIC = 'mec.changes';

/**
 * Payload of an event on {@link MEC_CHANGES_EVENT_TOPIC}: what changed. A
 * payload naming nothing means "anything may have changed".
 *
 * @public
 */
export interface MecChangesEventPayload {
  /** The ETSI API whose event it was, if any. */
  api?: 'app_pkgm' | 'app_lcm';
  /** The ETSI notification types of the event, if any. */
  notificationTypes?: string[];
  appPkgId?: string;
  appInstanceId?: string;
  /** An edge host registered, changed or deleted. */
  hostName?: string;
}

/** Annotation carrying the ETSI appPkgId of a package entity. @public */
export const MEC_ANNOTATION_APP_PKG_ID = 'mec.helmmec.io/app-pkg-id';

/** Annotation carrying the ETSI appInstanceId of an instance entity. @public */
export const MEC_ANNOTATION_APP_INSTANCE_ID = 'mec.helmmec.io/app-instance-id';

/** Annotation carrying the edge host name of a host resource. @public */
export const MEC_ANNOTATION_EDGE_HOST = 'mec.helmmec.io/edge-host';

/** The spec of a `MecAppPackage` entity. @public */
export interface MecAppPackageEntitySpec {
  appPkgId: string;
  /** Empty until the AppD has been read at onboarding. */
  appDId: string;
  appName: string;
  appProvider?: string;
  appSoftwareVersion: string;
  appDVersion?: string;
  onboardingState: string;
  operationalState: string;
  usageState: string;
  mecInfo?: string[];
  /** Entity reference of the owner, a group by default. */
  owner: string;
}

/** The spec of a `MecAppInstance` entity. @public */
export interface MecAppInstanceEntitySpec {
  appInstanceId: string;
  appDId: string;
  /** Entity reference of the `MecAppPackage` the instance was created from. */
  package: string;
  /** Entity reference of the edge host `Resource`, once placed. */
  host?: string;
  instantiationState: string;
  /** STARTED or STOPPED; only for instantiated instances. */
  operationalState?: string;
  namespace?: string;
  releaseName?: string;
  owner: string;
}

const specString = { type: 'string', minLength: 1 } as const;
const specEnvelope = (kind: string) =>
  ({
    apiVersion: { enum: [MEC_ENTITY_API_VERSION] },
    kind: { enum: [kind] },
  } as const);

/**
 * JSON schema of a `MecAppPackage` entity, for `entityKindSchemaValidator`.
 * @public
 */
export const mecAppPackageEntitySchema = {
  $schema: 'http://json-schema.org/draft-07/schema',
  $id: 'MecAppPackageV1alpha1',
  description:
    'An ETSI MEC application package onboarded to the HelmMEC MEO (GS MEC 010-2 AppPkgInfo).',
  allOf: [
    { $ref: 'Entity' },
    {
      type: 'object',
      required: ['spec'],
      properties: {
        ...specEnvelope(MEC_APP_PACKAGE_KIND),
        spec: {
          type: 'object',
          required: [
            'appPkgId',
            'appDId',
            'appName',
            'appSoftwareVersion',
            'onboardingState',
            'operationalState',
            'usageState',
            'owner',
          ],
          properties: {
            appPkgId: specString,
            appDId: { type: 'string' },
            appName: specString,
            appProvider: { type: 'string' },
            appSoftwareVersion: specString,
            appDVersion: { type: 'string' },
            onboardingState: {
              enum: ['CREATED', 'UPLOADING', 'PROCESSING', 'ONBOARDED'],
            },
            operationalState: { enum: ['ENABLED', 'DISABLED'] },
            usageState: { enum: ['IN_USE', 'NOT_IN_USE'] },
            mecInfo: { type: 'array', items: { type: 'string' } },
            owner: specString,
          },
        },
      },
    },
  ],
} as const;

/**
 * JSON schema of a `MecAppInstance` entity, for `entityKindSchemaValidator`.
 * @public
 */
export const mecAppInstanceEntitySchema = {
  $schema: 'http://json-schema.org/draft-07/schema',
  $id: 'MecAppInstanceV1alpha1',
  description:
    'An ETSI MEC application instance managed by the HelmMEC MEO (GS MEC 010-2 AppInstanceInfo), a Helm release on an edge host.',
  allOf: [
    { $ref: 'Entity' },
    {
      type: 'object',
      required: ['spec'],
      properties: {
        ...specEnvelope(MEC_APP_INSTANCE_KIND),
        spec: {
          type: 'object',
          required: [
            'appInstanceId',
            'appDId',
            'package',
            'instantiationState',
            'owner',
          ],
          properties: {
            appInstanceId: specString,
            appDId: specString,
            package: specString,
            host: specString,
            instantiationState: { enum: ['NOT_INSTANTIATED', 'INSTANTIATED'] },
            operationalState: { enum: ['STARTED', 'STOPPED'] },
            namespace: specString,
            releaseName: specString,
            owner: specString,
          },
        },
      },
    },
  ],
} as const;
