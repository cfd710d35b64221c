import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { AppInstanceInfo } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mecApiRef, MecListQuery } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { AppInstancesPage } from './AppInstancesPage';

const instance = (id: string, name: string): AppInstanceInfo => ({
  id,
  appInstanceName: name,
  appDId: 'appd-1',
  appProvider: 'HelmMEC Examples',
  appName: 'video-analytics',
  appSoftVersion: '2.4.1',
  appDVersion: '1.0',
  appPkgId: 'pkg-1',
  instantiationState: 'INSTANTIATED',
  instantiatedAppState: { operationalState: 'STARTED' },
  edgeHost: { name: 'edge-1', namespace: `mec-${id}` },
  _links: { self: { href: `http://x/app_instances/${id}` } },
});

describe('AppInstancesPage', () => {
  it('explains what to do when there are no instances', async () => {
    await renderInTestApp(<AppInstancesPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listAppInstancesPage: async () => ({ items: [] }),
            listEdgeHosts: async () => [],
          }),
        ],
      ] as const,
    });
    expect(
      await screen.findByText('No application instances yet'),
    ).toBeInTheDocument();
  });

  it('turns the search and the filters into one MEC 009 filter', async () => {
    const listAppInstancesPage = jest.fn(async (query?: MecListQuery) => ({
      items: query?.filter
        ? [instance('2', 'va-two')]
        : [instance('1', 'va-one'), instance('2', 'va-two')],
    }));
    await renderInTestApp(<AppInstancesPage />, {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listAppInstancesPage,
            listEdgeHosts: async () => [{ name: 'edge-1' } as any],
          }),
        ],
      ] as const,
    });
    const table = await screen.findByRole('table', {
      name: 'MEC application instances',
    });
    expect(within(table).getByRole('link', { name: 'va-one' })).toHaveAttribute(
      'href',
      '/mec/instances/1',
    );

    fireEvent.change(screen.getByLabelText('Search instances by name'), {
      target: { value: 'two' },
    });
    fireEvent.mouseDown(screen.getByRole('combobox', { name: /State/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'STARTED' }));
    await waitFor(() =>
      expect(screen.queryByText('va-one')).not.toBeInTheDocument(),
    );
    await waitFor(() =>
      expect(listAppInstancesPage).toHaveBeenLastCalledWith({
        filter:
          "(eq,instantiationState,INSTANTIATED);(eq,instantiatedAppState/operationalState,STARTED);(cont,appInstanceName,'two')",
        marker: undefined,
      }),
    );
    expect(screen.getByRole('link', { name: 'va-two' })).toBeInTheDocument();
    // MUI's select and the search pause take a while on a loaded machine.
  }, 30_000);
});
