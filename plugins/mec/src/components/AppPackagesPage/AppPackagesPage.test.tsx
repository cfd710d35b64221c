import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
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
  const api = mockMecApi({ listAppPackages: list });
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

  it('explains the delete rule instead of calling the MEO', async () => {
    const deleteAppPackage = jest.fn();
    await renderInTestApp(<AppPackagesPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listAppPackages: async () => [videoAnalytics],
            deleteAppPackage,
          }),
        ],
      ] as const,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Delete video-analytics' }),
    );
    expect(
      await screen.findByText(/only when it is DISABLED and NOT_IN_USE/),
    ).toBeInTheDocument();
    expect(deleteAppPackage).not.toHaveBeenCalled();
  });

  it('disables a package and shows a refusal detail', async () => {
    const setAppPackageState = jest.fn(async () => {
      throw new Error('Package is in use by a running operation');
    });
    await renderInTestApp(<AppPackagesPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listAppPackages: async () => [videoAnalytics],
            setAppPackageState,
          }),
        ],
      ] as const,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Disable video-analytics' }),
    );
    await waitFor(() =>
      expect(setAppPackageState).toHaveBeenCalledWith('pkg-1', 'DISABLED'),
    );
    expect(
      await screen.findByText('Package is in use by a running operation'),
    ).toBeInTheDocument();
  });

  it('filters by search', async () => {
    await renderInTestApp(
      <AppPackagesPage />,
      withPackages(async () => [
        videoAnalytics,
        {
          ...videoAnalytics,
          id: 'pkg-2',
          appDId: 'appd-location',
          appName: 'location-service',
        },
      ]),
    );
    expect(await screen.findByText('location-service')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Search packages'), {
      target: { value: 'video' },
    });
    expect(screen.queryByText('location-service')).not.toBeInTheDocument();
    expect(screen.getByText('video-analytics')).toBeInTheDocument();
  });
});
