import { useApi } from '@backstage/frontend-plugin-api';
import type { EdgeHost } from '@helmmec/plugin-mec-common';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { FormEvent, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { ErrorAlert } from '../common/ErrorAlert';

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

function hostLabel(host: EdgeHost) {
  const where = [host.location.zone, host.location.site]
    .filter(Boolean)
    .join(', ');
  return `${host.title ?? host.name}${where ? ` (${where})` : ''}`;
}

/**
 * Instantiates an instance: on a chosen reachable host or wherever the MEO
 * places it, with optional Helm values; resolves with the op occurrence.
 */
export function InstantiateDialog(props: {
  open: boolean;
  appInstanceId: string;
  onClose: () => void;
  onStarted: (opOccId: string) => void;
}) {
  const mecApi = useApi(mecApiRef);
  const hosts = useAsync(() => mecApi.listEdgeHosts(), [mecApi]);
  const [host, setHost] = useState(MEO_CHOOSES);
  const [values, setValues] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const valuesError = helmValuesError(values);
  const reachable = (hosts.value ?? []).filter(h => h.status?.reachable);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (valuesError) return;
    setBusy(true);
    setError(undefined);
    try {
      const opOccId = await mecApi.instantiateAppInstance(props.appInstanceId, {
        selectedMECHostInfo:
          host === MEO_CHOOSES ? undefined : [{ hostId: { name: host } }],
        additionalParams: values.trim() ? JSON.parse(values) : undefined,
      });
      props.onStarted(opOccId);
      props.onClose();
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
      aria-labelledby="mec-instantiate-title"
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id="mec-instantiate-title">Instantiate</DialogTitle>
        <DialogContent>
          <ErrorAlert title="The MEO refused" error={error} />
          <Stack spacing={2} sx={{ mt: 1 }}>
            <TextField
              select
              label="Edge host"
              value={host}
              onChange={e => setHost(e.target.value)}
              helperText={
                hosts.error
                  ? `Edge hosts could not be listed: ${hosts.error.message}`
                  : `${reachable.length} reachable of ${
                      hosts.value?.length ?? 0
                    } registered; unreachable hosts are not offered`
              }
            >
              <MenuItem value={MEO_CHOOSES}>Let the MEO choose</MenuItem>
              {reachable.map(h => (
                <MenuItem key={h.name} value={h.name}>
                  {hostLabel(h)}
                </MenuItem>
              ))}
            </TextField>
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
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="contained"
            disabled={busy || !!valuesError}
          >
            Instantiate
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
