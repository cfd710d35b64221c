/** The lifecycle operations the MEO grants. */
export type GrantedOperation = 'INSTANTIATE' | 'OPERATE' | 'TERMINATE';

/**
 * Which hosts an instance may be placed on (from selectedMECHostInfo): any
 * of the named candidates, each carrying every required label.
 */
export interface HostSelection {
  /** Registered host names; any host when absent. */
  candidates?: string[];
  /** Labels the chosen host must carry, e.g. topology.kubernetes.io/zone. */
  requiredLabels?: Record<string, string>;
}

/** Where an instance may run (from locationConstraints). */
export interface LocationConstraints {
  /** ISO 3166-1 alpha-2, compared with the host's countryCode label. */
  countryCode?: string;
  /** Polygon rings [[lon, lat], ...]; the first ring bounds the area. */
  area?: number[][][];
}

/** A request for a grant before a lifecycle operation. */
export interface GrantRequest {
  appInstanceId: string;
  appLcmOpOccId: string;
  appDId: string;
  operation: GrantedOperation;
  /** INSTANTIATE only: where the instance may be placed. */
  hostSelection?: HostSelection;
  locationConstraints?: LocationConstraints;
}

/** A resource the grant adds: the instance's workloads in a namespace. */
export interface GrantedResource {
  /** The AppD resource it stands for ("mciop": the Helm chart). */
  resourceDefinitionId: string;
  containerNamespace: string;
}

/** A grant the MEO gave for one lifecycle operation, on one edge host. */
export interface Grant {
  id: string;
  appInstanceId: string;
  appLcmOpOccId: string;
  operation: GrantedOperation;
  /** The edge host the operation runs on (its Kubernetes cluster). */
  hostName: string;
  /** The namespace the instance runs in on that host. */
  containerNamespace: string;
  /** What INSTANTIATE adds on the host; empty for other operations. */
  addedResources: GrantedResource[];
  createdAt: Date;
}

/**
 * What placement would decide for an application now, without granting
 * anything: the host it would choose and every registered host's verdict.
 */
export interface PlacementPreview {
  appPkgId: string;
  appDId: string;
  appInstanceId?: string;
  /** The host placement chooses; absent when no host fits. */
  suggestedHost?: string;
  /**
   * Every registered host: the fitting ones best first (the suggested host
   * leads), then the rejected ones with their reasons.
   */
  hosts: Array<{ name: string; fits: boolean; reasons: string[] }>;
}
