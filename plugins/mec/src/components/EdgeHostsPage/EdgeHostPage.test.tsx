import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppInstanceInfo, EdgeHost } from '@helmmec/plugin-mec-common';
import { screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { EdgeHostPage } from './EdgeHostPage';

const host: EdgeHost = {
  name: 'edge-1',
  title: 'Paris edge',
  url: 'https://10.0.0.5:6443',
  hasCaData: true,
  credential: { type: 'serviceAccountToken' },
  driver: 'flux',
  labels: { 'topology.kubernetes.io/zone': 'eu-west-3a' },
  location: { zone: 'eu-west-3a', site: 'lab' },
  namespacePolicy: { mode: 'fixed', namespace: 'edge-apps' },
  source: 'config',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  status: {
    reachable: true,
    kubernetesVersion: 'v1.34.4',
    readyNodes: 3,
    totalNodes: 3,
    allocatable: { cpuMillicores: 8000, memoryBytes: 16 * 2 ** 30 },
    requested: { cpuMillicores: 2000, memoryBytes: 4 * 2 ** 30 },
    requestedScope: 'namespaces',
    checkedAt: new Date().toISOString(),
  },
};

const instance = (id: string, hostName?: string) =>
  ({
    id,
    appInstanceName: `va-${id}`,
    appDId: 'appd-1',
    appProvider: 'HelmMEC Examples',
    appName: 'video-analytics',
    appSoftVersion: '2.4.1',
    appDVersion: '1.0',
    appPkgId: 'pkg-1',
    instantiationState: hostName ? 'INSTANTIATED' : 'NOT_INSTANTIATED',
    ...(hostName
      ? {
          instantiatedAppState: { operationalState: 'STARTED' },
          edgeHost: { name: hostName, namespace: 'edge-apps' },
        }
      : {}),
    _links: { self: { href: 'x' } },
  } as AppInstanceInfo);

function render(api: Parameters<typeof mockMecApi>[0]) {
  return renderInTestApp(
    <Routes>
      <Route path="/mec/hosts/:hostName" element={<EdgeHostPage />} />
    </Routes>,
    {
      initialRouteEntries: ['/mec/hosts/edge-1'],
      apis: [[mecApiRef, mockMecApi(api)]] as const,
    },
  );
}

describe('EdgeHostPage', () => {
  it('shows health, capacity, settings and the instances on the host', async () => {
    const getEdgeHost = jest.fn(async () => host);
    const listAppInstancesPage = jest.fn(async () => ({
      items: [instance('1', 'edge-1')],
    }));
    await render({ getEdgeHost, listAppInstancesPage });
    expect(
      await screen.findByRole('heading', { name: 'Paris edge' }),
    ).toBeInTheDocument();
    expect(getEdgeHost).toHaveBeenCalledWith('edge-1');
    const healthSection = screen.getByRole('region', { name: 'Health' });
    expect(within(healthSection).getByText('REACHABLE')).toBeInTheDocument();
    expect(within(healthSection).getByText('3 of 3')).toBeInTheDocument();
    expect(
      within(healthSection).getByText('2.0 CPU of 8.0 CPU requested (25%)'),
    ).toBeInTheDocument();
    expect(
      within(healthSection).getByText(/counts the application namespaces only/),
    ).toBeInTheDocument();
    expect(screen.getByText('one namespace, edge-apps')).toBeInTheDocument();
    expect(
      screen.getByText('topology.kubernetes.io/zone=eu-west-3a'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'View this edge host in the catalog' }),
    ).toHaveAttribute('href', '/catalog/default/resource/edge-1');

    // The backend filters on the host; the instance links to its page.
    const instances = await screen.findByRole('table', {
      name: 'Application instances on this host',
    });
    expect(
      within(instances).getByRole('link', { name: 'va-1' }),
    ).toHaveAttribute('href', '/mec/instances/1');
    expect(within(instances).getByText('edge-apps')).toBeInTheDocument();
    expect(listAppInstancesPage).toHaveBeenCalledWith({
      filter: "(eq,edgeHost/name,'edge-1')",
      marker: undefined,
    });
  });

  it('says when the host runs no instances', async () => {
    await render({
      getEdgeHost: async () => host,
      listAppInstancesPage: async () => ({ items: [] }),
    });
    expect(
      await screen.findByText(/No application instances on this host yet/),
    ).toBeInTheDocument();
  });

  it('names the MEPM that manages a host it reports, with a link, and offers no check', async () => {
    await render({
      getEdgeHost: async () => ({
        ...host,
        source: 'mepm',
        mepm: 'mepm-paris',
        driver: 'mepm',
      }),
      listAppInstancesPage: async () => ({ items: [] }),
    });
    const settings = await screen.findByRole('region', { name: 'Settings' });
    expect(settings).toHaveTextContent('managed by MEPM mepm-paris');
    expect(
      within(settings).getByRole('link', { name: 'mepm-paris' }),
    ).toHaveAttribute('href', '/mec/mepms/mepm-paris');
    const health = screen.getByRole('region', { name: 'Health' });
    expect(health).toHaveTextContent('The health its MEPM last reported');
    expect(
      within(health).queryByRole('button', { name: 'Check now' }),
    ).not.toBeInTheDocument();
  });

  it('shows the error when the host is not registered', async () => {
    await render({
      getEdgeHost: async () => {
        throw new Error("No edge host named 'edge-1'");
      },
    });
    expect(
      (await screen.findAllByText(/No edge host named 'edge-1'/)).length,
    ).toBeGreaterThan(0);
  });
});
