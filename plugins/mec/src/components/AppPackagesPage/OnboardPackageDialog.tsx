import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { ChangeEvent, useRef, useState } from 'react';
import { mecApiRef } from '../../api/MecApi';
import { FormDialog } from '../common/FormDialog';

const ALGORITHMS = ['SHA-256', 'SHA-384', 'SHA-512'];

/** Hex SHA-256 of a file, computed in the browser. */
export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest))
    .map(b => b.toString(16).padStart(2, '0'))
    .join('');
}

function validUrl(value: string) {
  return /^(https?|oci):\/\/\S+$/.test(value.trim());
}

/**
 * Onboards a package: from a URL or OCI reference the MEO fetches, or from
 * a ZIP uploaded here whose SHA-256 the browser computes.
 */
export function OnboardPackageDialog(props: {
  open: boolean;
  onClose: () => void;
  onOnboarded: () => void;
}) {
  const mecApi = useApi(mecApiRef);
  const [mode, setMode] = useState<'upload' | 'url'>('upload');
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [provider, setProvider] = useState('');
  const [algorithm, setAlgorithm] = useState('SHA-256');
  const [hash, setHash] = useState('');
  const [path, setPath] = useState('');
  const [file, setFile] = useState<File>();
  const fileInput = useRef<HTMLInputElement>(null);
  const [touched, setTouched] = useState(false);

  const errors = {
    name: name.trim() ? undefined : 'A package name is required',
    version: version.trim() ? undefined : 'A version is required',
    hash:
      mode === 'url' && !/^[0-9a-fA-F]{32,128}$/.test(hash.trim())
        ? 'The hex digest of the package, as published with it'
        : undefined,
    path:
      mode === 'url' && !validUrl(path)
        ? 'An http(s):// URL or an oci:// reference'
        : undefined,
    file: mode === 'upload' && !file ? 'Choose a package ZIP' : undefined,
  };
  const valid = Object.values(errors).every(e => !e);
  const show = (e?: string) => (touched ? e : undefined);

  const reset = () => {
    setName('');
    setVersion('');
    setProvider('');
    setHash('');
    setPath('');
    setFile(undefined);
    setTouched(false);
  };

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    setFile(chosen);
    if (!chosen) return;
    // Prefill from a name like video-analytics-1.0.0.zip or video-analytics.zip.
    const base = chosen.name.replace(/\.zip$/i, '');
    const match = /^(.*?)-(\d+\.\d+\.\d+\S*)$/.exec(base);
    if (!name) setName(match ? match[1] : base);
    if (!version && match) setVersion(match[2]);
    if (!version && !match) setVersion('1.0.0');
  };

  const submit = async () => {
    setTouched(true);
    if (!valid) return;
    if (mode === 'upload' && file) {
      const data = await file.arrayBuffer();
      const pkg = await mecApi.createAppPackage({
        appPkgName: name.trim(),
        appPkgVersion: version.trim(),
        appProvider: provider.trim() || undefined,
        checksum: { algorithm: 'SHA-256', hash: await sha256Hex(data) },
      });
      await mecApi.uploadAppPackageContent(
        pkg.id,
        new Blob([data], { type: 'application/zip' }),
      );
    } else {
      await mecApi.createAppPackage({
        appPkgName: name.trim(),
        appPkgVersion: version.trim(),
        appProvider: provider.trim() || undefined,
        checksum: { algorithm, hash: hash.trim().toLowerCase() },
        appPkgPath: path.trim(),
      });
    }
    reset();
    props.onOnboarded();
    props.onClose();
  };

  return (
    <FormDialog
      open={props.open}
      title="Onboard package"
      submitLabel="Onboard"
      busyLabel="Onboarding…"
      errorTitle="Onboarding was refused"
      onSubmit={submit}
      onClose={props.onClose}
      header={
        <Tabs
          value={mode}
          onChange={(_, v) => setMode(v)}
          aria-label="Package source"
          sx={{ mb: 2 }}
        >
          <Tab value="upload" label="Upload a ZIP" />
          <Tab value="url" label="From a URL or OCI reference" />
        </Tabs>
      }
    >
      {mode === 'upload' ? (
        <Stack spacing={1}>
          {/* A real button opens the hidden input, so the chooser works from the keyboard too. */}
          <Button variant="outlined" onClick={() => fileInput.current?.click()}>
            Choose package ZIP
          </Button>
          <input
            ref={fileInput}
            hidden
            type="file"
            accept=".zip,application/zip"
            aria-label="Package ZIP file"
            onChange={onFile}
          />
          <Typography
            variant="body2"
            color={show(errors.file) ? 'error' : 'text.secondary'}
          >
            {file
              ? `${file.name} (${Math.ceil(
                  file.size / 1024,
                )} KiB); its SHA-256 is computed here before upload`
              : show(errors.file) ?? 'A MEC package ZIP: Helm chart plus AppD'}
          </Typography>
        </Stack>
      ) : (
        <TextField
          label="Package URL or OCI reference"
          value={path}
          onChange={e => setPath(e.target.value)}
          required
          error={!!show(errors.path)}
          helperText={
            show(errors.path) ??
            'e.g. https://example.com/app.zip, a chart .tgz, or oci://registry/charts/app:1.0.0'
          }
        />
      )}
      <TextField
        label="Package name"
        value={name}
        onChange={e => setName(e.target.value)}
        required
        error={!!show(errors.name)}
        helperText={show(errors.name)}
      />
      <TextField
        label="Package version"
        value={version}
        onChange={e => setVersion(e.target.value)}
        required
        error={!!show(errors.version)}
        helperText={show(errors.version)}
      />
      <TextField
        label="Provider (optional)"
        value={provider}
        onChange={e => setProvider(e.target.value)}
      />
      {mode === 'url' && (
        <Stack direction="row" spacing={2}>
          <TextField
            select
            label="Checksum algorithm"
            value={algorithm}
            onChange={e => setAlgorithm(e.target.value)}
            sx={{ minWidth: 180 }}
          >
            {ALGORITHMS.map(a => (
              <MenuItem key={a} value={a}>
                {a}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label="Checksum (hex)"
            value={hash}
            onChange={e => setHash(e.target.value)}
            required
            fullWidth
            error={!!show(errors.hash)}
            helperText={show(errors.hash)}
          />
        </Stack>
      )}
    </FormDialog>
  );
}
