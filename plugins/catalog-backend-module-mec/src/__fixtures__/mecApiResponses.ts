/*
 * Responses of the mec backend's APIs as recorded from a development
 * backend (ids shortened), served by the provider tests' local HTTP server.
 */

import type {
  AppInstanceInfo,
  AppPkgInfo,
  EdgeHostList,
} from '@helmmec/plugin-mec-common';

const apiRoot = 'http://127.0.0.1/api/mec';

export const recordedPackages: AppPkgInfo[] = [
  {
    id: '5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77',
    appDId: 'appd-video-analytics',
    appProvider: 'HelmMEC examples',
    appName: 'video-analytics',
    appSoftwareVersion: '1.0.0',
    appDVersion: '1.0',
    checksum: { algorithm: 'SHA-256', hash: 'ab'.repeat(32) },
    softwareImages: [
      {
        name: 'video-analytics',
        version: '1.0.0',
        containerFormat: 'HELM_CHART',
      },
    ],
    onboardingState: 'ONBOARDED',
    operationalState: 'ENABLED',
    usageState: 'IN_USE',
    mecInfo: ['3.1.1'],
    _links: {
      self: {
        href: `${apiRoot}/app_pkgm/v1/app_packages/5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77`,
      },
      appD: {
        href: `${apiRoot}/app_pkgm/v1/app_packages/5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77/appd`,
      },
      appPkgContent: {
        href: `${apiRoot}/app_pkgm/v1/app_packages/5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77/package_content`,
      },
    },
  },
  {
    id: '0b8e44d2-1c5a-4f0e-8d3b-6a7e9f2c4b10',
    appDId: '',
    appName: 'Location Service',
    appSoftwareVersion: '2.3.0-rc.1',
    appDVersion: '',
    softwareImages: [],
    onboardingState: 'PROCESSING',
    operationalState: 'DISABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: [],
    _links: {
      self: {
        href: `${apiRoot}/app_pkgm/v1/app_packages/0b8e44d2-1c5a-4f0e-8d3b-6a7e9f2c4b10`,
      },
      appD: {
        href: `${apiRoot}/app_pkgm/v1/app_packages/0b8e44d2-1c5a-4f0e-8d3b-6a7e9f2c4b10/appd`,
      },
      appPkgContent: {
        href: `${apiRoot}/app_pkgm/v1/app_packages/0b8e44d2-1c5a-4f0e-8d3b-6a7e9f2c4b10/package_content`,
      },
    },
  },
];

export const recordedInstances: AppInstanceInfo[] = [
  {
    id: 'c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f',
    appInstanceName: 'video-analytics-edge-1',
    appDId: 'appd-video-analytics',
    appProvider: 'HelmMEC examples',
    appName: 'video-analytics',
    appSoftVersion: '1.0.0',
    appDVersion: '1.0',
    appPkgId: '5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77',
    instantiationState: 'INSTANTIATED',
    instantiatedAppState: { operationalState: 'STARTED' },
    edgeHost: {
      name: 'edge-1',
      namespace: 'mec-c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f',
      releaseName: 'mec-c3d9a0f1',
    },
    _links: {
      self: {
        href: `${apiRoot}/app_lcm/v1/app_instances/c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f`,
      },
      terminate: {
        href: `${apiRoot}/app_lcm/v1/app_instances/c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f/terminate`,
      },
      operate: {
        href: `${apiRoot}/app_lcm/v1/app_instances/c3d9a0f1-2b7e-4c6d-8e5f-9a1b2c3d4e5f/operate`,
      },
    },
  },
  {
    id: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    appDId: 'appd-video-analytics',
    appProvider: 'HelmMEC examples',
    appName: 'video-analytics',
    appSoftVersion: '1.0.0',
    appDVersion: '1.0',
    appPkgId: '5f2c1a9e-7d43-4b8e-9a61-0c2f4e8b1d77',
    instantiationState: 'NOT_INSTANTIATED',
    _links: {
      self: {
        href: `${apiRoot}/app_lcm/v1/app_instances/7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d`,
      },
      instantiate: {
        href: `${apiRoot}/app_lcm/v1/app_instances/7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d/instantiate`,
      },
    },
  },
];

export const recordedHosts: EdgeHostList = {
  items: [
    {
      name: 'edge-1',
      title: 'Local edge cluster',
      url: 'https://127.0.0.1:6443',
      hasCaData: true,
      credential: { type: 'serviceAccountToken' },
      driver: 'helm',
      labels: { 'topology.kubernetes.io/zone': 'local-a' },
      location: { zone: 'local-a' },
      namespacePolicy: { mode: 'perInstance', prefix: 'mec-' },
      source: 'config',
      createdAt: '2026-11-27T10:00:00.000Z',
      updatedAt: '2026-11-27T10:00:00.000Z',
      status: {
        reachable: true,
        kubernetesVersion: 'v1.34.1',
        checkedAt: '2026-11-27T10:05:00.000Z',
      },
    },
  ],
};
