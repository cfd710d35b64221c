import { useApi } from '@backstage/frontend-plugin-api';
import type { AppInstanceInfo, AppPkgInfo } from '@helmmec/plugin-mec-common';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { FormDialog } from '../common/FormDialog';

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

  const submit = async () => {
    setTouched(true);
    if (nameError || pkgError) return;
    const instance = await mecApi.createAppInstance({
      appDId,
      appInstanceName: name || undefined,
      appInstanceDescription: description || undefined,
    });
    props.onCreated(instance);
  };

  return (
    <FormDialog
      open={props.open}
      title="Create instance"
      submitLabel="Create"
      errorTitle="The MEO refused"
      onSubmit={submit}
      onClose={props.onClose}
    >
      <TextField
        select
        label="Package"
        value={appDId}
        onChange={e => setAppDId(e.target.value)}
        required
        error={touched && !!pkgError}
        helperText={
          (loaded.loading && 'Loading packages…') ||
          (loaded.error && `Packages not loaded: ${loaded.error.message}`) ||
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
    </FormDialog>
  );
}
