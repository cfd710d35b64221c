import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EdgeHost, PlacementPreview } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { InstantiateDialog } from './InstantiateDialog';

const host = (name: string, zone?: string): EdgeHost => ({
  name,
  url: `https://${name}.example.com:6443`,
  hasCaData: true,
  credential: { type: 'serviceAccountToken' },
  driver: 'helm',
  labels: {},
  location: zone ? { zone } : {},
  namespacePolicy: { mode: 'perInstance' },
  source: 'api',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  status: { reachable: true, checkedAt: '2025-01-01T00:00:00Z' },
});

const preview: PlacementPreview = {
  appInstanceId: 'inst-1',
  appPkgId: 'pkg-1',
  appDId: 'appd-1',
  suggestedHost: 'edge-1',
  hosts: [
    { name: 'edge-1', fits: true, reasons: [] },
    { name: 'edge-3', fits: true, reasons: [] },
    {
      name: 'edge-2',
      fits: false,
      reasons: [
        '500m CPU free, 1000m needed',
        "label zone is 'b', 'a' required",
      ],
    },
  ],
};

async function renderDialog(overrides: Parameters<typeof mockMecApi>[0]) {
  const onStarted = jest.fn();
  const onClose = jest.fn();
  await renderInTestApp(
    <InstantiateDialog
      open
      appInstanceId="inst-1"
      onClose={onClose}
      onStarted={onStarted}
    />,
    {
      apis: [
        [
          mecApiRef,
          mockMecApi({
            listEdgeHosts: async () => [
              host('edge-1', 'zone-a'),
              host('edge-2', 'zone-b'),
              host('edge-3'),
            ],
            ...overrides,
          }),
        ],
      ] as const,
    },
  );
  return { onStarted, onClose };
}

describe('InstantiateDialog', () => {
  it('shows the placement suggestion first and why other hosts are rejected', async () => {
    const previewPlacement = jest.fn(async () => preview);
    const instantiateAppInstance = jest.fn(async () => 'occ-1');
    const { onStarted } = await renderDialog({
      previewPlacement,
      instantiateAppInstance,
    });

    expect(
      await screen.findByText('Suggested by placement: edge-1'),
    ).toBeInTheDocument();
    expect(previewPlacement).toHaveBeenCalledWith({ appInstanceId: 'inst-1' });
    const select = screen.getByRole('combobox', { name: 'Edge host' });
    expect(select).toHaveTextContent('Let the MEO choose (edge-1)');
    expect(screen.getByText('2 of 3 hosts fit the application')).toBeVisible();

    // the rejected host is listed with its reasons, outside the menu
    const refused = screen.getByRole('list', {
      name: 'Not offered: placement rejects these hosts',
    });
    expect(within(refused).getByText('edge-2 (zone-b)')).toBeInTheDocument();
    expect(
      within(refused).getByText(
        "500m CPU free, 1000m needed; label zone is 'b', 'a' required",
      ),
    ).toBeInTheDocument();

    // the menu offers the fitting hosts, the suggested one first
    fireEvent.keyDown(select, { key: 'ArrowDown' });
    const options = await screen.findAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'Let the MEO choose (edge-1)',
      'edge-1 (zone-a)Suggested by placement',
      'edge-3',
    ]);
    fireEvent.keyDown(options[0], { key: 'Escape' });

    // submitting the default leaves the choice to the MEO
    fireEvent.click(screen.getByRole('button', { name: 'Instantiate' }));
    await waitFor(() =>
      expect(instantiateAppInstance).toHaveBeenCalledWith('inst-1', {
        selectedMECHostInfo: undefined,
        additionalParams: undefined,
      }),
    );
    expect(onStarted).toHaveBeenCalledWith('occ-1');
  });

  it('submits a chosen host', async () => {
    const instantiateAppInstance = jest.fn(async () => 'occ-2');
    await renderDialog({
      previewPlacement: async () => preview,
      instantiateAppInstance,
    });
    await screen.findByText('Suggested by placement: edge-1');
    fireEvent.keyDown(screen.getByRole('combobox', { name: 'Edge host' }), {
      key: 'ArrowDown',
    });
    fireEvent.click(await screen.findByRole('option', { name: 'edge-3' }));
    fireEvent.click(screen.getByRole('button', { name: 'Instantiate' }));
    await waitFor(() =>
      expect(instantiateAppInstance).toHaveBeenCalledWith('inst-1', {
        selectedMECHostInfo: [{ hostId: { name: 'edge-3' } }],
        additionalParams: undefined,
      }),
    );
  });

  it('says when no host fits', async () => {
    await renderDialog({
      previewPlacement: async () => ({
        ...preview,
        suggestedHost: undefined,
        hosts: preview.hosts.map(h => ({
          ...h,
          fits: false,
          reasons: ['not healthy (unreachable)'],
        })),
      }),
    });
    expect(
      await screen.findByText(/No edge host fits the application now/),
    ).toBeInTheDocument();
    expect(screen.getAllByText('not healthy (unreachable)')).toHaveLength(3);
  });

  it('falls back to the reachable hosts when placement cannot be previewed', async () => {
    await renderDialog({
      previewPlacement: async () => {
        throw new Error('backend down');
      },
    });
    expect(
      await screen.findByText(
        /Placement could not be previewed \(backend down\); 3 reachable of 3/,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Suggested by placement/)).toBeNull();
  });
});
