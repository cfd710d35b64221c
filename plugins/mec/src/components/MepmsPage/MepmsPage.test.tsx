import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Mepm } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { MecApi, mecApiRef } from '../../api/MecApi';
import { MecApiError } from '../../api/MecApiError';
import { mockMecApi } from '../../api/mockMecApi';
import { MepmsPage } from './MepmsPage';

// The first render of the test app is slow on a busy machine.
jest.setTimeout(20_000);

const reachable: Mepm = {
  name: 'mepm-paris',
  title: 'Paris edge site',
  apiRoot: 'https://mepm-paris.example.com/api/mec',
  auth: { type: 'token' },
  status: {
    reachable: true,
    checkedAt: new Date().toISOString(),
    hostCount: 2,
    subscribed: true,
    hostsLeftOut: [
      {
        name: 'edge-1',
        reason: 'the name is taken by an edge host of this MEO',
      },
    ],
  },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const unreachable: Mepm = {
  name: 'mepm-lyon',
  apiRoot: 'http://127.0.0.1:7009/api/mec',
  auth: {
    type: 'oauth2ClientCredentials',
    tokenEndpoint: 'https://login.example.com/oauth2/token',
    clientId: 'helmmec-meo',
  },
  status: {
    reachable: false,
    checkedAt: new Date().toISOString(),
    error: 'connect ECONNREFUSED 127.0.0.1:7009',
    hostCount: 0,
    subscribed: false,
  },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

async function renderPage(overrides: Partial<MecApi>) {
  await renderInTestApp(<MepmsPage />, {
    apis: [[mecApiRef, mockMecApi(overrides)]] as const,
  });
}

describe('MepmsPage', () => {
  it('lists each MEPM with its health, last check, error, hosts and how the MEO hears of its operations', async () => {
    await renderPage({
      listMepmsPage: async () => ({ items: [reachable, unreachable] }),
    });
    const paris = (await screen.findByText('Paris edge site')).closest('tr')!;
    expect(within(paris).getByText('REACHABLE')).toBeInTheDocument();
    expect(within(paris).getByText(/checked/)).toBeInTheDocument();
    expect(
      within(paris).getByText(
        'mepm-paris · https://mepm-paris.example.com/api/mec · bearer token',
      ),
    ).toBeInTheDocument();
    expect(paris).toHaveTextContent('2 hosts');
    expect(within(paris).getByText('1 left out')).toHaveAttribute(
      'title',
      'edge-1: the name is taken by an edge host of this MEO',
    );
    expect(within(paris).getByText('subscribed')).toBeInTheDocument();
    expect(
      within(paris).getByRole('link', { name: 'Paris edge site' }),
    ).toHaveAttribute('href', '/mec/mepms/mepm-paris');

    const lyon = screen.getByRole('link', { name: 'mepm-lyon' }).closest('tr')!;
    expect(within(lyon).getByText('UNREACHABLE')).toBeInTheDocument();
    expect(
      within(lyon).getByText('connect ECONNREFUSED 127.0.0.1:7009'),
    ).toBeInTheDocument();
    expect(lyon).toHaveTextContent('OAuth 2.0 client credentials');
    expect(within(lyon).getByText('polling only')).toBeInTheDocument();
  });

  it('pages the list with the markers the backend links', async () => {
    const listMepmsPage = jest.fn(
      async ({ marker }: { marker?: string } = {}) =>
        marker
          ? { items: [unreachable] }
          : { items: [reachable], nextMarker: 'm2' },
    );
    await renderPage({ listMepmsPage });
    await screen.findByText('Paris edge site');
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('mepm-lyon')).toBeInTheDocument();
    expect(listMepmsPage).toHaveBeenLastCalledWith({ marker: 'm2' });
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByText('Paris edge site')).toBeInTheDocument();
  });

  it('says what a MEPM is and how to register one, with the curl equivalent, when none is registered', async () => {
    await renderPage({ listMepmsPage: async () => ({ items: [] }) });
    expect(await screen.findByText('No MEPMs registered')).toBeInTheDocument();
    expect(
      screen.getByText(/A MEC Platform Manager \(MEPM\) runs beside/),
    ).toBeInTheDocument();
    // The snippet (highlighted when its code has loaded) posts to this
    // backend's /mepms.
    await waitFor(() =>
      expect(document.body).toHaveTextContent(
        /curl .* -d '\{ "name": "mepm-paris".*"apiRoot".*"auth": \{ "type": "token".*\}' http:\/\/\S+\/api\/mec\/mepms/,
      ),
    );
  });

  it('checks a MEPM now and shows its new status', async () => {
    let current = unreachable;
    const checkMepm = jest.fn(async () => {
      current = { ...unreachable, status: { ...reachable.status! } };
      return current;
    });
    await renderPage({
      listMepmsPage: async () => ({ items: [current] }),
      checkMepm,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Check mepm-lyon now' }),
    );
    expect(await screen.findByText('REACHABLE')).toBeInTheDocument();
    expect(checkMepm).toHaveBeenCalledWith('mepm-lyon');
  });

  it('shows why a MEPM with instances on its hosts is not removed (409)', async () => {
    const deleteMepm = jest.fn(async () => {
      throw new MecApiError(409, {
        status: 409,
        detail:
          "MEPM 'mepm-paris' still has 1 application instance(s) on its hosts; terminate and delete them first",
      });
    });
    await renderPage({
      listMepmsPage: async () => ({ items: [reachable] }),
      deleteMepm,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Remove mepm-paris' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Remove MEPM mepm-paris?');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(
      await screen.findByText(
        "MEPM 'mepm-paris' still has 1 application instance(s) on its hosts; terminate and delete them first",
      ),
    ).toBeInTheDocument();
    expect(deleteMepm).toHaveBeenCalledWith('mepm-paris');
    expect(screen.getByText('Paris edge site')).toBeInTheDocument();
  });

  it('removes a MEPM and lists what is left', async () => {
    let items = [reachable, unreachable];
    const deleteMepm = jest.fn(async (name: string) => {
      items = items.filter(m => m.name !== name);
    });
    await renderPage({
      listMepmsPage: async () => ({ items }),
      deleteMepm,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Remove mepm-lyon' }),
    );
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Remove',
      }),
    );
    await waitFor(() =>
      expect(screen.queryByText('mepm-lyon')).not.toBeInTheDocument(),
    );
    expect(screen.getByText('Paris edge site')).toBeInTheDocument();
  });
});
