import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import { screen } from '@testing-library/react';
import { MecApi, mecApiRef } from '../../api/MecApi';
import { AppPackagesPage } from './AppPackagesPage';

const videoAnalytics: AppPkgInfo = {
  id: 'pkg-1',
  appDId: 'appd-video-analytics',
  appProvider: 'HelmMEC examples',
  appName: 'video-analytics',
  appSoftwareVersion: '1.0.0',
  appDVersion: '1.0',
  onboardingState: 'ONBOARDED',
  operationalState: 'ENABLED',
  usageState: 'NOT_IN_USE',
  mecInfo: ['3.1.1'],
  _links: {
    self: { href: 'x' },
    appD: { href: 'x/appd' },
    appPkgContent: { href: 'x/package_content' },
  },
};

function withPackages(list: () => Promise<AppPkgInfo[]>) {
  const api: MecApi = { listAppPackages: list };
  return { apis: [[mecApiRef, api]] as const };
}

describe('AppPackagesPage', () => {
  it('explains what to do when there are no packages', async () => {
    await renderInTestApp(
      <AppPackagesPage />,
      withPackages(async () => []),
    );
    expect(
      await screen.findByText('No MEC application packages yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'MEC application packages' }),
    ).toBeInTheDocument();
  });

  it('lists packages with their states', async () => {
    await renderInTestApp(
      <AppPackagesPage />,
      withPackages(async () => [videoAnalytics]),
    );
    expect(await screen.findByText('video-analytics')).toBeInTheDocument();
    expect(screen.getByText('ONBOARDED')).toBeInTheDocument();
    expect(screen.getByText('ENABLED')).toBeInTheDocument();
    expect(screen.getByText('HelmMEC examples')).toBeInTheDocument();
  });

  it('shows the error when the backend refuses', async () => {
    await renderInTestApp(
      <AppPackagesPage />,
      withPackages(async () => {
        throw new Error('backend unreachable');
      }),
    );
    expect(
      (await screen.findAllByText(/backend unreachable/)).length,
    ).toBeGreaterThan(0);
  });
});
