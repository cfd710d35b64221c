import { useApi } from '@backstage/frontend-plugin-api';
import type {
  Mepm,
  MepmAuth,
  MepmPatch,
  RegisterMepm,
} from '@helmmec/plugin-mec-common';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useEffect, useState } from 'react';
import { mecApiRef } from '../../api/MecApi';
import { FormDialog } from '../common/FormDialog';
import { authLabel } from './mepmFormat';

/** The form's fields. */
export interface MepmForm {
  name: string;
  title: string;
  description: string;
  apiRoot: string;
  /** Editing: whether new credentials replace the stored ones. */
  replaceAuth: boolean;
  authType: MepmAuth['type'];
  token: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HTTP_URL = /^https?:\/\/[^\s/]+/;

export const EMPTY_MEPM_FORM: MepmForm = {
  name: '',
  title: '',
  description: '',
  apiRoot: '',
  replaceAuth: true,
  authType: 'token',
  token: '',
  tokenEndpoint: '',
  clientId: '',
  clientSecret: '',
  scope: '',
};

/**
 * The form of a registered MEPM: its settings and the non-secret parts of
 * its auth; secrets stay empty (never returned) and the stored ones are
 * kept unless the user replaces them.
 */
export function formOf(mepm: Mepm): MepmForm {
  return {
    ...EMPTY_MEPM_FORM,
    name: mepm.name,
    title: mepm.title ?? '',
    description: mepm.description ?? '',
    apiRoot: mepm.apiRoot,
    replaceAuth: false,
    authType: mepm.auth.type,
    tokenEndpoint: mepm.auth.tokenEndpoint ?? '',
    clientId: mepm.auth.clientId ?? '',
    scope: mepm.auth.scope ?? '',
  };
}

/** Per-field problems with the form, before the server sees it. */
export function validateMepmForm(
  f: MepmForm,
): Partial<Record<keyof MepmForm, string>> {
  const e: Partial<Record<keyof MepmForm, string>> = {};
  if (!NAME.test(f.name)) {
    e.name = 'A DNS label: lower-case letters, digits and dashes';
  }
  if (f.title.length > 255) e.title = 'At most 255 characters';
  if (!HTTP_URL.test(f.apiRoot.trim())) {
    e.apiRoot =
      'The MEPM’s ETSI apiRoot, e.g. https://mepm-a.example.com/api/mec';
  }
  if (!f.replaceAuth) return e;
  if (f.authType === 'token') {
    if (!f.token.trim()) e.token = 'The bearer token the MEPM accepts';
  } else {
    if (!HTTP_URL.test(f.tokenEndpoint.trim())) {
      e.tokenEndpoint = 'The OAuth 2.0 token endpoint, an http(s) URL';
    }
    if (!f.clientId.trim()) e.clientId = 'The client id the MEO presents';
    if (!f.clientSecret.trim()) e.clientSecret = 'The client secret';
  }
  return e;
}

function authOf(f: MepmForm): MepmAuth {
  if (f.authType === 'token') return { type: 'token', token: f.token.trim() };
  return {
    type: 'oauth2ClientCredentials',
    tokenEndpoint: f.tokenEndpoint.trim(),
    clientId: f.clientId.trim(),
    clientSecret: f.clientSecret.trim(),
    ...(f.scope.trim() ? { scope: f.scope.trim() } : {}),
  };
}

/** The request body of POST /mepms for a valid form. */
export function toRegisterMepm(f: MepmForm): RegisterMepm {
  return {
    name: f.name,
    ...(f.title.trim() ? { title: f.title.trim() } : {}),
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    apiRoot: f.apiRoot.trim(),
    auth: authOf(f),
  };
}

/**
 * The request body of PATCH /mepms/{name}: what changed from `mepm`, a
 * cleared title or description as null, and credentials only when replaced.
 * Undefined when nothing changed.
 */
export function toMepmPatch(mepm: Mepm, f: MepmForm): MepmPatch | undefined {
  const patch: MepmPatch = {};
  const text = (value: string, was: string | undefined) => {
    const now = value.trim();
    if (now === (was ?? '')) return undefined;
    return now || null;
  };
  const title = text(f.title, mepm.title);
  if (title !== undefined) patch.title = title;
  const description = text(f.description, mepm.description);
  if (description !== undefined) patch.description = description;
  if (f.apiRoot.trim() !== mepm.apiRoot) patch.apiRoot = f.apiRoot.trim();
  if (f.replaceAuth) patch.auth = authOf(f);
  return Object.keys(patch).length ? patch : undefined;
}

/**
 * Registers a MEPM, or changes a registered one (`mepm`). Secrets are typed
 * here and never shown again: the backend stores them encrypted and returns
 * only the auth type, token endpoint, client id and scope.
 */
export function MepmDialog(props: {
  open: boolean;
  /** The MEPM to change; none to register a new one. */
  mepm?: Mepm;
  onClose: () => void;
  onSaved: (mepm: Mepm) => void;
}) {
  const mecApi = useApi(mecApiRef);
  const { mepm, open } = props;
  const [form, setForm] = useState<MepmForm>(EMPTY_MEPM_FORM);
  const [touched, setTouched] = useState(false);
  // Each opening starts from the MEPM as it is now (or empty).
  useEffect(() => {
    if (!open) return;
    setForm(mepm ? formOf(mepm) : EMPTY_MEPM_FORM);
    setTouched(false);
  }, [open, mepm]);

  const errors = validateMepmForm(form);
  const show = (k: keyof MepmForm) => (touched ? errors[k] : undefined);
  const set = (k: keyof MepmForm) => (e: { target: { value: string } }) =>
    setForm(f => ({ ...f, [k]: e.target.value }));

  const submit = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    let saved: Mepm;
    if (mepm) {
      const patch = toMepmPatch(mepm, form);
      saved = patch ? await mecApi.updateMepm(mepm.name, patch) : mepm;
    } else {
      saved = await mecApi.registerMepm(toRegisterMepm(form));
    }
    props.onSaved(saved);
    props.onClose();
  };

