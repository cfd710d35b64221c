import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * How a driver reaches an edge host's Kubernetes API. Built by the mec
 * backend from a registered host; the credential is decrypted only for the
 * call and must never be logged or returned.
 * @public
 */
export interface EdgeHostConnection {
  /** The host's registered name, for messages. */
  name: string;
  /** Kubernetes API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  /** PEM certificate(s) of the API server's CA, base64-encoded as in a kubeconfig. */
  caData?: string;
  credential:
    | { type: 'serviceAccountToken'; token: string }
    | { type: 'clientCertificate'; certData: string; keyData: string };
}

/**
 * The ETSI application instance a release belongs to, and the operation at
 * hand: what a driver that drives another MEPM's app_lcm (rather than a
 * cluster) needs to create and operate the instance there.
 * @public
 */
export interface ApplicationRef {
  /** The instance's id on this backend. */
  appInstanceId: string;
  appDId: string;
  appInstanceName?: string;
  appInstanceDescription?: string;
  /** The op occurrence being executed, when the call is part of one. */
  appLcmOpOccId?: string;
  /** INSTANTIATE, OPERATE, TERMINATE, CHANGE_APP_PKG, … */
  lcmOperation?: string;
  /**
   * CHANGE_APP_PKG: the appDId of the package the instance changes to
   * (absent: its own package, as when a given-up change is put back).
   */
  targetAppDId?: string;
}

/** Where a release lives on its host. @public */
export interface ReleaseRef {
  /** Derived from the application instance id; a valid Helm release name. */
  releaseName: string;
  /** From the grant's containerNamespace. */
  namespace: string;
  /** The application instance behind the release; drivers of clusters may ignore it. */
  application?: ApplicationRef;
}

/** What to deploy. @public */
export interface ReleaseSpec extends ReleaseRef {
  chart: {
    name: string;
    version: string;
    /** The chart archive (.tgz) from the MEO's package store. */
    archive: Buffer;
    /**
     * The MEO's Helm repository, for drivers whose cluster pulls the chart
     * itself (Flux source-controller), with the credential to use.
     */
    repository?: { url: string; username: string; password: string };
  };
  /** Helm values, from the instantiate request's additionalParams. */
  values: Record<string, unknown>;
  /** Labels for every object the driver creates itself (e.g. mec.etsi.org/app-instance-id). */
  labels: Record<string, string>;
}

/** Progress of a long driver operation, for logs and the op occurrence. @public */
export type DriverProgress = (message: string) => void;

/** Options of a driver operation. @public */
export interface DriverCallOptions {
  /** Overall deadline; the driver fails with a readable error past it. */
  timeoutSeconds: number;
  /** Aborted when the operation is cancelled. */
  signal?: AbortSignal;
  onProgress?: DriverProgress;
}

/**
 * What runs on the cluster for a release, as the driver reads it back.
 * @public
 */
export interface ReleaseStatus {
  /** absent: no such release; deployed: installed and its workloads Available; pending: in progress; failed. */
  phase: 'absent' | 'pending' | 'deployed' | 'failed';
  /** STOPPED when every workload of the release is scaled to zero. */
  operationalState?: 'STARTED' | 'STOPPED';
  message?: string;
  workloads: Array<{
    kind: string;
    name: string;
    replicas: number;
    readyReplicas: number;
  }>;
}

/**
 * One revision of a release, as the driver's record on the cluster keeps it
 * (helm's release history, a HelmRelease's status history), newest first.
 * @public
 */
export interface ReleaseRevision {
  /** Helm's revision number. */
  revision: number;
  chart: { name: string; version: string };
  /** The chart's appVersion, when it has one. */
  appVersion?: string;
  /** As helm says: deployed, superseded, failed, pending-upgrade, … */
  status: string;
  /** When the revision was last deployed or attempted (ISO 8601). */
  updated?: string;
  /** What helm recorded, e.g. "Upgrade complete" or "Rollback to 1". */
  description?: string;
}

/**
 * Deploys MEC application instances on one kind of edge host: plain Helm,
 * Flux HelmRelease objects, or what a backend module brings. Every operation is idempotent, so a retried
 * or resumed operation converges instead of duplicating a release.
 * @public
 */
export interface MecEdgeDriver {
  /** The value of an edge host's `driver` setting that selects this driver. */
  readonly id: string;
  /** Installs or upgrades the release and waits until its workloads are Available. */
  install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus>;
  /**
   * Removes the release. GRACEFUL waits up to `timeoutSeconds` for the
   * workloads to stop; FORCEFUL removes at once. Absent is success.
   */
  uninstall(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions & {
      mode: 'GRACEFUL' | 'FORCEFUL';
      /**
       * The gracefulTerminationTimeout the client asked for, if any
       * (`timeoutSeconds` already covers it); for drivers that pass the
       * request on.
       */
      gracefulTerminationTimeout?: number;
    },
  ): Promise<void>;
  /**
   * STOPPED scales every workload of the release to zero, remembering its
   * replicas on the cluster; STARTED restores them and waits for readiness.
   */
  operate(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    changeStateTo: 'STARTED' | 'STOPPED',
    options: DriverCallOptions & StopOptions,
  ): Promise<ReleaseStatus>;
  /** Reads what the cluster runs for the release. */
  status(host: EdgeHostConnection, ref: ReleaseRef): Promise<ReleaseStatus>;
  /**
   * Moves an existing release to another chart (a new version of the same
   * application) with its values, and waits until its workloads are
   * Available. On failure the release is rolled back to the revision it ran
   * before and the error says so (and whether the rollback succeeded).
   * Optional: without it, the CHANGE_APP_PKG operation fails on the
   * driver's hosts with a readable error.
   */
  changePackage?(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus>;
  /** The release's revisions, newest first; empty when there is no release. Optional. */
  history?(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseRevision[]>;
  /**
   * The operation `ref.application.appLcmOpOccId` (FAILED_TEMP) is being
   * marked FAILED: a driver that passed it on to another manager (a MEPM's
   * app_lcm) marks it failed there too, so that its instance is freed.
   * Called before the op occurrence leaves FAILED_TEMP; a failure throws
   * and the op occurrence stays FAILED_TEMP. A failed INSTANTIATE is
   * cleaned up through `uninstall` instead. Optional: drivers of clusters
   * have nothing to forward.
   */
  failOperation?(host: EdgeHostConnection, ref: ReleaseRef): Promise<void>;
}

/**
 * How an OPERATE to STOPPED was asked to stop (ETSI OperateAppRequest),
 * for drivers that pass the request on; `timeoutSeconds` already covers
 * the graceful timeout.
 * @public
 */
export interface StopOptions {
  stopType?: 'GRACEFUL' | 'FORCEFUL';
  gracefulStopTimeout?: number;
}

/**
 * Lets backend modules add edge drivers to the mec plugin.
 * @public
 */
export interface MecDriversExtensionPoint {
  /**
   * Adds a driver beside the built-in `helm` and `flux`. Edge hosts select
   * it by its id, which must be new (at most 32 lowercase letters, digits
   * and '-'): the backend does not start when two drivers share an id.
   */
  addDriver(driver: MecEdgeDriver): void;
}

/** @public */
export const mecDriversExtensionPoint =
  createExtensionPoint<MecDriversExtensionPoint>({
    id: 'mec.drivers',
  });
