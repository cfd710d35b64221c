import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EdgeHost } from '@helmmec/plugin-mec-common';
import { screen, within } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { EdgeHostsPage } from './EdgeHostsPage';
import { HostForm, validateHostForm } from './RegisterHostDialog';

const host: EdgeHost = {
  name: 'edge-1',
  url: 'https://10.0.0.5:6443',
  hasCaData: true,
  credential: { type: 'serviceAccountToken' },
  driver: 'helm',
  labels: {},
  location: { zone: 'eu-west-1a' },
  namespacePolicy: { mode: 'perInstance' },
  source: 'api',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  status: {
    reachable: true,
    kubernetesVersion: 'v1.33.1',
    readyNodes: 1,
    totalNodes: 1,
    allocatable: { cpuMillicores: 4000, memoryBytes: 8 * 2 ** 30 },
    requested: { cpuMillicores: 1000, memoryBytes: 2 * 2 ** 30 },
    checkedAt: new Date().toISOString(),
  },
};

describe('EdgeHostsPage', () => {
  it('shows health, capacity and instance count of each host', async () => {
    const listAppInstancesPage = jest.fn(async () => ({
      items: new Array(100).fill({}),
      nextMarker: 'm',
    }));
    await renderInTestApp(<EdgeHostsPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listEdgeHosts: async () => [host],
            // A portal not started by npm start has no local edge cluster.
            getLocalEdgeCluster: async () => undefined,
            listAppInstancesPage,
          }),
        ],
      ] as const,
    });
    expect(await screen.findByText('REACHABLE')).toBeInTheDocument();
    // A page of the host's instances, filtered by the backend: more than
    // one page is "+".
    expect(screen.getByText('100+')).toBeInTheDocument();
    expect(listAppInstancesPage).toHaveBeenCalledWith({
      filter: "(eq,edgeHost/name,'edge-1')",
    });
    expect(screen.getByText('v1.33.1')).toBeInTheDocument();
    expect(screen.getByText('1 of 1')).toBeInTheDocument();
    expect(
      screen.getByText('1.0 CPU of 4.0 CPU requested (25%)'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Check edge-1 now' }),
    ).toBeInTheDocument();
  });

  it('says which MEPM manages a host it reports, links to it, and offers no check or remove there', async () => {
    await renderInTestApp(<EdgeHostsPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listEdgeHosts: async () => [
              {
                ...host,
                name: 'paris-1',
                driver: 'mepm',
                source: 'mepm',
                mepm: 'mepm-paris',
              },
            ],
            getLocalEdgeCluster: async () => undefined,
            listAppInstancesPage: async () => ({ items: [] }),
          }),
        ],
      ] as const,
    });
    const row = (await screen.findByRole('link', { name: 'paris-1' })).closest(
      'tr',
    )!;
    expect(row).toHaveTextContent('mepm · managed by MEPM mepm-paris');
    expect(
      within(row).getByRole('link', { name: 'mepm-paris' }),
    ).toHaveAttribute('href', '/mec/mepms/mepm-paris');
    expect(within(row).queryByRole('button')).not.toBeInTheDocument();
  });

  it('shows an error panel when the backend is unreachable', async () => {
    await renderInTestApp(<EdgeHostsPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getLocalEdgeCluster: async () => undefined,
            listEdgeHosts: async () => {
              throw new Error('Failed to fetch');
            },
          }),
        ],
      ] as const,
    });
    expect(
      (await screen.findAllByText(/Failed to fetch/)).length,
    ).toBeGreaterThan(0);
  });
});

describe('validateHostForm', () => {
  const valid: HostForm = {
    name: 'edge-1',
    title: '',
    url: 'https://10.0.0.5:6443',
    caData: '',
    credentialType: 'serviceAccountToken',
    token: 'abc',
    certData: '',
    keyData: '',
    driver: 'helm',
    zone: '',
    site: '',
    namespaceMode: 'perInstance',
    namespaceValue: '',
    probe: true,
  };

  it('accepts a complete form', () => {
    expect(validateHostForm(valid)).toEqual({});
  });

  it('refuses bad names, http URLs and missing secrets', () => {
    const errors = validateHostForm({
      ...valid,
      name: 'Edge_1',
      url: 'http://10.0.0.5',
      token: '',
    });
    expect(Object.keys(errors).sort()).toEqual(['name', 'token', 'url']);
  });
});
