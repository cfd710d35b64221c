import { useApi } from '@backstage/frontend-plugin-api';
import type { EdgeHost, PlacementPreview } from '@helmmec/plugin-mec-common';
import Alert from '@mui/material/Alert';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { FormDialog } from '../common/FormDialog';

/** Why the Helm values text is not a JSON object, if it is not. */
export function helmValuesError(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    const parsed = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return 'Helm values must be a JSON object, e.g. {"replicaCount": 2}';
    }
    return undefined;
  } catch (e) {
    return `Not valid JSON: ${(e as Error).message}`;
  }
}

// A select shows nothing for an empty value, so the default has a name.
const MEO_CHOOSES = '(meo)';

function hostLabel(host: EdgeHost | undefined, name: string) {
  if (!host) return name;
  const where = [host.location.zone, host.location.site]
    .filter(Boolean)
    .join(', ');
  return `${host.title ?? host.name}${where ? ` (${where})` : ''}`;
}

/**
 * The hosts to offer and those not offered with why, from the placement
 * preview; without one, the reachable hosts as before.
 */
function hostChoices(hosts: EdgeHost[], placement?: PlacementPreview) {
  if (!placement) {
    return {
      offered: hosts.filter(h => h.status?.reachable).map(h => h.name),
      refused: [] as Array<{ name: string; reasons: string[] }>,
    };
  }
  return {
    offered: placement.hosts.filter(h => h.fits).map(h => h.name),
    refused: placement.hosts.filter(h => !h.fits),
  };
}

/**
 * Instantiates an instance: on a chosen host or wherever the MEO places it,
 * with optional Helm values; resolves with the op occurrence. The placement
 * preview comes first: the host the MEO would choose, and why the other
 * hosts would be refused.
 */
export function InstantiateDialog(props: {
  open: boolean;
  appInstanceId: string;
  onClose: () => void;
  onStarted: (opOccId: string) => void;
}) {
  const mecApi = useApi(mecApiRef);
  const hosts = useAsync(() => mecApi.listEdgeHosts(), [mecApi]);
  const placement = useAsync(
    () => mecApi.previewPlacement({ appInstanceId: props.appInstanceId }),
    [mecApi, props.appInstanceId],
  );
  const [host, setHost] = useState(MEO_CHOOSES);
  const [values, setValues] = useState('');
  const valuesError = helmValuesError(values);
  const byName = new Map((hosts.value ?? []).map(h => [h.name, h]));
  const { offered, refused } = hostChoices(hosts.value ?? [], placement.value);
  const suggested = placement.value?.suggestedHost;
  const meoChooses = suggested
    ? `Let the MEO choose (${suggested})`
    : 'Let the MEO choose';

  function hostHelperText() {
    if (hosts.error) {
      return `Edge hosts could not be listed: ${hosts.error.message}`;
    }
    const registered = hosts.value?.length ?? 0;
    if (placement.error) {
      return `Placement could not be previewed (${placement.error.message}); ${offered.length} reachable of ${registered} registered are offered`;
    }
    if (placement.loading) return 'Previewing placement…';
    return `${offered.length} of ${
      placement.value?.hosts.length ?? registered
    } hosts fit the application`;
  }

  const submit = async () => {
    if (valuesError) return;
    const opOccId = await mecApi.instantiateAppInstance(props.appInstanceId, {
      selectedMECHostInfo:
        host === MEO_CHOOSES ? undefined : [{ hostId: { name: host } }],
      additionalParams: values.trim() ? JSON.parse(values) : undefined,
    });
    props.onStarted(opOccId);
    props.onClose();
  };

  return (
    <FormDialog
      open={props.open}
      title="Instantiate"
      submitLabel="Instantiate"
      errorTitle="The MEO refused"
      submitDisabled={!!valuesError}
      onSubmit={submit}
      onClose={props.onClose}
    >
      {placement.value && (
        <Alert severity={suggested ? 'info' : 'warning'} aria-live="polite">
          {suggested
            ? `Suggested by placement: ${suggested}`
            : 'No edge host fits the application now: the MEO would refuse to place it.'}
        </Alert>
      )}
      <TextField
        select
        label="Edge host"
        value={host}
        onChange={e => setHost(e.target.value)}
        helperText={hostHelperText()}
        SelectProps={{
          renderValue: v =>
            v === MEO_CHOOSES
              ? meoChooses
              : hostLabel(byName.get(v as string), v as string),
        }}
      >
        <MenuItem value={MEO_CHOOSES}>{meoChooses}</MenuItem>
        {offered.map(name => (
          <MenuItem key={name} value={name}>
            <ListItemText
              primary={hostLabel(byName.get(name), name)}
              secondary={
                name === suggested ? 'Suggested by placement' : undefined
              }
            />
          </MenuItem>
        ))}
      </TextField>
      {refused.length > 0 && (
        <div>
          <Typography
            id="mec-instantiate-refused"
            variant="subtitle2"
            component="h3"
          >
            Not offered: placement rejects these hosts
          </Typography>
          <List dense aria-labelledby="mec-instantiate-refused">
            {refused.map(r => (
              <ListItem key={r.name} disableGutters>
                <ListItemText
                  primary={hostLabel(byName.get(r.name), r.name)}
                  secondary={r.reasons.join('; ')}
                />
              </ListItem>
            ))}
          </List>
        </div>
      )}
      <TextField
        label="Helm values (JSON, optional)"
        value={values}
        onChange={e => setValues(e.target.value)}
        multiline
        minRows={4}
        placeholder='{"replicaCount": 1}'
        error={!!valuesError}
        helperText={valuesError ?? 'Passed to the chart as values'}
        inputProps={{ style: { fontFamily: 'monospace' } }}
      />
    </FormDialog>
  );
}
