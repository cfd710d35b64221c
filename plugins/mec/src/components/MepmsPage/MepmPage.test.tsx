import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EdgeHost, Mepm } from '@helmmec/plugin-mec-common';
import { screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { MepmPage } from './MepmPage';

// The first render of the test app is slow on a busy machine.
jest.setTimeout(20_000);

const mepm: Mepm = {
  name: 'mepm-paris',
  title: 'Paris edge site',
  apiRoot: 'https://mepm-paris.example.com/api/mec',
  auth: {
    type: 'oauth2ClientCredentials',
    tokenEndpoint: 'https://login.example.com/oauth2/token',
    clientId: 'helmmec-meo',
  },
  status: {
    reachable: true,
    checkedAt: new Date().toISOString(),
    hostCount: 1,
    subscribed: true,
    hostsLeftOut: [
      {
        name: 'edge-1',
        reason: 'the name is taken by an edge host of this MEO (source api)',
      },
    ],
  },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const host = (name: string, more: Partial<EdgeHost>): EdgeHost => ({
  name,
  url: 'https://10.0.0.5:6443',
  hasCaData: false,
  credential: { type: 'serviceAccountToken' },
  driver: 'mepm',
  labels: {},
  location: {},
  namespacePolicy: { mode: 'perInstance' },
  source: 'mepm',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...more,
});

describe('MepmPage', () => {
  it('shows the MEPM’s check, how the MEO reaches it (no secret), its hosts and those left out', async () => {
    await renderInTestApp(
      <Routes>
        <Route path="/mec/mepms/:mepmName" element={<MepmPage />} />
      </Routes>,
      {
        initialRouteEntries: ['/mec/mepms/mepm-paris'],
        apis: [
          [
            mecApiRef,
            mockMecApi({
              getMepm: async () => mepm,
              listEdgeHosts: async () => [
                host('paris-1', {
                  mepm: 'mepm-paris',
                  location: { zone: 'eu-west-3a' },
                  status: {
                    reachable: true,
                    checkedAt: new Date().toISOString(),
                  },
                }),
                host('lyon-1', { mepm: 'mepm-lyon' }),
                host('edge-1', { source: 'api', driver: 'helm' }),
              ],
            }),
          ],
        ] as const,
      },
    );
    const health = await screen.findByRole('region', { name: 'Health' });
    expect(within(health).getByText('REACHABLE')).toBeInTheDocument();
    expect(
      screen.getByText('OAuth 2.0 client credentials'),
    ).toBeInTheDocument();
    expect(screen.getByText('helmmec-meo')).toBeInTheDocument();
    expect(screen.getByText('subscribed')).toBeInTheDocument();

    const hosts = screen.getByRole('table', {
      name: 'Edge hosts of mepm-paris',
    });
    expect(
      within(hosts).getByRole('link', { name: 'paris-1' }),
    ).toHaveAttribute('href', '/mec/hosts/paris-1');
    expect(hosts).toHaveTextContent('eu-west-3a');
    expect(within(hosts).queryByText('lyon-1')).not.toBeInTheDocument();
    expect(within(hosts).queryByText('edge-1')).not.toBeInTheDocument();

    expect(
      screen.getByRole('table', { name: 'Hosts of mepm-paris left out' }),
    ).toHaveTextContent(
      'edge-1the name is taken by an edge host of this MEO (source api)',
    );
    expect(
      screen.getByRole('button', { name: 'Remove mepm-paris' }),
    ).toBeEnabled();
  });
});
