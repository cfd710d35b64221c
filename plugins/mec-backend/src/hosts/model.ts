/**
 * The id of the edge driver that deploys application instances on a host:
 * a built-in one (`helm`, `flux`) or one a backend module registers through
 * `mecDriversExtensionPoint`. Checked against the registered drivers when a
 * host is registered or changed.
 */
export type EdgeHostDriver = string;

/**
 * Where a host's credential and settings come from: `mec.hosts.static`,
 * the `/hosts` API, or a MEPM that reports it to this MEO (`/mepms`).
 */
export type EdgeHostSource = 'config' | 'api' | 'mepm';

/** The kind of credential a host is reached with. */
export type EdgeHostCredentialType =
  | 'serviceAccountToken'
  | 'clientCertificate';

/**
 * Which namespace an application instance gets on a host: its own one,
 * `<prefix><appInstanceId>`, or one shared namespace.
 */
export type NamespacePolicy =
  | { mode: 'perInstance'; prefix?: string }
  | { mode: 'fixed'; namespace: string };

/** Well-known placement attributes of a host. */
export interface EdgeHostLocation {
  zone?: string;
  site?: string;
  /** WGS 84 degrees. */
  latitude?: number;
  longitude?: number;
}

/** CPU and memory as plain numbers. */
export interface ResourceAmounts {
  cpuMillicores: number;
  memoryBytes: number;
}

/** The result of the latest health check of a host. */
export interface EdgeHostStatus {
  reachable: boolean;
  kubernetesVersion?: string;
  readyNodes?: number;
  totalNodes?: number;
  /** Sum over Ready, schedulable nodes. */
  allocatable?: ResourceAmounts;
  /** Sum of the requests of Pending and Running pods. */
  requested?: ResourceAmounts;
  /**
   * Which pods `requested` covers: all of the cluster, or only the
   * namespaces of the host's namespace policy when the credential may not
   * list pods cluster-wide.
   */
  requestedScope?: 'cluster' | 'namespaces';
  checkedAt: Date;
  /** Why the host is unreachable or the check was incomplete. */
  error?: string;
}

/**
 * A registered edge host as the portal and placement see it: everything
 * but the credential and CA data.
 */
export interface EdgeHost {
  name: string;
  title?: string;
  description?: string;
  /** Kubernetes API server URL (https). */
  url: string;
  /** Whether a CA certificate is pinned for the API server. */
  hasCaData: boolean;
  credentialType: EdgeHostCredentialType;
  driver: EdgeHostDriver;
  labels: Record<string, string>;
  location: EdgeHostLocation;
  namespacePolicy: NamespacePolicy;
  source: EdgeHostSource;
  /** The MEPM that reports and manages the host (source `mepm`). */
  mepm?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Absent until the first health check. */
  status?: EdgeHostStatus;
}
