import { PackageContentError } from './PackageContentError';
import { validateAppD } from './validateAppD';
import { validAppD } from './__testUtils__/archives';

function problemsOf(input: unknown): string[] {
  try {
    validateAppD(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PackageContentError);
    expect((error as PackageContentError).kind).toBe('appd');
    return (error as PackageContentError).problems;
  }
  throw new Error('expected the AppD to be rejected');
}

const fullAppD = {
  ...validAppD,
  appInfoName: 'Demo',
  mecVersion: '3.1.1, 2.1.1',
  osContainerDescriptor: [
    {
      osContainerDescId: 'demo',
      name: 'demo',
      description: 'the demo container',
      requestedCpuResources: 500,
      requestedMemoryResources: 512,
      swImageDescriptor: 'demo',
    },
  ],
  appExtCpd: [{ cpdId: 'http', layerProtocol: ['IP_OVER_ETHERNET'] }],
  appServiceRequired: [
    {
      serName: 'location',
      version: '2.2.1',
      serTransportDependencies: [
        {
          transport: {
            name: 'REST',
            type: 'REST_HTTP',
            protocol: 'HTTP',
            version: '2.0',
            security: {},
          },
          serializers: ['JSON'],
          labels: ['rest'],
        },
      ],
    },
  ],
  appServiceProduced: [
    {
      serName: 'demo',
      version: '1.0',
      transportsSupported: [
        {
          transport: {
            name: 'REST',
            type: 'REST_HTTP',
            protocol: 'HTTP',
            version: '1.1',
          },
          serializers: ['JSON'],
        },
      ],
    },
  ],
  appFeatureRequired: [{ featureName: 'UserApps', version: '1.0' }],
  appTrafficRule: [
    {
      trafficRuleId: 'tr1',
      filterType: 'FLOW',
      priority: 0,
      trafficFilter: [{ dstAddress: ['10.0.0.0/24'], dstPort: [8080] }],
      action: 'FORWARD_DECAPSULATED',
      dstInterface: [
        {
          interfaceType: 'TUNNEL',
          tunnelInfo: {
            tunnelType: 'GTP-U',
            tunnelDstAddress: '10.0.0.1',
            tunnelSrcAddress: '10.0.0.2',
          },
        },
      ],
    },
  ],
  appDNSRule: [
    {
      dnsRuleId: 'dns1',
      domainName: 'demo.mec.example',
      ipAddressType: 'IP_V4',
      ipAddress: '10.0.0.5',
      ttl: 300,
    },
  ],
  appLatency: { maxLatency: 5000000 },
  terminateAppInstanceOpConfig: { minGracefulTerminationTimeout: 10 },
  changeAppInstanceStateOpConfig: { minGracefulStopTimeout: 10 },
  userContextTransferCapability: {
    statefulApplication: true,
    userContextTransferSupport: false,
  },
  appNetworkPolicy: { steeredNetwork: { cellularNetwork: true } },
  mciopId: 'demo-0.1.0',
  mcioIdentificationData: { name: 'demo', type: 'Deployment' },
  mcioConstraintParams: ['nodePool'],
};

