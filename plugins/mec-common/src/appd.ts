/*
 * ETSI GS MEC 010-2 V3.1.1 application descriptor (AppD, clause 6.2.1) and
 * its sub-types (clause 6.2.1.x), with the ETSI attribute names. Types that
 * MEC 010-2 defines only by reference to ETSI GS NFV-IFA 011 / NFV-SOL 001
 * model the attributes HelmMEC reads and stay open for the rest.
 */

/** A JSON object of free key/value pairs (ETSI `KeyValuePairs`). @public */
export type AppDKeyValuePairs = Record<string, unknown>;

/**
 * Virtual CPU of the application's single VM (NFV-IFA 011 7.1.9.2.3).
 * @public
 */
export interface AppDVirtualCpu {
  /** Number of virtual CPUs. */
  numVirtualCpu: number;
  cpuArchitecture?: string;
  /** Minimum CPU clock in MHz. */
  virtualCpuClock?: number;
  [extra: string]: unknown;
}

/**
 * Virtual memory of the application's single VM (NFV-IFA 011 7.1.9.3.2).
 * @public
 */
export interface AppDVirtualMemory {
  /** Amount of virtual memory in MiB. */
  virtualMemSize: number;
  numaEnabled?: boolean;
  [extra: string]: unknown;
}

/**
 * Compute resources of the application's single VM (NFV-IFA 011 7.1.9.2.2).
 * @public
 */
export interface VirtualComputeDescriptor {
  virtualComputeDescId?: string;
  virtualCpu: AppDVirtualCpu;
  virtualMemory: AppDVirtualMemory;
  [extra: string]: unknown;
}

/**
 * One OS container of the application (NFV-IFA 011 7.1.6.13.2; MEC names
 * its image reference `swImageDescriptor`).
 * @public
 */
export interface OsContainerDescriptor {
  osContainerDescId: string;
  name: string;
  description?: string;
  /** Requested CPU in milli-CPU. */
  requestedCpuResources?: number;
  /** Requested memory in MiB. */
  requestedMemoryResources?: number;
  cpuResourceLimit?: number;
  memoryResourceLimit?: number;
  /** The software image: the id of a `swImageDescriptor` entry, or inline. */
  swImageDescriptor?: string | SwImageDescriptor;
  [extra: string]: unknown;
}

/**
 * A software image of the application (NFV-IFA 011 7.1.6.5). For OS
 * containers `swImage` is typically the image reference `name:tag`.
 * @public
 */
export interface SwImageDescriptor {
  id?: string;
  name?: string;
  version?: string;
  checksum?: { algorithm: string; hash: string };
  containerFormat?: string;
  diskFormat?: string;
  minDisk?: number;
  minRam?: number;
  size?: number;
  swImage?: string;
  operatingSystem?: string;
  supportedVirtualisationEnvironment?: string[];
  [extra: string]: unknown;
}

/** Virtual storage (NFV-IFA 011 7.1.9.4). @public */
export interface VirtualStorageDescriptor {
  id?: string;
  typeOfStorage?: string;
  [extra: string]: unknown;
}

/**
 * An external connection point of the application (clause 6.2.1.x
 * AppExternalCpd, inheriting NFV-IFA 011 Cpd attributes).
 * @public
 */
export interface AppExternalCpd {
  cpdId?: string;
  layerProtocol?: string[];
  cpRole?: string;
  description?: string;
  virtualNetworkInterfaceRequirements?: AppDKeyValuePairs[];
  additionalServiceData?: AppDKeyValuePairs[];
  [extra: string]: unknown;
}

/** Service category reference (ETSI GS MEC 011). @public */
export interface CategoryRef {
  href: string;
  id: string;
  name: string;
  version: string;
}

/** Serialisation formats (ETSI GS MEC 011 SerializerType). @public */
export type SerializerType = 'JSON' | 'XML' | 'PROTOBUF3';

/** Transport types (ETSI GS MEC 011 TransportType). @public */
export type TransportType =
  | 'REST_HTTP'
  | 'MB_TOPIC_BASED'
  | 'MB_ROUTING'
  | 'MB_PUBSUB'
  | 'RPC'
  | 'RPC_STREAMING'
  | 'WEBSOCKET';

/** Transport security (ETSI GS MEC 011 SecurityInfo). @public */
export interface SecurityInfo {
  oAuth2Info?: { grantTypes: string[]; tokenEndpoint?: string };
  [extra: string]: unknown;
}

