import { useApi } from '@backstage/frontend-plugin-api';
import type {
  EdgeHostDriver,
  RegisterEdgeHost,
} from '@helmmec/plugin-mec-common';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { FormDialog } from '../common/FormDialog';

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/** The form's fields. */
export interface HostForm {
  name: string;
  title: string;
  url: string;
  caData: string;
  credentialType: 'serviceAccountToken' | 'clientCertificate';
  token: string;
  certData: string;
  keyData: string;
  /** Empty: the backend's default driver. */
  driver: EdgeHostDriver | '';
  zone: string;
  site: string;
  namespaceMode: 'perInstance' | 'fixed';
  namespaceValue: string;
  probe: boolean;
}

/** Per-field problems with the form, before the server sees it. */
export function validateHostForm(
  f: HostForm,
): Partial<Record<keyof HostForm, string>> {
  const e: Partial<Record<keyof HostForm, string>> = {};
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(f.name)) {
    e.name = 'A DNS label: lower-case letters, digits and dashes';
  }
  if (!/^https:\/\/[^\s/]+/.test(f.url)) {
    e.url = 'The Kubernetes API server URL, https only';
  }
  if (f.caData && !BASE64.test(f.caData)) {
    e.caData = 'Base64 PEM, as in a kubeconfig certificate-authority-data';
  }
  if (f.credentialType === 'serviceAccountToken' && !f.token.trim()) {
    e.token = 'A service account token is required';
  }
  if (f.credentialType === 'clientCertificate') {
    if (!f.certData.trim() || !BASE64.test(f.certData)) {
      e.certData = 'Base64 PEM client certificate';
    }
    if (!f.keyData.trim() || !BASE64.test(f.keyData)) {
      e.keyData = 'Base64 PEM private key';
    }
  }
  if (
    f.namespaceMode === 'fixed' &&
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(f.namespaceValue)
  ) {
    e.namespaceValue = 'A namespace name';
  }
  return e;
}

/** The request body for a valid form. */
export function toRegisterRequest(f: HostForm): RegisterEdgeHost {
  const location = {
    ...(f.zone.trim() ? { zone: f.zone.trim() } : {}),
    ...(f.site.trim() ? { site: f.site.trim() } : {}),
  };
  return {
    name: f.name,
    title: f.title.trim() || undefined,
    url: f.url.trim(),
    caData: f.caData.replace(/\s/g, '') || undefined,
    credential:
      f.credentialType === 'serviceAccountToken'
        ? { type: 'serviceAccountToken', token: f.token.trim() }
        : {
            type: 'clientCertificate',
            certData: f.certData.replace(/\s/g, ''),
            keyData: f.keyData.replace(/\s/g, ''),
          },
    driver: f.driver || undefined,
    location: Object.keys(location).length ? location : undefined,
    namespacePolicy:
      f.namespaceMode === 'fixed'
        ? { mode: 'fixed', namespace: f.namespaceValue }
        : {
            mode: 'perInstance',
            ...(f.namespaceValue ? { prefix: f.namespaceValue } : {}),
          },
    probe: f.probe,
  };
}

const EMPTY: HostForm = {
  name: '',
  title: '',
  url: '',
  caData: '',
  credentialType: 'serviceAccountToken',
  token: '',
  certData: '',
  keyData: '',
  driver: '',
  zone: '',
  site: '',
  namespaceMode: 'perInstance',
  namespaceValue: '',
  probe: true,
};

/**
 * The driver the form submits: the one picked if it is registered, else
 * `helm` if registered, else the first registered one.
 */
export function effectiveDriver(
  picked: string,
  registered: readonly string[],
): string | undefined {
  if (registered.includes(picked)) return picked;
  return registered.includes('helm') ? 'helm' : registered[0];
}

/**
 * Registers an edge host. Secrets are typed here once and never shown
 * again: the backend stores them encrypted and returns only their kind.
 */
