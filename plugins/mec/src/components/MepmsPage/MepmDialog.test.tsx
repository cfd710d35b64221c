import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Mepm, RegisterMepm } from '@helmmec/plugin-mec-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { MecApi, mecApiRef } from '../../api/MecApi';
import { MecApiError } from '../../api/MecApiError';
import { mockMecApi } from '../../api/mockMecApi';
import {
  EMPTY_MEPM_FORM,
  formOf,
  MepmDialog,
  MepmForm,
  toMepmPatch,
  toRegisterMepm,
  validateMepmForm,
} from './MepmDialog';

// The first render of the test app is slow on a busy machine.
jest.setTimeout(20_000);

const oauthMepm: Mepm = {
  name: 'mepm-paris',
  title: 'Paris edge site',
  apiRoot: 'https://mepm-paris.example.com/api/mec',
  auth: {
    type: 'oauth2ClientCredentials',
    tokenEndpoint: 'https://login.example.com/oauth2/token',
    clientId: 'helmmec-meo',
    scope: 'mm3',
  },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('the MEPM form', () => {
  const valid: MepmForm = {
    ...EMPTY_MEPM_FORM,
    name: 'mepm-paris',
    apiRoot: 'http://127.0.0.1:7008/api/mec',
    token: 's3cret',
  };

  it('accepts a complete form and refuses bad names, apiRoots and missing secrets', () => {
    expect(validateMepmForm(valid)).toEqual({});
    expect(
      Object.keys(
        validateMepmForm({
          ...valid,
          name: 'Mepm_1',
          apiRoot: 'mepm.example.com',
          token: ' ',
        }),
      ).sort(),
    ).toEqual(['apiRoot', 'name', 'token']);
    expect(
      Object.keys(
        validateMepmForm({
          ...valid,
          authType: 'oauth2ClientCredentials',
          tokenEndpoint: 'login',
        }),
      ).sort(),
    ).toEqual(['clientId', 'clientSecret', 'tokenEndpoint']);
  });

  it('registers with a token, or with OAuth 2.0 client credentials and an optional scope', () => {
    expect(toRegisterMepm({ ...valid, title: ' Paris ' })).toEqual({
      name: 'mepm-paris',
      title: 'Paris',
      apiRoot: 'http://127.0.0.1:7008/api/mec',
      auth: { type: 'token', token: 's3cret' },
    });
    expect(
      toRegisterMepm({
        ...valid,
        authType: 'oauth2ClientCredentials',
        tokenEndpoint: 'https://login.example.com/oauth2/token',
        clientId: 'helmmec-meo',
        clientSecret: 'client-secret',
      }).auth,
    ).toEqual({
      type: 'oauth2ClientCredentials',
      tokenEndpoint: 'https://login.example.com/oauth2/token',
      clientId: 'helmmec-meo',
      clientSecret: 'client-secret',
    });
  });

  it('changes only what changed, clears with null, and keeps the stored credentials unless replaced', () => {
    const form = formOf(oauthMepm);
    // The secret is never returned, so the form has none.
    expect(form).toMatchObject({
      replaceAuth: false,
      authType: 'oauth2ClientCredentials',
      clientId: 'helmmec-meo',
      clientSecret: '',
    });
    expect(validateMepmForm(form)).toEqual({});
    expect(toMepmPatch(oauthMepm, form)).toBeUndefined();
    expect(
      toMepmPatch(oauthMepm, {
        ...form,
        title: '',
        description: 'Site in Paris',
        apiRoot: 'https://mepm-paris-2.example.com/api/mec',
      }),
    ).toEqual({
      title: null,
      description: 'Site in Paris',
      apiRoot: 'https://mepm-paris-2.example.com/api/mec',
    });
    expect(
      toMepmPatch(oauthMepm, {
        ...form,
        replaceAuth: true,
        authType: 'token',
        token: 'new-token',
      }),
    ).toEqual({ auth: { type: 'token', token: 'new-token' } });
  });
});

async function renderDialog(overrides: Partial<MecApi>, mepm?: Mepm) {
  const onSaved = jest.fn();
  const onClose = jest.fn();
  await renderInTestApp(
    <MepmDialog open mepm={mepm} onClose={onClose} onSaved={onSaved} />,
    { apis: [[mecApiRef, mockMecApi(overrides)]] as const },
  );
  return { onSaved, onClose };
}

const type = (label: RegExp, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('MepmDialog', () => {
  it('registers a MEPM with OAuth 2.0 client credentials', async () => {
    const registerMepm = jest.fn(
      async (request: RegisterMepm) => ({ ...oauthMepm, ...request } as Mepm),
    );
    const { onSaved, onClose } = await renderDialog({ registerMepm });
    type(/^Name\b/, 'mepm-paris');
    type(/^API root/, 'https://mepm-paris.example.com/api/mec');
    fireEvent.mouseDown(
      screen.getByRole('combobox', { name: 'Authentication' }),
    );
    fireEvent.click(
      await screen.findByRole('option', {
        name: 'OAuth 2.0 client credentials',
      }),
    );
    type(/^Token endpoint/, 'https://login.example.com/oauth2/token');
    type(/^Client id/, 'helmmec-meo');
    type(/^Client secret/, 'client-secret');
    expect(screen.getByLabelText(/^Client secret/)).toHaveAttribute(
      'type',
      'password',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(onClose).toHaveBeenCalled();
    expect(registerMepm).toHaveBeenCalledWith({
      name: 'mepm-paris',
      apiRoot: 'https://mepm-paris.example.com/api/mec',
      auth: {
        type: 'oauth2ClientCredentials',
        tokenEndpoint: 'https://login.example.com/oauth2/token',
        clientId: 'helmmec-meo',
        clientSecret: 'client-secret',
      },
    });
  });

  it('shows what is missing before asking the server, and the server’s refusal after', async () => {
    const registerMepm = jest.fn(async () => {
      throw new MecApiError(400, {
        status: 400,
        detail:
          "The apiRoot 'https://mepm.example.com/api/mec' is not allowed by mec.mepms.outbound",
      });
    });
    const { onSaved } = await renderDialog({ registerMepm });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(
      await screen.findByText(
        'A DNS label: lower-case letters, digits and dashes',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('The bearer token the MEPM accepts'),
    ).toBeInTheDocument();
    expect(registerMepm).not.toHaveBeenCalled();

    type(/^Name\b/, 'mepm-x');
    type(/^API root/, 'https://mepm.example.com/api/mec');
    type(/^Token\b/, 't');
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(
      await screen.findByText(/is not allowed by mec.mepms.outbound/),
    ).toBeInTheDocument();
    expect(screen.getByText('Registration was refused')).toBeInTheDocument();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('changes a MEPM: its name fixed, no secret shown, credentials kept unless replaced', async () => {
    const updateMepm = jest.fn(async () => oauthMepm);
    const { onSaved } = await renderDialog({ updateMepm }, oauthMepm);
    expect(screen.getByText('Change MEPM mepm-paris')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Name\b/)).toBeDisabled();
    // Nothing secret is on the form until the user replaces the credentials.
    expect(screen.queryByLabelText(/^Client secret/)).not.toBeInTheDocument();
    type(/^Title/, 'Paris');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(updateMepm).toHaveBeenLastCalledWith('mepm-paris', {
      title: 'Paris',
    });

    fireEvent.click(
      screen.getByLabelText(
        'Replace the stored credentials (OAuth 2.0 client credentials)',
      ),
    );
    expect(screen.getByLabelText(/^Client id/)).toHaveValue('helmmec-meo');
    expect(screen.getByLabelText(/^Client secret/)).toHaveValue('');
    type(/^Client secret/, 'rotated');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(updateMepm).toHaveBeenLastCalledWith('mepm-paris', {
        title: 'Paris',
        auth: {
          type: 'oauth2ClientCredentials',
          tokenEndpoint: 'https://login.example.com/oauth2/token',
          clientId: 'helmmec-meo',
          clientSecret: 'rotated',
          scope: 'mm3',
        },
      }),
    );
  });
});
