import { AppD } from '@helmmec/plugin-mec-common';
import { PackageContentError } from './PackageContentError';
import { AppDChecker, closest, describe, isObj, join } from './AppDChecker';

type Obj = Record<string, unknown>;

/** Top-level AppD attributes of ETSI GS MEC 010-2 V3.1.1 clause 6.2.1. */
export const APPD_ATTRIBUTES = [
  'appDId',
  'appName',
  'appProvider',
  'appSoftVersion',
  'appDVersion',
  'mecVersion',
  'appInfoName',
  'appDescription',
  'virtualComputeDescriptor',
  'osContainerDescriptor',
  'swImageDescriptor',
  'virtualStorageDescriptor',
  'appExtCpd',
  'appServiceRequired',
  'appServiceOptional',
  'appServiceProduced',
  'appFeatureRequired',
  'appFeatureOptional',
  'transportDependencies',
  'appTrafficRule',
  'appDNSRule',
  'appLatency',
  'terminateAppInstanceOpConfig',
  'changeAppInstanceStateOpConfig',
  'userContextTransferCapability',
  'appNetworkPolicy',
  'mciopId',
  'mcioIdentificationData',
  'logicalNode',
  'requestAdditionalCapabilities',
  'mcioConstraintParams',
] as const;

// Names people write from memory of other specs (MEC 011, v1 AppDs).
const KNOWN_MISNAMES: Record<string, string> = {
  trafficRuleDescriptor: 'appTrafficRule',
  trafficRules: 'appTrafficRule',
  appTrafficRules: 'appTrafficRule',
  dnsRuleDescriptor: 'appDNSRule',
  dnsRules: 'appDNSRule',
  appDnsRule: 'appDNSRule',
  appSoftwareVersion: 'appSoftVersion',
  appDescriptorVersion: 'appDVersion',
  appDescriptorId: 'appDId',
};

const TRAFFIC_ACTIONS = [
  'DROP',
  'FORWARD_DECAPSULATED',
  'FORWARD_ENCAPSULATED',
  'PASSTHROUGH',
  'DUPLICATE_DECAPSULATED',
  'DUPLICATE_ENCAPSULATED',
];
// v2.1.1 OAS spelling slip, normalised on input.
const LEGACY_TRAFFIC_ACTIONS: Record<string, string> = {
  DUPLICATED_DECAPSULATED: 'DUPLICATE_DECAPSULATED',
};
const SERIALIZERS = ['JSON', 'XML', 'PROTOBUF3'];
const TRANSPORT_TYPES = [
  'REST_HTTP',
  'MB_TOPIC_BASED',
  'MB_ROUTING',
  'MB_PUBSUB',
  'RPC',
  'RPC_STREAMING',
  'WEBSOCKET',
];
const MCIO_CONSTRAINT_PARAMS = [
  'localAffinityCisNode',
  'nodeAdditionalCapabilitySsd',
  'nodeAdditionalCapabilityDpdk',
  'nodeAdditionalCapabilitySriov',
  'nodeAdditionalCapabilityGpu',
  'nodeAdditionalCapabilityFpga',
  'nodeAdditionalCapabilityCpuPin',
  'nodeCapabilityLogicalNuma',
  'nodePool',
];
const TRAFFIC_FILTER_STRING_LISTS = [
  'srcAddress',
  'dstAddress',
  'srcPort',
  'dstPort',
  'protocol',
  'tag',
  'uri',
  'packetLabel',
  'srcTunnelAddress',
  'tgtTunnelAddress',
  'srcTunnelPort',
  'dstTunnelPort',
];
const UINT32_MAX = 4294967295;

/**
 * Validates an application descriptor against ETSI GS MEC 010-2 V3.1.1
 * clause 6.2.1 and returns it normalised (`mecVersion` as a comma-separated
 * string, legacy enum spellings corrected, a single `swImageDescriptor`
 * object wrapped in an array).
 *
 * Types that MEC 010-2 only defines by reference to NFV-IFA 011 are checked
 * for the attributes HelmMEC uses and otherwise left open; types MEC 010-2
 * defines itself reject unknown attributes, so misspellings surface.
 *
 * @param source - names the AppD in messages, e.g. the file path.
 * @throws PackageContentError of kind `appd` listing every problem.
 */
