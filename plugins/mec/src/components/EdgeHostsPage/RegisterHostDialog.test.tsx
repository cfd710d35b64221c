import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EdgeHost, RegisterEdgeHost } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { MecApi, mecApiRef } from '../../api/MecApi';
import { MecApiError } from '../../api/MecApiError';
import { mockMecApi } from '../../api/mockMecApi';
import {
  effectiveDriver,
  HostForm,
  RegisterHostDialog,
  toRegisterRequest,
  validateHostForm,
} from './RegisterHostDialog';

// The first render of the test app is slow on a busy machine.
jest.setTimeout(20_000);

async function renderDialog(overrides: Partial<MecApi>) {
  const registerEdgeHost = jest.fn(
    async (request: RegisterEdgeHost) =>
      ({ name: request.name, driver: request.driver } as EdgeHost),
  );
  const onRegistered = jest.fn();
  const onClose = jest.fn();
  await renderInTestApp(
    <RegisterHostDialog open onClose={onClose} onRegistered={onRegistered} />,
    {
      apis: [
        [mecApiRef, mockMecApi({ registerEdgeHost, ...overrides })],
      ] as const,
    },
  );
  return { registerEdgeHost, onRegistered, onClose };
}

const helmOnly = { listEdgeDrivers: async () => [{ id: 'helm' }] };

async function whenReady() {
  await waitFor(() =>
    expect(screen.getByRole('button', { name: 'Register' })).toBeEnabled(),
  );
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

describe('RegisterHostDialog, its behaviour', () => {
  it('shows what is wrong with each field and sends nothing until it is right', async () => {
    const { registerEdgeHost } = await renderDialog(helmOnly);
    await whenReady();
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(
      await screen.findByText(
        'A DNS label: lower-case letters, digits and dashes',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('The Kubernetes API server URL, https only'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('A service account token is required'),
    ).toBeInTheDocument();

    // A plain-http URL stays refused after the other fields are right.
    fillIn();
    fireEvent.change(screen.getByLabelText(/^Kubernetes API URL/), {
      target: { value: 'http://10.0.0.5:6443' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(
      await screen.findByText('The Kubernetes API server URL, https only'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('A service account token is required'),
    ).not.toBeInTheDocument();
    expect(registerEdgeHost).not.toHaveBeenCalled();
  });

  it('submits the form as a registration request, then reports and closes', async () => {
    const { registerEdgeHost, onRegistered, onClose } = await renderDialog(
      helmOnly,
    );
    await whenReady();
    fillIn();
    fireEvent.change(screen.getByLabelText(/^Zone/), {
      target: { value: ' zone-a ' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(onRegistered).toHaveBeenCalledTimes(1);
    expect(registerEdgeHost).toHaveBeenCalledWith({
      name: 'edge-1',
      url: 'https://10.0.0.5:6443',
      credential: { type: 'serviceAccountToken', token: 'secret' },
      driver: 'helm',
      location: { zone: 'zone-a' },
      namespacePolicy: { mode: 'perInstance' },
      probe: true,
    });
  });

  it("shows the server's refusal, stays open and lets the user try again", async () => {
    const refuse = jest.fn(async (): Promise<EdgeHost> => {
      throw new MecApiError(409, {
        status: 409,
        title: 'Conflict',
        detail: 'An edge host named edge-1 is already registered',
      });
    });
    const { onRegistered, onClose } = await renderDialog({
      ...helmOnly,
      registerEdgeHost: refuse,
    });
    await whenReady();
    fillIn();
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(
      await screen.findByText('Registration was refused'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('An edge host named edge-1 is already registered'),
    ).toBeInTheDocument();
    expect(onRegistered).not.toHaveBeenCalled();
    expect(onClose).not.toHaveBeenCalled();
    // the form keeps what was typed, and submit is enabled again
    expect(screen.getByLabelText(/^Name\b/)).toHaveValue('edge-1');
    await whenReady();
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(refuse).toHaveBeenCalledTimes(2));
  });
});

const VALID: HostForm = {
  name: 'edge-1',
  title: '',
  url: 'https://10.0.0.5:6443',
  caData: '',
  credentialType: 'serviceAccountToken',
  token: 't',
  certData: '',
  keyData: '',
  driver: '',
  zone: '',
  site: '',
  namespaceMode: 'perInstance',
  namespaceValue: '',
  probe: false,
};

describe('validateHostForm', () => {
  it('accepts a valid form', () => {
    expect(validateHostForm(VALID)).toEqual({});
  });

  it('asks for a certificate and key as base64 PEM with a client certificate', () => {
    expect(
      validateHostForm({
        ...VALID,
        credentialType: 'clientCertificate',
        certData: 'not base64!',
      }),
    ).toEqual({
      certData: 'Base64 PEM client certificate',
      keyData: 'Base64 PEM private key',
    });
  });

  it('asks for a namespace name with one shared namespace, and base64 CA data', () => {
    expect(
      validateHostForm({
        ...VALID,
        caData: '<pem>',
        namespaceMode: 'fixed',
        namespaceValue: 'Apps',
      }),
    ).toEqual({
      caData: 'Base64 PEM, as in a kubeconfig certificate-authority-data',
      namespaceValue: 'A namespace name',
    });
  });
});

describe('toRegisterRequest', () => {
  it('sends a client certificate and a fixed namespace without whitespace, and leaves out empty options', () => {
    expect(
      toRegisterRequest({
        ...VALID,
        title: ' Edge one ',
        caData: 'Q0E=\nQ0E=',
        credentialType: 'clientCertificate',
        certData: 'Q0VS\nVA==',
        keyData: ' S0VZ ',
        driver: 'flux',
        site: 'site-1',
        namespaceMode: 'fixed',
        namespaceValue: 'apps',
      }),
    ).toEqual({
      name: 'edge-1',
      title: 'Edge one',
      url: 'https://10.0.0.5:6443',
      caData: 'Q0E=Q0E=',
      credential: {
        type: 'clientCertificate',
        certData: 'Q0VSVA==',
        keyData: 'S0VZ',
      },
      driver: 'flux',
      location: { site: 'site-1' },
      namespacePolicy: { mode: 'fixed', namespace: 'apps' },
      probe: false,
    });
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
