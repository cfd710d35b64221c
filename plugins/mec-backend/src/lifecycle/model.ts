import type { HostSelection, LocationConstraints } from '../granting/model';

export type LcmOperation = 'INSTANTIATE' | 'OPERATE' | 'TERMINATE';
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
  createdAt: Date;
  updatedAt: Date;
}

/** Creates an application instance of an onboarded package's AppD. */
export interface CreateInstanceCommand {
  appDId: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
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

/** A task on an instance, executed as an op occurrence. */
export type LcmCommand = InstantiateCommand | OperateCommand | TerminateCommand;

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