export function validateAppD(input: unknown, source = 'The AppD'): AppD {
  const c = new AppDChecker();
  if (!isObj(input)) {
    throw new PackageContentError({
      kind: 'appd',
      title: 'Invalid application descriptor',
      detail: `${source} must be an object (a YAML mapping or JSON object), not ${describe(
        input,
      )}.`,
    });
  }
  const appd: Obj = structuredClone(input);

  c.unknown(appd, APPD_ATTRIBUTES, '', suggestAttribute);
  for (const key of [
    'appDId',
    'appName',
    'appProvider',
    'appSoftVersion',
    'appDVersion',
    'appDescription',
  ]) {
    c.string(appd, key, '', true);
  }
  c.string(appd, 'appInfoName', '', false);
  c.string(appd, 'mciopId', '', false);
  normaliseMecVersion(appd, c);

  const hasVcd = appd.virtualComputeDescriptor !== undefined;
  const hasOsc = appd.osContainerDescriptor !== undefined;
  // V3.1.1 wants exactly one of the two. The v2.1.1 OAS has only (and
  // requires) virtualComputeDescriptor, while container AppDs in the wild
  // often state resources in the chart alone, so we accept none but refuse
  // both, which would leave the resource model ambiguous.
  if (hasVcd && hasOsc) {
    c.problem(
      'virtualComputeDescriptor',
      'and osContainerDescriptor must not both be present (a MEC application is either one VM or a set of OS containers)',
    );
  }
  c.object(appd, 'virtualComputeDescriptor', '', false, checkVirtualCompute);
  c.array(appd, 'osContainerDescriptor', '', 0, checkOsContainer);

  // v2.1.1 models swImageDescriptor as a single object.
  if (isObj(appd.swImageDescriptor)) {
    appd.swImageDescriptor = [appd.swImageDescriptor];
  }
  if (appd.swImageDescriptor === undefined) {
    c.problem(
      'swImageDescriptor',
      'is required: list at least one software image (for a Helm chart, its container images)',
    );
  } else {
    c.array(appd, 'swImageDescriptor', '', 1, checkSwImage);
    const images = appd.swImageDescriptor;
    if (hasVcd && Array.isArray(images) && images.length > 1) {
      c.problem(
        'swImageDescriptor',
        'must have exactly one entry when virtualComputeDescriptor is used',
      );
    }
  }
  c.array(appd, 'virtualStorageDescriptor', '', 0, c.openObject);
  // V3.1.1 says 1..N, but the v2.1.1 OAS and most real AppDs of
  // containerised apps have none (the chart's Service is the interface).
  c.array(appd, 'appExtCpd', '', 0, c.openObject);
  c.array(appd, 'appServiceRequired', '', 0, checkServiceDependency);
  c.array(appd, 'appServiceOptional', '', 0, checkServiceDependency);
  c.array(appd, 'appServiceProduced', '', 0, checkServiceDescriptor);
  c.array(appd, 'appFeatureRequired', '', 0, checkFeatureDependency);
  c.array(appd, 'appFeatureOptional', '', 0, checkFeatureDependency);
  c.array(appd, 'transportDependencies', '', 0, checkTransportDependency);
  c.array(appd, 'appTrafficRule', '', 0, checkTrafficRule);
  c.array(appd, 'appDNSRule', '', 0, checkDnsRule);
  c.object(appd, 'appLatency', '', false, (o, p) => {
    c.unknown(o, ['maxLatency'], p);
    c.integer(o, 'maxLatency', p, true, 0, UINT32_MAX);
  });
  c.object(appd, 'terminateAppInstanceOpConfig', '', false, (o, p) => {
    c.integer(o, 'minGracefulTerminationTimeout', p, false, 0);
    c.integer(o, 'maxRecommendedGracefulTerminationTimeout', p, false, 0);
    c.object(o, 'parameters', p, false, () => {});
  });
  c.object(appd, 'changeAppInstanceStateOpConfig', '', false, (o, p) => {
    c.integer(o, 'minGracefulStopTimeout', p, false, 0);
    c.integer(o, 'maxRecommendedGracefulStopTimeout', p, false, 0);
    c.object(o, 'parameters', p, false, () => {});
  });
  c.object(appd, 'userContextTransferCapability', '', false, (o, p) => {
    c.unknown(o, ['statefulApplication', 'userContextTransferSupport'], p);
    c.boolean(o, 'statefulApplication', p, true);
    c.boolean(o, 'userContextTransferSupport', p, false);
    if (
      o.statefulApplication === false &&
      o.userContextTransferSupport !== undefined
    ) {
      c.problem(
        join(p, 'userContextTransferSupport'),
        'must be absent when statefulApplication is false',
      );
    }
  });
  c.object(appd, 'appNetworkPolicy', '', false, (o, p) => {
    c.unknown(o, ['steeredNetwork'], p);
    c.object(o, 'steeredNetwork', p, true, (n, np) => {
      const networks = [
        'cellularNetwork',
        'wi-fiNetwork',
        'fixedAccessNetwork',
      ];
      c.unknown(n, networks, np);
      networks.forEach(k => c.boolean(n, k, np, false));
    });
  });
  c.object(appd, 'mcioIdentificationData', '', false, (o, p) => {
    c.string(o, 'name', p, true);
    c.string(o, 'type', p, true);
  });
  c.array(appd, 'logicalNode', '', 0, (o, p) => {
    if (c.openObject(o, p)) c.string(o as Obj, 'id', p, true);
  });
  c.array(appd, 'requestAdditionalCapabilities', '', 0, (o, p) => {
    if (!c.openObject(o, p)) return;
    c.string(o as Obj, 'requestedAdditionalCapabilityName', p, true);
    c.boolean(o as Obj, 'supportMandatory', p, true);
  });
  if (hasVcd) {
    for (const key of ['logicalNode', 'requestAdditionalCapabilities']) {
      if (appd[key] !== undefined) {
        c.problem(
          key,
          'must not be used together with virtualComputeDescriptor',
        );
      }
    }
  }
  c.array(appd, 'mcioConstraintParams', '', 0, (v, p) =>
    c.enumValue(v, p, MCIO_CONSTRAINT_PARAMS),
  );

  if (c.problems.length > 0) {
    const n = c.problems.length;
    throw new PackageContentError({
      kind: 'appd',
      title: 'Invalid application descriptor',
      detail: `${source} has ${n} problem${
        n === 1 ? '' : 's'
      }: ${c.problems.join('; ')}.`,
      problems: c.problems,
    });
  }
  return appd as unknown as AppD;

  function checkVirtualCompute(o: Obj, p: string) {
    c.string(o, 'virtualComputeDescId', p, false);
    c.object(o, 'virtualCpu', p, true, (cpu, cp) => {
      c.integer(cpu, 'numVirtualCpu', cp, true, 1);
      c.string(cpu, 'cpuArchitecture', cp, false);
    });
    c.object(o, 'virtualMemory', p, true, (mem, mp) => {
      c.number(mem, 'virtualMemSize', mp, true, Number.MIN_VALUE);
    });
  }

  function checkOsContainer(v: unknown, p: string) {
    if (!c.openObject(v, p)) return;
    const o = v as Obj;
    c.string(o, 'osContainerDescId', p, true);
    c.string(o, 'name', p, true);
    c.string(o, 'description', p, false);
    for (const k of [
      'requestedCpuResources',
      'requestedMemoryResources',
      'cpuResourceLimit',
      'memoryResourceLimit',
    ]) {
      c.number(o, k, p, false, 0);
    }
    if (o.swImageDescriptor !== undefined && !isObj(o.swImageDescriptor)) {
      c.string(o, 'swImageDescriptor', p, false);
    }
  }

  function checkSwImage(v: unknown, p: string) {
    if (!c.openObject(v, p)) return;
    const o = v as Obj;
    // NFV-IFA 011 makes most attributes mandatory, but container images are
    // referenced by name:tag and their size or digest is often unknown when
    // the AppD is written; we need something to identify the image.
    if (o.id === undefined && o.name === undefined) {
      c.problem(p, 'needs at least an id or a name');
    }
    for (const k of [
      'id',
      'name',
      'version',
      'containerFormat',
      'diskFormat',
      'swImage',
      'operatingSystem',
    ]) {
      c.string(o, k, p, false);
    }
    for (const k of ['minDisk', 'minRam', 'size']) c.number(o, k, p, false, 0);
    c.object(o, 'checksum', p, false, (ck, cp) => {
      c.string(ck, 'algorithm', cp, true);
      c.string(ck, 'hash', cp, true);
    });
  }

  function checkServiceDependency(v: unknown, p: string) {
    if (
      !c.closedObject(v, p, [
        'serName',
        'serCategory',
        'version',
        'serTransportDependencies',
        'requestedPermissions',
      ])
    )
      return;
    const o = v as Obj;
    c.string(o, 'serName', p, true);
    c.string(o, 'version', p, true);
    c.object(o, 'serCategory', p, false, checkCategoryRef);
    c.array(o, 'serTransportDependencies', p, 0, checkTransportDependency);
    c.array(o, 'requestedPermissions', p, 0, () => {});
  }

  function checkServiceDescriptor(v: unknown, p: string) {
    if (
      !c.closedObject(v, p, [
        'serName',
        'serCategory',
        'version',
        'transportsSupported',
      ])
    )
      return;
    const o = v as Obj;
    c.string(o, 'serName', p, true);
    c.string(o, 'version', p, true);
    c.object(o, 'serCategory', p, false, checkCategoryRef);
    c.array(o, 'transportsSupported', p, 0, (t, tp) => {
      if (!c.closedObject(t, tp, ['transport', 'serializers'])) return;
      c.object(t as Obj, 'transport', tp, true, checkTransportDescriptor);
      checkSerializers(t as Obj, tp);
    });
  }

  function checkCategoryRef(o: Obj, p: string) {
    c.unknown(o, ['href', 'id', 'name', 'version'], p);
    for (const k of ['href', 'id', 'name', 'version']) c.string(o, k, p, false);
  }

  function checkFeatureDependency(v: unknown, p: string) {
    if (!c.closedObject(v, p, ['featureName', 'version'])) return;
    c.string(v as Obj, 'featureName', p, true);
    c.string(v as Obj, 'version', p, true);
  }

  function checkTransportDependency(v: unknown, p: string) {
    if (!c.closedObject(v, p, ['transport', 'serializers', 'labels'])) return;
    const o = v as Obj;
    c.object(o, 'transport', p, true, checkTransportDescriptor);
    checkSerializers(o, p);
    c.array(o, 'labels', p, 1, (s, sp) => c.stringValue(s, sp));
  }

  function checkSerializers(o: Obj, p: string) {
    // 1..N in V3.1.1, but clause 6.2.1 says a service defaults to REST with
    // JSON and the v2.1.1 OAS types this part wrongly, so AppDs in the wild
    // omit it: absent means JSON; present must not be empty.
    if (o.serializers === undefined) return;
    c.array(o, 'serializers', p, 1, (s, sp) => c.enumValue(s, sp, SERIALIZERS));
  }

  function checkTransportDescriptor(o: Obj, p: string) {
    c.unknown(
      o,
      [
        'name',
        'description',
        'type',
        'protocol',
        'version',
        'security',
        'implSpecificInfo',
      ],
      p,
    );
    c.string(o, 'name', p, true);
    c.string(o, 'description', p, false);
    c.enumAttribute(o, 'type', p, TRANSPORT_TYPES, true);
    c.string(o, 'protocol', p, true);
    c.string(o, 'version', p, true);
    // MEC 011 SecurityInfo has no mandatory content, so an absent one is
    // the same as {}; accept its absence.
    c.object(o, 'security', p, false, () => {});
  }

  function checkTrafficRule(v: unknown, p: string) {
    if (
      !c.closedObject(v, p, [
        'trafficRuleId',
        'filterType',
        'priority',
        'trafficFilter',
        'action',
        'dstInterface',
      ])
    )
      return;
    const o = v as Obj;
    c.string(o, 'trafficRuleId', p, true);
    c.enumAttribute(o, 'filterType', p, ['FLOW', 'PACKET'], true);
    c.integer(o, 'priority', p, true, 0, 255);
    c.array(o, 'trafficFilter', p, 1, checkTrafficFilter);
    if (typeof o.action === 'string' && LEGACY_TRAFFIC_ACTIONS[o.action]) {
      o.action = LEGACY_TRAFFIC_ACTIONS[o.action];
    }
    c.enumAttribute(o, 'action', p, TRAFFIC_ACTIONS, true);
    c.array(o, 'dstInterface', p, 0, checkInterface);
    const interfaces = Array.isArray(o.dstInterface)
      ? o.dstInterface.length
      : 0;
    if (interfaces > 2) {
      c.problem(join(p, 'dstInterface'), 'must have at most 2 entries');
    }
    if (o.action === 'DROP' && interfaces > 0) {
      c.problem(join(p, 'dstInterface'), 'must be absent when action is DROP');
    }
  }

  function checkTrafficFilter(v: unknown, p: string) {
    if (
      !c.closedObject(v, p, [
        ...TRAFFIC_FILTER_STRING_LISTS,
        'qCI',
        'dSCP',
        'tC',
      ])
    )
      return;
    const o = v as Obj;
    for (const k of TRAFFIC_FILTER_STRING_LISTS) {
      // Ports and protocols are Strings in ETSI but often written as YAML
      // numbers; converting is lossless for integers.
      if (Array.isArray(o[k])) {
        o[k] = (o[k] as unknown[]).map(x =>
          Number.isInteger(x) ? String(x) : x,
        );
      }
      c.array(o, k, p, 0, (s, sp) => c.stringValue(s, sp));
    }
    c.integer(o, 'qCI', p, false, 0, 255);
    c.integer(o, 'dSCP', p, false, 0, 63);
    c.integer(o, 'tC', p, false, 0, 255);
  }

  function checkInterface(v: unknown, p: string) {
    if (
      !c.closedObject(v, p, [
        'interfaceType',
        'tunnelInfo',
        'srcMACAddress',
        'dstMACAddress',
        'dstIPAddress',
      ])
    )
      return;
    const o = v as Obj;
    c.enumAttribute(o, 'interfaceType', p, ['TUNNEL', 'MAC', 'IP'], true);
    for (const k of ['srcMACAddress', 'dstMACAddress', 'dstIPAddress']) {
      c.string(o, k, p, false);
    }
    c.object(o, 'tunnelInfo', p, false, (t, tp) => {
      c.unknown(
        t,
        [
          'tunnelType',
          'tunnelDstAddress',
          'tunnelSrcAddress',
          'tunnelSpecificData',
        ],
        tp,
      );
      c.enumAttribute(t, 'tunnelType', tp, ['GTP-U', 'GRE'], true);
      c.string(t, 'tunnelDstAddress', tp, true);
      c.string(t, 'tunnelSrcAddress', tp, true);
    });
  }

  function checkDnsRule(v: unknown, p: string) {
    if (
      !c.closedObject(v, p, [
        'dnsRuleId',
        'domainName',
        'ipAddressType',
        'ipAddress',
        'ttl',
      ])
    )
      return;
    const o = v as Obj;
    c.string(o, 'dnsRuleId', p, true);
    c.string(o, 'domainName', p, true);
    c.enumAttribute(o, 'ipAddressType', p, ['IP_V6', 'IP_V4'], true);
    c.string(o, 'ipAddress', p, true);
    c.integer(o, 'ttl', p, false, 0, UINT32_MAX);
  }
}

