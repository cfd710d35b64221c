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
  /**
   * The resources the MEPM asks to add (GrantRequest.addResources), each
   * granted under its own id; without them, the chart's workloads
   * (`mciop`). What they need is read from the AppD of appDId.
   */
  addResources?: RequestedResource[];
  /** The MEPM's own resources the request names (its `_links`). */
  links?: GrantLinks;
}

/** Where the op occurrence and instance a grant is for live (hrefs). */
export interface GrantLinks {
  appLcmOpOcc: string;
  appInstance: string;
}

/** A ResourceDefinition of a GrantRequest. */
export interface RequestedResource {
  /** Unique within the request; the grant's resourceDefinitionId. */
  id: string;
  /** COMPUTE, STORAGE, LINKPORT or OSCONTAINER. */
  type: string;
  /** The AppD templates (e.g. its virtualComputeDescriptor) it stands for. */
  resourceTemplateId?: string[];
}

/** A resource the grant adds: the instance's workloads in a namespace. */
export interface GrantedResource {
  /** The AppD resource it stands for ("mciop": the Helm chart). */
  resourceDefinitionId: string;
  /** Absent in a grant that names no host. */
  containerNamespace?: string;
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
 * A grant as the MEO gives it to any MEPM (granting/v1). An instance on a
 * host the MEO does not know (another MEPM's, not reported to this MEO) is
 * granted without a host: the MEPM chooses among its own hosts.
 */
export type IssuedGrant = Omit<Grant, 'hostName' | 'containerNamespace'> & {
  hostName?: string;
  containerNamespace?: string;
  /** For an instance this MEO did not create: the MEPM's links, echoed. */
  links?: GrantLinks;
};

/** Why a grant was refused, as the ProblemDetails the MEPM gets. */
export interface GrantRefusal {
  status: number;
  title: string;
  detail: string;
}

/**
 * A grant resource (GET grants/{grantId}): still being decided
 * (asynchronous mode), granted, or refused.
 */
export type GrantDecision =
  | { state: 'PROCESSING'; id: string }
  | { state: 'GRANTED'; grant: IssuedGrant }
  | { state: 'REFUSED'; id: string; refusal: GrantRefusal };

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