describe('validateAppD', () => {
  it('accepts a minimal AppD', () => {
    expect(validateAppD(validAppD)).toEqual(validAppD);
  });

  it('accepts an AppD using every V3.1.1 attribute family', () => {
    const appd = validateAppD(fullAppD);
    expect(appd.mecVersion).toBe('3.1.1,2.1.1');
    // Integer ports become the ETSI String type.
    expect(appd.appTrafficRule![0].trafficFilter[0].dstPort).toEqual(['8080']);
    // The input is not modified.
    expect(fullAppD.appTrafficRule[0].trafficFilter[0].dstPort).toEqual([8080]);
  });

  it('normalises the v2.1.1 forms of mecVersion, swImageDescriptor and actions', () => {
    const appd = validateAppD({
      ...validAppD,
      mecVersion: ['2.1.1', '3.1.1'],
      swImageDescriptor: { id: 'demo' },
      appTrafficRule: [
        {
          trafficRuleId: 'dup',
          filterType: 'PACKET',
          priority: 255,
          trafficFilter: [{}],
          action: 'DUPLICATED_DECAPSULATED',
        },
      ],
    });
    expect(appd.mecVersion).toBe('2.1.1,3.1.1');
    expect(appd.swImageDescriptor).toEqual([{ id: 'demo' }]);
    expect(appd.appTrafficRule![0].action).toBe('DUPLICATE_DECAPSULATED');
  });

  it('names misspelt and unknown attributes, with suggestions', () => {
    const problems = problemsOf({
      ...validAppD,
      appProvder: 'ACME',
      trafficRuleDescriptor: [],
      appdnsrule: [],
      colour: 'blue',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'appProvder is not an ETSI MEC 010-2 AppD attribute (did you mean "appProvider"?)',
        'trafficRuleDescriptor is not an ETSI MEC 010-2 AppD attribute (did you mean "appTrafficRule"?)',
        'appdnsrule is not an ETSI MEC 010-2 AppD attribute (did you mean "appDNSRule"?)',
        'colour is not an ETSI MEC 010-2 AppD attribute',
      ]),
    );
  });

  it('lists every problem with its path: bad enums, ranges and types', () => {
    const problems = problemsOf({
      ...validAppD,
      appTrafficRule: [
        {
          trafficRuleId: 'tr1',
          filterType: 'STREAM',
          priority: 300,
          trafficFilter: [{ dstAdress: ['10.0.0.1'], dSCP: 64 }],
          action: 'FORWARD',
          dstInterface: [{ interfaceType: 'ETH' }],
        },
      ],
      appDNSRule: [
        {
          dnsRuleId: 'd',
          domainName: 'x',
          ipAddressType: 'IPV4',
          ipAddress: 1,
        },
      ],
      appLatency: { maxLatency: -1 },
      appServiceProduced: [
        {
          serName: 's',
          version: '1',
          transportsSupported: [
            {
              transport: {
                name: 'REST',
                type: 'HTTP',
                protocol: 'HTTP',
                version: '1',
              },
              serializers: ['YAML'],
            },
          ],
        },
      ],
      mcioConstraintParams: ['gpu'],
    });
    expect(problems).toEqual([
      'appServiceProduced[0].transportsSupported[0].transport.type must be one of REST_HTTP, MB_TOPIC_BASED, MB_ROUTING, MB_PUBSUB, RPC, RPC_STREAMING, WEBSOCKET (got "HTTP")',
      'appServiceProduced[0].transportsSupported[0].serializers[0] must be one of JSON, XML, PROTOBUF3 (got "YAML")',
      'appTrafficRule[0].filterType must be one of FLOW, PACKET (got "STREAM")',
      'appTrafficRule[0].priority must be an integer 0..255 (got number 300)',
      'appTrafficRule[0].trafficFilter[0].dstAdress is not an ETSI MEC 010-2 AppD attribute (did you mean "dstAddress"?)',
      'appTrafficRule[0].trafficFilter[0].dSCP must be an integer 0..63 (got number 64)',
      'appTrafficRule[0].action must be one of DROP, FORWARD_DECAPSULATED, FORWARD_ENCAPSULATED, PASSTHROUGH, DUPLICATE_DECAPSULATED, DUPLICATE_ENCAPSULATED (got "FORWARD")',
      'appTrafficRule[0].dstInterface[0].interfaceType must be one of TUNNEL, MAC, IP (got "ETH")',
      'appDNSRule[0].ipAddressType must be one of IP_V6, IP_V4 (got "IPV4")',
      'appDNSRule[0].ipAddress must be a string, not number 1 (quote it in YAML: "1")',
      'appLatency.maxLatency must be an integer 0..4294967295 (got number -1)',
      'mcioConstraintParams[0] must be one of localAffinityCisNode, nodeAdditionalCapabilitySsd, nodeAdditionalCapabilityDpdk, nodeAdditionalCapabilitySriov, nodeAdditionalCapabilityGpu, nodeAdditionalCapabilityFpga, nodeAdditionalCapabilityCpuPin, nodeCapabilityLogicalNuma, nodePool (got "gpu")',
    ]);
  });

  it('requires the mandatory attributes', () => {
    const problems = problemsOf({});
    expect(problems).toEqual([
      'appDId is required',
      'appName is required',
      'appProvider is required',
      'appSoftVersion is required',
      'appDVersion is required',
      'appDescription is required',
      'mecVersion is required (comma-separated MEC versions, e.g. "3.1.1")',
      'swImageDescriptor is required: list at least one software image (for a Helm chart, its container images)',
    ]);
  });

  it('requires 1..N lists but lets serializers default to JSON', () => {
    const transport = {
      name: 'REST',
      type: 'REST_HTTP',
      protocol: 'HTTP',
      version: '1.1',
    };
    expect(
      problemsOf({
        ...validAppD,
        transportDependencies: [{ transport }],
        appServiceProduced: [
          { serName: 's', version: '1', transportsSupported: [{ transport }] },
        ],
        appTrafficRule: [
          {
            trafficRuleId: 't',
            filterType: 'FLOW',
            priority: 1,
            action: 'DROP',
          },
        ],
      }),
    ).toEqual([
      'transportDependencies[0].labels is required',
      'appTrafficRule[0].trafficFilter is required',
    ]);
  });

  it('explains YAML numbers where strings are required', () => {
    expect(problemsOf({ ...validAppD, appDVersion: 1 })).toEqual([
      'appDVersion must be a string, not number 1 (quote it in YAML: "1")',
    ]);
  });

  it('rejects invalid MEC versions and empty image lists', () => {
    expect(
      problemsOf({ ...validAppD, mecVersion: '3.1', swImageDescriptor: [] }),
    ).toEqual([
      'mecVersion must list versions of the form x.y.z (invalid: "3.1")',
      'swImageDescriptor must have at least 1 entry',
    ]);
  });

  it('refuses both a VM and OS containers, and VM-incompatible attributes', () => {
    const problems = problemsOf({
      ...validAppD,
      virtualComputeDescriptor: {
        virtualCpu: { numVirtualCpu: 0 },
        virtualMemory: { virtualMemSize: 512 },
      },
      osContainerDescriptor: [{ osContainerDescId: 'c', name: 'c' }],
      logicalNode: [{ id: 'numa0' }],
    });
    expect(problems).toEqual([
      'virtualComputeDescriptor and osContainerDescriptor must not both be present (a MEC application is either one VM or a set of OS containers)',
      'virtualComputeDescriptor.virtualCpu.numVirtualCpu must be an integer >= 1 (got number 0)',
      'logicalNode must not be used together with virtualComputeDescriptor',
    ]);
  });

  it('checks the traffic rule interface count and the context transfer rule', () => {
    const problems = problemsOf({
      ...validAppD,
      appTrafficRule: [
        {
          trafficRuleId: 'd',
          filterType: 'FLOW',
          priority: 1,
          trafficFilter: [],
          action: 'DROP',
          dstInterface: [{ interfaceType: 'IP' }],
        },
      ],
      userContextTransferCapability: {
        statefulApplication: false,
        userContextTransferSupport: true,
      },
    });
    expect(problems).toEqual([
      'appTrafficRule[0].trafficFilter must have at least 1 entry',
      'appTrafficRule[0].dstInterface must be absent when action is DROP',
      'userContextTransferCapability.userContextTransferSupport must be absent when statefulApplication is false',
    ]);
  });

  it('puts all problems in one operator-readable detail', () => {
    expect(() =>
      validateAppD(
        { ...validAppD, appName: '', appLatency: 5 },
        'The AppD "x.yaml"',
      ),
    ).toThrow(
      expect.objectContaining({
        title: 'Invalid application descriptor',
        detail:
          'The AppD "x.yaml" has 2 problems: appName must not be empty; appLatency must be an object, not number 5.',
      }),
    );
  });

  it('rejects something that is not an object', () => {
    expect(() => validateAppD(['a'])).toThrow(
      'must be an object (a YAML mapping or JSON object), not a list',
    );
  });
});
