import type { HostSelection, LocationConstraints } from '../granting/model';

/** CHANGE_APP_PKG is our extension (after ETSI NFV-SOL 003 change_vnfpkg). */
export type LcmOperation =
  | 'INSTANTIATE'
  | 'OPERATE'
  | 'TERMINATE'
  | 'CHANGE_APP_PKG';
export type OperationState =
  | 'STARTING'
  | 'PROCESSING'
  | 'COMPLETED'
  | 'FAILED'
  | 'FAILED_TEMP';
export type InstantiationState = 'NOT_INSTANTIATED' | 'INSTANTIATED';
export type InstanceOperationalState = 'STARTED' | 'STOPPED';
export type CancelMode = 'GRACEFUL' | 'FORCED';
/** How workloads are stopped or removed: waiting for them, or not. */
export type StopType = 'GRACEFUL' | 'FORCEFUL';

/** A MEC application instance, managed by the MEPM. */
export interface AppInstance {
  id: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
  appPkgId: string;
  appDId: string;
  appProvider: string;
  appName: string;
  appSoftVersion: string;
  appDVersion: string;
  instantiationState: InstantiationState;
  operationalState?: InstanceOperationalState;
  /** Where it runs: the edge host, the namespace and the Helm release. */
  hostName?: string;
  namespace?: string;
  releaseName?: string;
  /** The op occurrence currently holding the instance (one at a time). */
  operationInProgress?: string;
  /** Who created it: a user entity ref, or `service:<subject>`. */
  createdBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Creates an application instance of an onboarded package's AppD. */
export interface CreateInstanceCommand {
  appDId: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
  /** Who asks: a user entity ref, or `service:<subject>`. */
  createdBy?: string;
}

/** Places the instance on an edge host and installs its chart there. */
export interface InstantiateCommand {
  lcmOperation: 'INSTANTIATE';
  hostSelection?: HostSelection;
  locationConstraints?: LocationConstraints;
  /** Helm values for the chart. */
  values: Record<string, unknown>;
}

/** Starts or stops the instance's workloads. */
export interface OperateCommand {
  lcmOperation: 'OPERATE';
  changeStateTo: InstanceOperationalState;
  /** STOPPED only. */
  stopType?: StopType;
  /** Seconds; a GRACEFUL stop only. */
  gracefulStopTimeout?: number;
}

/** Uninstalls the instance from its host. */
export interface TerminateCommand {
  lcmOperation: 'TERMINATE';
  terminationType: StopType;
  /** Seconds; GRACEFUL only. */
  gracefulTerminationTimeout?: number;
}

/**
 * Moves an instantiated instance to another onboarded package of the same
 * application (our extension, after ETSI NFV-SOL 003 change_vnfpkg): helm
 * upgrade in place, rolled back on failure.
 */
export interface ChangeAppPkgCommand {
  lcmOperation: 'CHANGE_APP_PKG';
  /** The target package, as requested and as resolved when the operation started. */
  appDId: string;
  appPkgId: string;
  /**
   * Helm values for the new chart: the request's additionalParams, or
   * those of the instance's last instantiation or change.
   */
  values: Record<string, unknown>;
}

/** A task on an instance, executed as an op occurrence. */
export type LcmCommand =
  | InstantiateCommand
  | OperateCommand
  | TerminateCommand
  | ChangeAppPkgCommand;

/** What a change of package asks for, before the service resolves it. */
export interface ChangeAppPkgRequest {
  appDId: string;
  /** Helm values; absent keeps those of the last instantiation or change. */
  values?: Record<string, unknown>;
}

/**
 * One revision of an instance's release on its edge host (our extension),
 * newest first, with the onboarded package whose chart it ran when one of
 * the same application matches.
 */
export interface AppInstanceRevision {
  revision: number;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  status: string;
  updated?: Date;
  description?: string;
  appPkgId?: string;
  appDId?: string;
  appSoftVersion?: string;
}

/** Why an operation failed, as ProblemDetails title, status and detail. */
export interface OperationError {
  title: string;
  status: number;
  detail: string;
}

/** A lifecycle operation occurrence: one task on an instance, persisted. */
export interface AppLcmOpOcc {
  id: string;
  appInstanceId: string;
  /** Always `command.lcmOperation`. */
  lcmOperation: LcmOperation;
  operationState: OperationState;
  stateEnteredTime: Date;
  startTime: Date;
  command: LcmCommand;
  isCancelPending: boolean;
  cancelMode?: CancelMode;
  error?: OperationError;
  grantId?: string;
  startNotified: boolean;
  /** Who requested it: a user entity ref, or `service:<subject>`. */
  requestedBy?: string;
}

/** Instance fields a list can narrow on in the store. */
export type AppInstanceField =
  | 'id'
  | 'appInstanceName'
  | 'appInstanceDescription'
  | 'appPkgId'
  | 'appDId'
  | 'appProvider'
  | 'appName'
  | 'appSoftVersion'
  | 'appDVersion'
  | 'instantiationState'
  | 'hostName'
  | 'namespace'
  | 'releaseName';

/**
 * A condition on an instance field: `in` one of the values, `notIn` any of
 * them (an instance without the field satisfies it), or `contains` one of
 * them as a substring.
 */
export interface AppInstanceCondition {
  field: AppInstanceField;
  op: 'in' | 'notIn' | 'contains';
  values: string[];
}

/** Op occurrence fields a list can narrow on in the store. */
export type AppLcmOpOccField =
  | 'id'
  | 'appInstanceId'
  | 'lcmOperation'
  | 'operationState';

/** A condition on an op occurrence field, as {@link AppInstanceCondition}. */
export interface AppLcmOpOccCondition {
  field: AppLcmOpOccField;
  op: 'in' | 'notIn' | 'contains';
  values: string[];
}