function normaliseMecVersion(appd: Obj, c: AppDChecker) {
  const value = appd.mecVersion;
  let versions: unknown[];
  if (typeof value === 'string') {
    versions = value.split(',').map(v => v.trim());
  } else if (Array.isArray(value)) {
    // v2.1.1 OAS form: an array of version strings.
    versions = value.map(v => (typeof v === 'string' ? v.trim() : v));
  } else {
    c.problem(
      'mecVersion',
      value === undefined
        ? 'is required (comma-separated MEC versions, e.g. "3.1.1")'
        : `must be a comma-separated list of versions such as "3.1.1,2.1.1", not ${describe(
            value,
          )}`,
    );
    return;
  }
  const bad = versions.filter(
    v => typeof v !== 'string' || !/^\d+\.\d+\.\d+$/.test(v),
  );
  if (versions.length === 0 || bad.length > 0) {
    c.problem(
      'mecVersion',
      `must list versions of the form x.y.z${
        bad.length > 0
          ? ` (invalid: ${bad.map(b => JSON.stringify(b)).join(', ')})`
          : ''
      }`,
    );
    return;
  }
  appd.mecVersion = versions.join(',');
}

function suggestAttribute(key: string): string | undefined {
  return KNOWN_MISNAMES[key] ?? closest(key, APPD_ATTRIBUTES);
}
