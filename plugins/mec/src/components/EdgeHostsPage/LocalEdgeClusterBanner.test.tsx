import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EdgeHost, LocalEdgeCluster } from '@helmmec/plugin-mec-common';
import { screen, waitFor } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { EdgeHostsPage } from './EdgeHostsPage';
import {
  formatElapsed,
  LocalEdgeClusterBanner,
} from './LocalEdgeClusterBanner';

const building: LocalEdgeCluster = {
  name: 'edge-1',
  phase: 'building',
  component: 'kubernetes',
  built: ['etcd', 'kwok'],
  message:
    'building kube-apiserver, kube-controller-manager, kube-scheduler from k8s.io/kubernetes@v1.34.4',
  startedAt: '2026-12-01T05:00:00Z',
  updatedAt: '2026-12-01T05:03:10Z',
  elapsedSeconds: 190,
  log: ['[edge-cluster build 3m10s] kubernetes: building kube-apiserver'],
};

const host: EdgeHost = {
  name: 'edge-1',
  title: 'Local edge cluster',
  url: 'https://127.0.0.1:40001',
  hasCaData: true,
  credential: { type: 'serviceAccountToken' },
  driver: 'helm',
  labels: {},
  location: { zone: 'local' },
  namespacePolicy: { mode: 'fixed', namespace: 'mec-apps' },
  source: 'api',
  createdAt: '2026-12-01T05:04:00Z',
  updatedAt: '2026-12-01T05:04:00Z',
};

describe('LocalEdgeClusterBanner', () => {
  it('shows what the local edge cluster is doing and for how long', async () => {
    await renderInTestApp(<LocalEdgeClusterBanner progress={building} />);
    expect(
      screen.getByText(
        'Local edge cluster "edge-1": building kube-apiserver, kube-controller-manager, kube-scheduler from k8s.io/kubernetes@v1.34.4… (3m 10s)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', { name: 'Local edge cluster building' }),
    ).toBeInTheDocument();
    expect(screen.getByText('Built so far: etcd, kwok.')).toBeInTheDocument();
    expect(screen.getByText(/about 10 to 25 minutes/)).toBeInTheDocument();
  });

  it('shows why it failed and what to do', async () => {
    await renderInTestApp(
      <LocalEdgeClusterBanner
        progress={{
          ...building,
          phase: 'failed',
          message: 'building failed',
          error: 'cannot run go for k8s.io/kubernetes: spawn go ENOENT',
          hint: 'It needs Go on PATH. Or start without the cluster: MEC_EDGE_CLUSTER=0 npm start.',
        }}
      />,
    );
    const alert = screen.getByRole('alert', {
      name: 'Local edge cluster failed',
    });
    expect(alert).toHaveTextContent(
      'Local edge cluster "edge-1": building failed (after 3m 10s)',
    );
    expect(alert).toHaveTextContent('spawn go ENOENT');
    expect(alert).toHaveTextContent('MEC_EDGE_CLUSTER=0 npm start');
  });

  it('shows nothing once the cluster is registered, or where there is none', async () => {
    await renderInTestApp(
      <>
        <LocalEdgeClusterBanner
          progress={{ ...building, phase: 'registered' }}
        />
        <LocalEdgeClusterBanner />
      </>,
    );
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.queryByText(/Local edge cluster/)).not.toBeInTheDocument();
  });

  it('formats elapsed time as minutes and seconds', () => {
    expect(formatElapsed(7)).toBe('7s');
    expect(formatElapsed(190)).toBe('3m 10s');
    expect(formatElapsed(3605)).toBe('60m 05s');
  });
});

describe('EdgeHostsPage with a local edge cluster on its way', () => {
  it('says the cluster is on its way, then lists it once it registered itself', async () => {
    // The progress the page reads each time it asks; the host appears with
    // the registration.
    const progress: LocalEdgeCluster[] = [
      building,
      { ...building, phase: 'registered', message: 'registered' },
    ];
    let hosts: EdgeHost[] = [];
    const getLocalEdgeCluster = jest.fn(async () => {
      const next = progress.shift()!;
      if (next.phase === 'registered') hosts = [host];
      return next;
    });
    await renderInTestApp(<EdgeHostsPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getLocalEdgeCluster,
            listEdgeHosts: async () => hosts,
            listAppInstancesPage: async () => ({ items: [] }),
          }),
        ],
      ] as const,
    });
    expect(
      await screen.findByText('No edge hosts registered yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/The local edge cluster is on its way/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('alert', { name: 'Local edge cluster on its way' }),
    ).toBeInTheDocument();

    // The next poll finds it registered: the banner goes, the host comes.
    expect(
      await screen.findByText('Local edge cluster', {}, { timeout: 10_000 }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(
        screen.queryByRole('alert', { name: 'Local edge cluster on its way' }),
      ).not.toBeInTheDocument(),
    );
    expect(getLocalEdgeCluster).toHaveBeenCalledTimes(2);
    // The page polls the progress every 3 s: one poll to wait for.
  }, 30_000);

  it('shows the usual empty page where the backend has no local edge cluster', async () => {
    await renderInTestApp(<EdgeHostsPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            getLocalEdgeCluster: async () => undefined,
            listEdgeHosts: async () => [],
          }),
        ],
      ] as const,
    });
    expect(
      await screen.findByText('No edge hosts registered'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
