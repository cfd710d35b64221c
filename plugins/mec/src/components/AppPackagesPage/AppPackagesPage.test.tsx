import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { mecApiRef, MecListQuery } from '../../api/MecApi';
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
  const api = mockMecApi({
    listAppPackagesPage: async () => ({ items: await list() }),
  });
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
            listAppPackagesPage: async () => ({ items: [videoAnalytics] }),
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
            listAppPackagesPage: async () => ({ items: [videoAnalytics] }),
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

  it('asks the backend for the packages the search and state match', async () => {
    const location = {
      ...videoAnalytics,
      id: 'pkg-2',
      appDId: 'appd-location',
      appName: 'location-service',
    };
    const listAppPackagesPage = jest.fn(async (query?: MecListQuery) => ({
      items: query?.filter ? [videoAnalytics] : [videoAnalytics, location],
    }));
    await renderInTestApp(<AppPackagesPage />, {
      apis: [[mecApiRef, mockMecApi({ listAppPackagesPage })]] as const,
    });
    expect(await screen.findByText('location-service')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Search packages by name'), {
      target: { value: 'video' },
    });
    await waitFor(() =>
      expect(screen.queryByText('location-service')).not.toBeInTheDocument(),
    );
    expect(screen.getByText('video-analytics')).toBeInTheDocument();
    expect(listAppPackagesPage).toHaveBeenLastCalledWith({
      filter: "(cont,appName,'video')",
      marker: undefined,
    });
  });

  it('pages forward and back with the markers the backend gives', async () => {
    const second = { ...videoAnalytics, id: 'pkg-2', appName: 'second-app' };
    const listAppPackagesPage = jest.fn(async (query?: MecListQuery) =>
      query?.marker === 'm1'
        ? { items: [second] }
        : { items: [videoAnalytics], nextMarker: 'm1' },
    );
    await renderInTestApp(<AppPackagesPage />, {
      apis: [[mecApiRef, mockMecApi({ listAppPackagesPage })]] as const,
    });
    expect(await screen.findByText('video-analytics')).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Previous page' }),
    ).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('second-app')).toBeInTheDocument();
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByText('video-analytics')).toBeInTheDocument();
    expect(listAppPackagesPage.mock.calls.map(c => c[0]?.marker)).toEqual([
      undefined,
      'm1',
      undefined,
    ]);
  });
});