/** A transport offered or required for a service. @public */
export interface TransportDescriptor {
  name: string;
  description?: string;
  type: TransportType;
  /** "HTTP" for REST. */
  protocol: string;
  version: string;
  security?: SecurityInfo;
  implSpecificInfo?: unknown;
}

/**
 * Transport the platform must provide; entries sharing a label form one
 * alternative group.
 * @public
 */
export interface TransportDependency {
  transport: TransportDescriptor;
  serializers: SerializerType[];
  labels: string[];
}

/** A transport and its serialisers supported by a produced service. @public */
export interface TransportsSupported {
  transport: TransportDescriptor;
  serializers: SerializerType[];
}

/** A service the application requires or can use. @public */
export interface ServiceDependency {
  serName: string;
  serCategory?: CategoryRef;
  version: string;
  serTransportDependencies?: TransportDependency[];
  requestedPermissions?: unknown[];
}

/** A service the application produces. @public */
export interface ServiceDescriptor {
  serName: string;
  serCategory?: CategoryRef;
  version: string;
  transportsSupported?: TransportsSupported[];
}

/** A MEC platform feature (e.g. UserApps, UEIdentity). @public */
export interface FeatureDependency {
  featureName: string;
  version: string;
}

/** Traffic rule filter types. @public */
export type TrafficRuleFilterType = 'FLOW' | 'PACKET';

/** Traffic rule actions (V3.1.1). @public */
export type TrafficRuleAction =
  | 'DROP'
  | 'FORWARD_DECAPSULATED'
  | 'FORWARD_ENCAPSULATED'
  | 'PASSTHROUGH'
  | 'DUPLICATE_DECAPSULATED'
  | 'DUPLICATE_ENCAPSULATED';

/** Matching criteria of a traffic rule. @public */
export interface TrafficFilter {
  srcAddress?: string[];
  dstAddress?: string[];
  srcPort?: string[];
  dstPort?: string[];
  protocol?: string[];
  tag?: string[];
  uri?: string[];
  packetLabel?: string[];
  srcTunnelAddress?: string[];
  tgtTunnelAddress?: string[];
  srcTunnelPort?: string[];
  dstTunnelPort?: string[];
  qCI?: number;
  dSCP?: number;
  tC?: number;
}

/** Tunnel of a TUNNEL interface. @public */
export interface TunnelInfo {
  tunnelType: 'GTP-U' | 'GRE';
  tunnelDstAddress: string;
  tunnelSrcAddress: string;
  tunnelSpecificData?: unknown;
}

/** Destination interface of a traffic rule. @public */
export interface InterfaceDescriptor {
  interfaceType: 'TUNNEL' | 'MAC' | 'IP';
  tunnelInfo?: TunnelInfo;
  srcMACAddress?: string;
  dstMACAddress?: string;
  dstIPAddress?: string;
}

/** A traffic rule the application needs. @public */
export interface TrafficRuleDescriptor {
  trafficRuleId: string;
  filterType: TrafficRuleFilterType;
  /** 0..255, 0 is the highest priority. */
  priority: number;
  trafficFilter: TrafficFilter[];
  action: TrafficRuleAction;
  /** First: client side; second: core side (DUPLICATE_* only). */
  dstInterface?: InterfaceDescriptor[];
}

/** A DNS rule the application needs. @public */
export interface DNSRuleDescriptor {
  dnsRuleId: string;
  domainName: string;
  ipAddressType: 'IP_V6' | 'IP_V4';
  ipAddress: string;
  ttl?: number;
}

/** Maximum tolerated latency. @public */
export interface LatencyDescriptor {
  /** One-way end-to-end latency in nanoseconds. */
  maxLatency: number;
}

/** Termination configuration (NFV-IFA 011 7.1.5.7). @public */
export interface TerminateAppInstanceOpConfig {
  minGracefulTerminationTimeout?: number;
  maxRecommendedGracefulTerminationTimeout?: number;
  parameters?: AppDKeyValuePairs;
  [extra: string]: unknown;
}

/** Operate (start/stop) configuration (NFV-IFA 011 7.1.5.8). @public */
export interface ChangeAppInstanceStateOpConfig {
  minGracefulStopTimeout?: number;
  maxRecommendedGracefulStopTimeout?: number;
  parameters?: AppDKeyValuePairs;
  [extra: string]: unknown;
}

