import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import { screen } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { AppPackagePage } from './AppPackagePage';

const pkg: AppPkgInfo = {
  id: '0b8e44d2-1c5a-4f0e-8d3b-6a7e9f2c4b10',
  appDId: 'appd-1',
  appProvider: 'HelmMEC Examples',
  appName: 'Location Service',
  appSoftwareVersion: '2.3.0',
  appDVersion: '1.0',
  checksum: { algorithm: 'SHA-256', hash: 'abc' },
  softwareImages: [],
  onboardingState: 'CREATED',
  operationalState: 'DISABLED',
  usageState: 'NOT_IN_USE',
  mecInfo: [],
  _links: {
    self: { href: 'http://x/app_packages/pkg-1' },
    appD: { href: 'http://x/app_packages/pkg-1/appd' },
    appPkgContent: { href: 'http://x/app_packages/pkg-1/package_content' },
  },
};

describe('AppPackagePage', () => {
  it('links to the package entity in the catalog', async () => {
    await renderInTestApp(<AppPackagePage />, {
      mountPath: '/mec/packages/:appPkgId',
      initialRouteEntries: [`/mec/packages/${pkg.id}`],
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getAppPackage: async () => pkg,
            listAppInstancesPage: async () => ({ items: [] }),
            listAppPackages: async () => [pkg],
          }),
        ],
      ] as const,
    });
    // named as the catalog provider names it: packageEntityName
    expect(
      await screen.findByRole('link', {
        name: 'View this package in the catalog',
      }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/mecapppackage/location-service-2-3-0-0b8e44d2',
    );
  });
});
