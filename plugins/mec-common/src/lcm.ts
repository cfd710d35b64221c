/*
 * ETSI GS MEC 010-2 app_lcm wire types, plus HelmMEC's edge host registry
 * (portal API /api/mec/hosts), as the frontend sees them.
 */
import type { Checksum, ProblemDetails } from './etsi';

/** Seconds and nanoseconds since the epoch (ETSI TimeStamp). @public */
export interface TimeStamp {
  seconds: number;
  nanoSeconds: number;
}

/** @public */
export type InstantiationState = 'NOT_INSTANTIATED' | 'INSTANTIATED';
/** @public */
export type AppInstanceOperationalState = 'STARTED' | 'STOPPED';

/**
 * An application instance (ETSI GS MEC 010-2 clause 6.2.2.3).
 * @public
 */
export interface AppInstanceInfo {
  id: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
  appDId: string;
  appProvider: string;
  appName: string;
  appSoftVersion: string;
  appDVersion: string;
  appPkgId: string;
  instantiationState: InstantiationState;
  instantiatedAppState?: {
    operationalState: AppInstanceOperationalState;
  };
  /** HelmMEC extension: where the instance runs. */
  edgeHost?: { name?: string; namespace?: string; releaseName?: string };
  _links: {
    self: { href: string };
    instantiate?: { href: string };
    terminate?: { href: string };
    operate?: { href: string };
  };
}

/** @public */
export type LcmOperationState =
  | 'STARTING'
  | 'PROCESSING'
  | 'COMPLETED'
  | 'FAILED'
  | 'FAILED_TEMP';

/** @public */
export type LcmOperation = 'INSTANTIATE' | 'OPERATE' | 'TERMINATE';

/**
 * A lifecycle operation occurrence (ETSI GS MEC 010-2 clause 6.2.2.12).
 * @public
 */
export interface AppLcmOpOcc {
  id: string;
  operationState: LcmOperationState;
  stateEnteredTime: TimeStamp;
  startTime: TimeStamp;
  lcmOperation: LcmOperation;
  operationParams?: Record<string, unknown>;
  isCancelPending?: boolean;
  error?: ProblemDetails;
  _links?: {
    self: { href: string };
    appInstance: { href: string };
  };
}

/** Request body of POST app_packages. @public */
export interface CreateAppPkg {
  appPkgName: string;
  appPkgVersion: string;
  appProvider?: string;
  checksum: Checksum;
  appPkgPath?: string;
  userDefinedData?: Record<string, unknown>;
}

/** Request body of POST app_instances. @public */
export interface CreateAppInstanceRequest {
  appDId: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
}

/** Request body of POST app_instances/{id}/instantiate. @public */
export interface InstantiateAppRequest {
  /** Without it the MEO places the instance. */
  selectedMECHostInfo?: Array<{ hostId: { name: string } | string }>;
  /** The Helm values. */
  additionalParams?: Record<string, unknown>;
}

/** How application instances are deployed on an edge host. @public */
export type EdgeHostDriver = 'helm' | 'flux';

/** Namespaces an edge host gives its instances. @public */
export type EdgeHostNamespacePolicy =
  | { mode: 'perInstance'; prefix?: string }
  | { mode: 'fixed'; namespace: string };

/** CPU and memory amounts. @public */
export interface ResourceAmounts {
  cpuMillicores: number;
  memoryBytes: number;
}

/** The latest health check of an edge host. @public */
export interface EdgeHostStatus {
  reachable: boolean;
  kubernetesVersion?: string;
  readyNodes?: number;
  totalNodes?: number;
  allocatable?: ResourceAmounts;
  requested?: ResourceAmounts;
  requestedScope?: 'cluster' | 'namespaces';
  checkedAt: string;
  error?: string;
}

/** An edge host (Kubernetes cluster); credentials are never returned. @public */
export interface EdgeHost {
  name: string;
  title?: string;
  description?: string;
  url: string;
  hasCaData: boolean;
  credential: { type: 'serviceAccountToken' | 'clientCertificate' };
  driver: EdgeHostDriver;
  labels: Record<string, string>;
  location: {
    zone?: string;
    site?: string;
    latitude?: number;
    longitude?: number;
  };
  namespacePolicy: EdgeHostNamespacePolicy;
  source: 'config' | 'api';
  createdAt: string;
  updatedAt: string;
  status?: EdgeHostStatus;
}

/** One edge host's verdict in a placement preview. @public */
export interface HostPlacement {
  name: string;
  /** Whether the host satisfies every requirement now. */
  fits: boolean;
  /** Why the host does not fit; empty when it fits. */
  reasons: string[];
}

/**
 * Response of GET /placement: what the MEO's placement would decide now,
 * without granting anything.
 * @public
 */
export interface PlacementPreview {
  /** The instance placed, when one was asked for. */
  appInstanceId?: string;
  appPkgId: string;
  appDId: string;
  /** The host placement chooses; absent when no host fits. */
  suggestedHost?: string;
  /** Every host: the fitting ones best first, then the rejected ones. */
  hosts: HostPlacement[];
}

/** Request body of POST /hosts; the credential is write-only. @public */
export interface RegisterEdgeHost {
  name: string;
  title?: string;
  description?: string;
  url: string;
  caData?: string;
  credential:
    | { type: 'serviceAccountToken'; token: string }
    | { type: 'clientCertificate'; certData: string; keyData: string };
  driver?: EdgeHostDriver;
  labels?: Record<string, string>;
  location?: { zone?: string; site?: string };
  namespacePolicy?: EdgeHostNamespacePolicy;
  probe?: boolean;
}