/** Whether the application keeps user context and can transfer it. @public */
export interface UserContextTransferCapability {
  statefulApplication: boolean;
  /** Present only when `statefulApplication` is true. */
  userContextTransferSupport?: boolean;
}

/** Networks the application's traffic may be steered to. @public */
export interface AppNetworkPolicy {
  steeredNetwork: {
    cellularNetwork?: boolean;
    'wi-fiNetwork'?: boolean;
    fixedAccessNetwork?: boolean;
  };
}

/**
 * Name and type of the MCIO realising the application (NFV-SOL 001
 * 6.2.75.2), e.g. a Kubernetes Deployment.
 * @public
 */
export interface McioIdentificationData {
  name: string;
  type: string;
  [extra: string]: unknown;
}

/** Logical node (NUMA-like) requirements (NFV-IFA 011 7.1.9.6.2). @public */
export interface LogicalNodeRequirements {
  id: string;
  logicalNodeRequirementDetail?: AppDKeyValuePairs[];
  [extra: string]: unknown;
}

/** An additional capability such as an accelerator (NFV-IFA 011 7.1.9.5.2). @public */
export interface RequestedAdditionalCapabilityData {
  requestedAdditionalCapabilityName: string;
  supportMandatory: boolean;
  minRequestedAdditionalCapabilityVersion?: string;
  preferredRequestedAdditionalCapabilityVersion?: string;
  targetPerformanceParameters?: AppDKeyValuePairs;
  [extra: string]: unknown;
}

/** Placement constraints the MCIO may carry. @public */
export type McioConstraintParam =
  | 'localAffinityCisNode'
  | 'nodeAdditionalCapabilitySsd'
  | 'nodeAdditionalCapabilityDpdk'
  | 'nodeAdditionalCapabilitySriov'
  | 'nodeAdditionalCapabilityGpu'
  | 'nodeAdditionalCapabilityFpga'
  | 'nodeAdditionalCapabilityCpuPin'
  | 'nodeCapabilityLogicalNuma'
  | 'nodePool';

/**
 * Application descriptor (ETSI GS MEC 010-2 V3.1.1 clause 6.2.1).
 * @public
 */
export interface AppD {
  /** Globally unique; also identifies the package that contains the AppD. */
  appDId: string;
  appName: string;
  appProvider: string;
  appSoftVersion: string;
  appDVersion: string;
  /**
   * Comma-separated list of compatible MEC 010-2 versions (`x.y.z`). The
   * v2.1.1 array form is normalised to this on input.
   */
  mecVersion: string;
  appInfoName?: string;
  appDescription: string;
  virtualComputeDescriptor?: VirtualComputeDescriptor;
  osContainerDescriptor?: OsContainerDescriptor[];
  swImageDescriptor: SwImageDescriptor[];
  virtualStorageDescriptor?: VirtualStorageDescriptor[];
  appExtCpd?: AppExternalCpd[];
  appServiceRequired?: ServiceDependency[];
  appServiceOptional?: ServiceDependency[];
  appServiceProduced?: ServiceDescriptor[];
  appFeatureRequired?: FeatureDependency[];
  appFeatureOptional?: FeatureDependency[];
  transportDependencies?: TransportDependency[];
  appTrafficRule?: TrafficRuleDescriptor[];
  appDNSRule?: DNSRuleDescriptor[];
  appLatency?: LatencyDescriptor;
  terminateAppInstanceOpConfig?: TerminateAppInstanceOpConfig;
  changeAppInstanceStateOpConfig?: ChangeAppInstanceStateOpConfig;
  userContextTransferCapability?: UserContextTransferCapability;
  appNetworkPolicy?: AppNetworkPolicy;
  /** Identifies the MCIOP (e.g. the Helm chart) in the package. */
  mciopId?: string;
  mcioIdentificationData?: McioIdentificationData;
  logicalNode?: LogicalNodeRequirements[];
  requestAdditionalCapabilities?: RequestedAdditionalCapabilityData[];
  mcioConstraintParams?: McioConstraintParam[];
}

/**
 * The MEC versions an AppD declares, as a list (what `AppPkgInfo.mecInfo`
 * carries).
 * @public
 */
export function appDMecVersions(appd: Pick<AppD, 'mecVersion'>): string[] {
  return appd.mecVersion
    .split(',')
    .map(v => v.trim())
    .filter(v => v.length > 0);
}
