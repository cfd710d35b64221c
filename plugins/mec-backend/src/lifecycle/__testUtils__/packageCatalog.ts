import { NotFoundError } from '@backstage/errors';
import type { FakePackages } from '../../granting/__testUtils__/fakes';
import type { AppPackage, AppPackageContent } from '../../packages/model';

/** An onboarded, ENABLED package of the example video-analytics application. */
export function videoAnalytics(
  id: string,
  chartVersion: string,
  appSoftwareVersion: string,
  archive: Buffer,
): AppPackage & { archive: Buffer } {
  const now = new Date();
  return {
    id,
    appPkgName: 'video-analytics',
    appPkgVersion: chartVersion,
    appDId: `appd-${id}`,
    appName: 'video-analytics',
    appProvider: 'HelmMEC Examples',
    appSoftwareVersion,
    appDVersion: '1.0',
    checksum: { algorithm: 'SHA-256', hash: '00' },
    onboardingState: 'ONBOARDED',
    operationalState: 'ENABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: [],
    appd: {
      virtualComputeDescriptor: {
        virtualCpu: { numVirtualCpu: 0.1 },
        virtualMemory: { virtualMemSize: 64 },
      },
    },
    chartName: 'video-analytics',
    chartVersion,
    createdAt: now,
    updatedAt: now,
    archive,
  };
}

/** Packages kept in memory, with the charts they onboarded. */
export function packageCatalog(list: Array<AppPackage & { archive: Buffer }>) {
  const find = (ref: { appPkgId: string } | { appDId: string }) => {
    const found = list.find(p =>
      'appPkgId' in ref ? p.id === ref.appPkgId : p.appDId === ref.appDId,
    );
    if (!found) throw new NotFoundError('No such package');
    return found;
  };
  const packages: FakePackages & {
    listAppPackages: () => Promise<AppPackage[]>;
  } = {
    pkg: list[0],
    getAppPackage: async ref => find(ref),
    markUsage: async (id, inUse) => {
      find({ appPkgId: id }).usageState = inUse ? 'IN_USE' : 'NOT_IN_USE';
    },
    getChartArchive: async id => find({ appPkgId: id }).archive,
    getOnboardedContent: async ref => ({
      record: find(ref),
      content: {} as AppPackageContent,
    }),
    listAppPackages: async () => list,
  };
  return packages;
}
