import { useApi } from '@backstage/frontend-plugin-api';
import type { AppInstanceInfo, AppPkgInfo } from '@helmmec/plugin-mec-common';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { FormEvent, useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { ErrorAlert } from '../common/ErrorAlert';

/** The packages an instance can be created from. */
const USABLE_PACKAGES =
  '(eq,onboardingState,ONBOARDED);(eq,operationalState,ENABLED)';

/**
 * Creates an application instance resource (NOT_INSTANTIATED) from an
 * enabled package; instantiation is the next step, on the instance page.
 *
 * @param props.packages - the packages to choose from; without, the
 *   dialog asks the backend for the ONBOARDED, ENABLED ones
 */
export function CreateInstanceDialog(props: {
  open: boolean;
  packages?: AppPkgInfo[];
  initialAppDId?: string;
  onClose: () => void;
  onCreated: (instance: AppInstanceInfo) => void;
}) {
  const mecApi = useApi(mecApiRef);
  const given = !!props.packages;
  const loaded = useAsync(
    async () =>
      given ? [] : mecApi.listAppPackages({ filter: USABLE_PACKAGES }),
    [mecApi, given],
  );
  const usable = (props.packages ?? loaded.value ?? []).filter(
    p => p.onboardingState === 'ONBOARDED' && p.operationalState === 'ENABLED',
  );
  const [appDId, setAppDId] = useState(props.initialAppDId ?? '');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (props.open && !appDId && usable.length === 1) {
      setAppDId(usable[0].appDId);
    }
  }, [props.open, appDId, usable]);

  const nameError =
    name && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)
      ? 'Lower-case letters, digits and dashes'
      : undefined;
  const pkgError = appDId ? undefined : 'Choose an enabled package';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (nameError || pkgError) return;
    setBusy(true);
    setError(undefined);
    try {
      const instance = await mecApi.createAppInstance({
        appDId,
        appInstanceName: name || undefined,
        appInstanceDescription: description || undefined,
      });
      props.onCreated(instance);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="mec-create-instance-title"
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id="mec-create-instance-title">
          Create instance
        </DialogTitle>
        <DialogContent>
          <ErrorAlert title="The MEO refused" error={error} />
          <Stack spacing={2} sx={{ mt: 1 }}>
            <TextField
              select
              label="Package"
              value={appDId}
              onChange={e => setAppDId(e.target.value)}
              required
              error={touched && !!pkgError}
              helperText={
                (loaded.loading && 'Loading packages…') ||
                (loaded.error &&
                  `Packages not loaded: ${loaded.error.message}`) ||
                (usable.length === 0
                  ? 'No package is ONBOARDED and ENABLED yet'
                  : touched && pkgError)
              }
            >
              {usable.map(p => (
                <MenuItem key={p.id} value={p.appDId}>
                  {p.appName} {p.appSoftwareVersion}
                  {p.appProvider ? ` (${p.appProvider})` : ''}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              label="Instance name (optional)"
              value={name}
              onChange={e => setName(e.target.value)}
              error={!!nameError}
              helperText={nameError}
            />
            <TextField
              label="Description (optional)"
              value={description}
              onChange={e => setDescription(e.target.value)}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={busy}>
            Create
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