export function RegisterHostDialog(props: {
  open: boolean;
  onClose: () => void;
  onRegistered: () => void;
}) {
  const mecApi = useApi(mecApiRef);
  // Listed each time the dialog opens: backend modules may add drivers.
  const drivers = useAsync(
    async () => (props.open ? mecApi.listEdgeDrivers() : undefined),
    [mecApi, props.open],
  );
  const driverIds = drivers.value?.map(d => d.id) ?? [];
  const [form, setForm] = useState<HostForm>(EMPTY);
  const [touched, setTouched] = useState(false);
  const driver = effectiveDriver(form.driver, driverIds);
  const errors = validateHostForm(form);
  const show = (k: keyof HostForm) => (touched ? errors[k] : undefined);
  const set = (k: keyof HostForm) => (e: { target: { value: string } }) =>
    setForm(f => ({ ...f, [k]: e.target.value }));

  const submit = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    // Without the list (it failed), the backend's default driver applies.
    await mecApi.registerEdgeHost(
      toRegisterRequest({ ...form, driver: driver ?? '' }),
    );
    setForm(EMPTY);
    setTouched(false);
    props.onRegistered();
    props.onClose();
  };

  const field = (
    k: keyof HostForm,
    label: string,
    extra: Record<string, unknown> = {},
  ) => (
    <TextField
      label={label}
      value={form[k] as string}
      onChange={set(k)}
      error={!!show(k)}
      helperText={show(k) ?? (extra.hint as string | undefined)}
      {...Object.fromEntries(
        Object.entries(extra).filter(([x]) => x !== 'hint'),
      )}
    />
  );

  return (
    <FormDialog
      open={props.open}
      title="Register edge host"
      submitLabel="Register"
      errorTitle="Registration was refused"
      submitDisabled={drivers.loading}
      onSubmit={submit}
      onClose={props.onClose}
      autoComplete="off"
    >
      {field('name', 'Name', {
        required: true,
        hint: 'Unique DNS label, e.g. edge-1',
      })}
      {field('title', 'Title (optional)')}
      {field('url', 'Kubernetes API URL', {
        required: true,
        hint: 'e.g. https://10.0.0.5:6443',
      })}
      {field('caData', 'CA data (base64 PEM, optional)', {
        multiline: true,
        minRows: 2,
        hint: 'certificate-authority-data from the kubeconfig',
      })}
      <TextField
        select
        label="Credential type"
        value={form.credentialType}
        onChange={set('credentialType')}
      >
        <MenuItem value="serviceAccountToken">Service account token</MenuItem>
        <MenuItem value="clientCertificate">Client certificate</MenuItem>
      </TextField>
      {form.credentialType === 'serviceAccountToken'
        ? field('token', 'Token', {
            required: true,
            type: 'password',
            hint: 'Write-only: stored encrypted, never shown again',
          })
        : [
            <div key="cert">
              {field('certData', 'Client certificate (base64 PEM)', {
                required: true,
                multiline: true,
                minRows: 2,
                fullWidth: true,
              })}
            </div>,
            <div key="key">
              {field('keyData', 'Client key (base64 PEM)', {
                required: true,
                type: 'password',
                fullWidth: true,
                hint: 'Write-only: stored encrypted, never shown again',
              })}
            </div>,
          ]}
      <TextField
        select
        label="Driver"
        value={driver ?? ''}
        onChange={set('driver')}
        disabled={!driverIds.length}
        error={!!drivers.error}
        helperText={driverHelperText(drivers)}
      >
        {driverIds.map(id => (
          <MenuItem key={id} value={id}>
            {id}
          </MenuItem>
        ))}
      </TextField>
      <Stack direction="row" spacing={2}>
        {field('zone', 'Zone (optional)', { fullWidth: true })}
        {field('site', 'Site (optional)', { fullWidth: true })}
      </Stack>
      <Stack direction="row" spacing={2}>
        <TextField
          select
          label="Namespace policy"
          value={form.namespaceMode}
          onChange={set('namespaceMode')}
          sx={{ minWidth: 200 }}
        >
          <MenuItem value="perInstance">One per instance</MenuItem>
          <MenuItem value="fixed">One shared namespace</MenuItem>
        </TextField>
        {field(
          'namespaceValue',
          form.namespaceMode === 'fixed'
            ? 'Namespace'
            : 'Prefix (default mec-)',
          { fullWidth: true, required: form.namespaceMode === 'fixed' },
        )}
      </Stack>
      <FormControlLabel
        control={
          <Checkbox
            checked={form.probe}
            onChange={e => setForm(f => ({ ...f, probe: e.target.checked }))}
          />
        }
        label="Check the host can be reached before registering it"
      />
    </FormDialog>
  );
}

function driverHelperText(drivers: {
  loading: boolean;
  error?: Error;
  value?: unknown[];
}): string {
  if (drivers.loading) return 'Listing the edge drivers…';
  if (drivers.error) {
    return `Edge drivers could not be listed (${drivers.error.message}); the backend's default driver will be used`;
  }
  if (drivers.value && !drivers.value.length) {
    return 'The backend has no edge drivers';
  }
  return 'How instances are deployed on the host';
}
