import { useApi } from '@backstage/frontend-plugin-api';
import type { AppInstanceInfo, AppPkgInfo } from '@helmmec/plugin-mec-common';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { mecApiRef } from '../../api/MecApi';
import { FormDialog } from '../common/FormDialog';
import { helmValuesError } from './InstantiateDialog';
import { compareVersions, packageVersion } from './useUpgradeTargets';

/**
 * Changes an instance to another onboarded version of its application
 * (change_app_pkg, HelmMEC's extension): `helm upgrade` in place, rolled
 * back if the new version fails. Without values the current ones stay.
 */
export function UpgradeDialog(props: {
  open: boolean;
  instance: AppInstanceInfo;
  /** The other versions, newest first; the first newer one is preselected. */
  targets: AppPkgInfo[];
  initial?: AppPkgInfo;
  onClose: () => void;
  onStarted: (opOccId: string) => void;
}) {
  const mecApi = useApi(mecApiRef);
  const { instance, targets } = props;
  const [appDId, setAppDId] = useState(
    props.initial?.appDId ?? targets[0]?.appDId ?? '',
  );
  const [values, setValues] = useState('');
  const valuesError = helmValuesError(values);
  const target = targets.find(p => p.appDId === appDId);
  const direction =
    target &&
    compareVersions(packageVersion(target), instance.appSoftVersion) < 0
      ? 'Downgrade'
      : 'Upgrade';

  return (
    <FormDialog
      open={props.open}
      title={`Change version of ${instance.appInstanceName || instance.id}`}
      submitLabel={
        target ? `${direction} to ${packageVersion(target)}` : 'Change version'
      }
      busyLabel="Starting…"
      errorTitle="The MEO refused"
      submitDisabled={!target || !!valuesError}
      onClose={props.onClose}
      onSubmit={async () => {
        if (!target || valuesError) return;
        const opOccId = await mecApi.changeAppPkg(instance.id, {
          appDId: target.appDId!,
          ...(values.trim() ? { additionalParams: JSON.parse(values) } : {}),
        });
        props.onStarted(opOccId);
        props.onClose();
      }}
    >
      <Typography variant="body2" color="text.secondary">
        {`${instance.appName} ${instance.appSoftVersion} runs on ${
          instance.edgeHost?.name ?? 'its edge host'
        }. The release is upgraded in place; if the new version does not become ready, it is rolled back to the current one.`}
      </Typography>
      <TextField
        select
        label="Version"
        value={appDId}
        onChange={e => setAppDId(e.target.value)}
      >
        {targets.map(p => (
          <MenuItem key={p.id} value={p.appDId}>
            {`${packageVersion(p)} (AppD ${p.appDVersion}, ${p.appDId})`}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label="Helm values (JSON, optional)"
        value={values}
        onChange={e => setValues(e.target.value)}
        multiline
        minRows={3}
        placeholder='{"replicaCount": 1}'
        error={!!valuesError}
        helperText={
          valuesError ?? 'Empty keeps the values of the current version'
        }
        inputProps={{ style: { fontFamily: 'monospace' } }}
      />
    </FormDialog>
  );
}
