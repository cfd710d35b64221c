import { NotFoundError } from '@backstage/errors';
import type { HostDirectory, PlacementHost } from '../../hosts/HostDirectory';
import type { AppPackageService } from '../../packages/AppPackageService';
import type { AppPackage, AppPackageContent } from '../../packages/model';

const MiB = 2 ** 20;

/** Two healthy hosts in two zones; edge-a has more free CPU. */
export function exampleHosts(): PlacementHost[] {
  return [
    {
      name: 'edge-a',
      labels: { zone: 'zone-a', countryCode: 'FI' },
      healthy: true,
      freeCpuMillis: 4000,
      freeMemoryBytes: 4096 * MiB,
    },
    {
      name: 'edge-b',
      labels: { zone: 'zone-b', countryCode: 'SE' },
      healthy: true,
      freeCpuMillis: 2000,
      freeMemoryBytes: 4096 * MiB,
    },
  ];
}

/** A directory over a host list the test may change. */
export function createHostDirectory(hosts: PlacementHost[]): HostDirectory {
  return {
    listPlacementHosts: async () => hosts,
    namespaceFor: async hostName => `mec-apps-${hostName}`,
    connection: async name => ({
      name,
      server: `https://${name}.example.test:6443`,
      credential: { type: 'serviceAccountToken', token: 'not-a-secret' },
    }),
    driverOf: async () => 'in-memory',
  };
}

export type FakePackages = Pick<
  AppPackageService,
  'getAppPackage' | 'markUsage' | 'getChartArchive' | 'getOnboardedContent'
> & { pkg: AppPackage };

/** One onboarded, ENABLED package asking for 1 vCPU and 128 MiB. */
export function createFakePackages(): FakePackages {
  const now = new Date();
  const pkg: AppPackage = {
    id: 'pkg-1',
    appPkgName: 'location-service',
    appPkgVersion: '0.1.0',
    appDId: 'appd-location',
    appName: 'location-service',
    appProvider: 'example',
    appSoftwareVersion: '1.0.0',
    appDVersion: '3.1.1',
    checksum: { algorithm: 'SHA-256', hash: '00' },
    onboardingState: 'ONBOARDED',
    operationalState: 'ENABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: [],
    appd: {
      virtualComputeDescriptor: {
        virtualCpu: { numVirtualCpu: 1 },
        virtualMemory: { virtualMemSize: 128 },
      },
    },
    chartName: 'location-service',
    chartVersion: '0.1.0',
    createdAt: now,
    updatedAt: now,
  };
  const getAppPackage: FakePackages['getAppPackage'] = async ref => {
    if ('appPkgId' in ref ? ref.appPkgId === pkg.id : ref.appDId === pkg.appDId)
      return pkg;
    throw new NotFoundError('No such package');
  };
  return {
    pkg,
    getAppPackage,
    markUsage: async (_id, inUse) => {
      pkg.usageState = inUse ? 'IN_USE' : 'NOT_IN_USE';
    },
    getChartArchive: async () => Buffer.from('chart archive'),
    getOnboardedContent: async ref => ({
      record: await getAppPackage(ref),
      content: {} as AppPackageContent,
    }),
  };
}
