import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EdgeHost, RegisterEdgeHost } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { MecApi, mecApiRef } from '../../api/MecApi';
import { mockMecApi } from '../../api/mockMecApi';
import { effectiveDriver, RegisterHostDialog } from './RegisterHostDialog';

// The first render of the test app is slow on a busy machine.
jest.setTimeout(20_000);

async function renderDialog(overrides: Partial<MecApi>) {
  const registerEdgeHost = jest.fn(
    async (request: RegisterEdgeHost) =>
      ({ name: request.name, driver: request.driver } as EdgeHost),
  );
  const onRegistered = jest.fn();
  await renderInTestApp(
    <RegisterHostDialog open onClose={() => {}} onRegistered={onRegistered} />,
    {
      apis: [
        [mecApiRef, mockMecApi({ registerEdgeHost, ...overrides })],
      ] as const,
    },
  );
  return { registerEdgeHost, onRegistered };
}

function fillIn() {
  const type = (label: RegExp, value: string) =>
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
  type(/^Name\b/, 'edge-1');
  type(/^Kubernetes API URL/, 'https://10.0.0.5:6443');
  type(/^Token\b/, 'secret');
}

describe('RegisterHostDialog', () => {
  it('offers the registered drivers, helm first chosen, and submits the one picked', async () => {
    const { registerEdgeHost, onRegistered } = await renderDialog({
      listEdgeDrivers: async () => [
        { id: 'example' },
        { id: 'flux' },
        { id: 'helm' },
      ],
    });
    const select = screen.getByRole('combobox', { name: 'Driver' });
    await waitFor(() => expect(select).toHaveTextContent('helm'));

    fireEvent.keyDown(select, { key: 'ArrowDown' });
    const options = await screen.findAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'example',
      'flux',
      'helm',
    ]);
    fireEvent.click(screen.getByRole('option', { name: 'example' }));

    fillIn();
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(onRegistered).toHaveBeenCalled());
    expect(registerEdgeHost).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'edge-1', driver: 'example' }),
    );
  });

  it('waits for the drivers before it registers', async () => {
    let list: (ids: Array<{ id: string }>) => void = () => {};
    await renderDialog({
      listEdgeDrivers: () => new Promise(resolve => (list = resolve)),
    });
    expect(screen.getByText('Listing the edge drivers…')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Register' })).toBeDisabled();

    list([{ id: 'flux' }]);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Register' })).toBeEnabled(),
    );
    // without helm, the first registered driver
    expect(screen.getByRole('combobox', { name: 'Driver' })).toHaveTextContent(
      'flux',
    );
  });

  it("says when the drivers cannot be listed and leaves the driver to the backend's default", async () => {
    const { registerEdgeHost } = await renderDialog({
      listEdgeDrivers: async () => {
        throw new Error('backend down');
      },
    });
    expect(
      await screen.findByText(
        "Edge drivers could not be listed (backend down); the backend's default driver will be used",
      ),
    ).toBeInTheDocument();

    fillIn();
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(registerEdgeHost).toHaveBeenCalled());
    expect(registerEdgeHost.mock.calls[0][0].driver).toBeUndefined();
  });
});

describe('effectiveDriver', () => {
  it('keeps a registered pick, else prefers helm, else the first', () => {
    expect(effectiveDriver('flux', ['flux', 'helm'])).toBe('flux');
    expect(effectiveDriver('', ['example', 'helm'])).toBe('helm');
    expect(effectiveDriver('gone', ['example', 'flux'])).toBe('example');
    expect(effectiveDriver('', [])).toBeUndefined();
  });
});