  const field = (
    k: keyof MepmForm,
    label: string,
    extra: { hint?: string; required?: boolean; type?: string } = {},
  ) => (
    <TextField
      key={k}
      label={label}
      value={form[k] as string}
      onChange={set(k)}
      error={!!show(k)}
      helperText={show(k) ?? extra.hint}
      required={extra.required}
      type={extra.type}
    />
  );

  const secret = 'Write-only: stored encrypted, never shown again';
  return (
    <FormDialog
      open={open}
      title={mepm ? `Change MEPM ${mepm.name}` : 'Register MEPM'}
      submitLabel={mepm ? 'Save' : 'Register'}
      busyLabel={mepm ? 'Saving…' : 'Registering…'}
      errorTitle={mepm ? 'The change was refused' : 'Registration was refused'}
      onSubmit={submit}
      onClose={props.onClose}
      autoComplete="off"
    >
      <TextField
        label="Name"
        value={form.name}
        onChange={set('name')}
        required
        disabled={!!mepm}
        error={!!show('name')}
        helperText={
          show('name') ??
          (mepm ? 'A MEPM keeps its name' : 'Unique DNS label, e.g. mepm-paris')
        }
      />
      {field('title', 'Title (optional)')}
      {field('description', 'Description (optional)')}
      {field('apiRoot', 'API root', {
        required: true,
        hint: 'The MEPM’s ETSI {apiRoot}, e.g. https://mepm-paris.example.com/api/mec',
      })}
      {mepm && (
        <FormControlLabel
          control={
            <Checkbox
              checked={form.replaceAuth}
              onChange={e =>
                setForm(f => ({ ...f, replaceAuth: e.target.checked }))
              }
            />
          }
          label={`Replace the stored credentials (${authLabel(
            mepm.auth.type,
          )})`}
        />
      )}
      {form.replaceAuth && (
        <TextField
          select
          label="Authentication"
          value={form.authType}
          onChange={set('authType')}
        >
          <MenuItem value="token">Bearer token</MenuItem>
          <MenuItem value="oauth2ClientCredentials">
            OAuth 2.0 client credentials
          </MenuItem>
        </TextField>
      )}
      {form.replaceAuth &&
        form.authType === 'token' &&
        field('token', 'Token', {
          required: true,
          type: 'password',
          hint: secret,
        })}
      {form.replaceAuth &&
        form.authType === 'oauth2ClientCredentials' && [
          field('tokenEndpoint', 'Token endpoint', {
            required: true,
            hint: 'e.g. https://login.example.com/oauth2/token',
          }),
          field('clientId', 'Client id', { required: true }),
          field('clientSecret', 'Client secret', {
            required: true,
            type: 'password',
            hint: secret,
          }),
          field('scope', 'Scope (optional)', {
            hint: 'Space-separated scopes to ask for',
          }),
        ]}
    </FormDialog>
  );
}
