import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  AppInstanceInfo,
  AppInstanceRevision,
  AppPkgInfo,
} from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { AppInstancePage } from './AppInstancePage';
import { compareVersions } from './useUpgradeTargets';

// Rendering the whole page is slow on a busy machine.
jest.setTimeout(60_000);

const instance: AppInstanceInfo = {
  id: 'inst-1',
  appInstanceName: 'va-1',
  appDId: 'appd-010',
  appProvider: 'HelmMEC Examples',
  appName: 'video-analytics',
  appSoftVersion: '2.4.1',
  appDVersion: '1.0',
  appPkgId: 'pkg-010',
  instantiationState: 'INSTANTIATED',
  instantiatedAppState: { operationalState: 'STARTED' },
  edgeHost: { name: 'edge-1', namespace: 'mec-apps' },
  _links: { self: { href: 'http://x/app_instances/inst-1' } },
};

function pkg(id: string, version: string): AppPkgInfo {
  return {
    id,
    appDId: `appd-${id}`,
    appName: 'video-analytics',
    appProvider: 'HelmMEC Examples',
    appSoftwareVersion: version,
    appDVersion: '1.0',
    onboardingState: 'ONBOARDED',
    operationalState: 'ENABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: [],
    _links: {
      self: { href: `http://x/app_packages/${id}` },
      appD: { href: `http://x/app_packages/${id}/appd` },
      appPkgContent: { href: `http://x/app_packages/${id}/package_content` },
    },
  };
}

const revisions: AppInstanceRevision[] = [
  {
    revision: 1,
    chartName: 'video-analytics',
    chartVersion: '0.1.0',
    appVersion: '2.4.1',
    status: 'deployed',
    updated: { seconds: 1_700_000_000, nanoSeconds: 0 },
    description: 'Install complete',
    appDId: 'appd-010',
    appSoftVersion: '2.4.1',
  },
];

describe('upgrading an instance', () => {
  it('offers the newest onboarded version, starts change_app_pkg and shows the revisions', async () => {
    const listAppPackages = jest.fn(async () => [
      pkg('pkg-010', '2.4.1'),
      pkg('pkg-110', '2.5.0'),
      pkg('pkg-100', '2.4.9'),
    ]);
    const changeAppPkg = jest.fn(async () => 'occ-2');
    await renderInTestApp(<AppInstancePage />, {
      mountPath: '/mec/instances/:appInstanceId',
      initialRouteEntries: ['/mec/instances/inst-1'],
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getAppInstance: async () => instance,
            listOpOccs: async () => [],
            listAppPackages,
            listRevisions: async () => revisions,
            changeAppPkg,
          }),
        ],
      ] as const,
    });
    // Loads after the instance; a busy machine may take more than the
    // default second (a bound on waiting, not a speed check).
    const history = await screen.findByRole(
      'table',
      { name: 'Revision history' },
      { timeout: 15_000 },
    );
    expect(within(history).getByText('video-analytics-0.1.0')).toBeTruthy();
    expect(within(history).getByText('Install complete')).toBeTruthy();
    expect(listAppPackages).toHaveBeenCalledWith({
      filter:
        "(eq,appName,'video-analytics');(eq,appProvider,'HelmMEC Examples');(eq,onboardingState,'ONBOARDED');(eq,operationalState,'ENABLED')",
    });

    fireEvent.click(
      await screen.findByRole(
        'button',
        { name: 'Upgrade to 2.5.0' },
        { timeout: 15_000 },
      ),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(
      within(dialog).getByLabelText('Helm values (JSON, optional)'),
      { target: { value: '{"replicaCount": 1}' } },
    );
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Upgrade to 2.5.0' }),
    );
    await waitFor(() =>
      expect(changeAppPkg).toHaveBeenCalledWith('inst-1', {
        appDId: 'appd-pkg-110',
        additionalParams: { replicaCount: 1 },
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('offers no upgrade when no other version is onboarded', async () => {
    await renderInTestApp(<AppInstancePage />, {
      mountPath: '/mec/instances/:appInstanceId',
      initialRouteEntries: ['/mec/instances/inst-1'],
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getAppInstance: async () => instance,
            listOpOccs: async () => [],
            listAppPackages: async () => [pkg('pkg-010', '2.4.1')],
            listRevisions: async () => revisions,
          }),
        ],
      ] as const,
    });
    await screen.findByRole(
      'table',
      { name: 'Revision history' },
      { timeout: 15_000 },
    );
    expect(screen.queryByRole('button', { name: /Upgrade to/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Change version' })).toBeNull();
  });
});

describe('compareVersions', () => {
  it('orders numerically, a release after its pre-releases', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBe(1);
    expect(compareVersions('2.5.0', '2.5.0')).toBe(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('v1.2', '1.1.9')).toBe(1);
  });
});
