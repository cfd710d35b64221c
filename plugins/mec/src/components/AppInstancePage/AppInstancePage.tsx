import {
  instanceEntityName,
  MEC_APP_INSTANCE_KIND,
  mecInstanceCreatePermission,
  mecInstanceInstantiatePermission,
  mecInstanceOperatePermission,
  mecInstanceTerminatePermission,
} from '@helmmec/plugin-mec-common';
import { PermittedButton } from '../common/PermittedButton';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { mecApiRef } from '../../api/MecApi';
import { instanceState } from '../AppInstancesPage/AppInstancesTable';
import { CatalogEntityLink } from '../common/CatalogEntityLink';
import { ConfirmDialog } from '../common/ConfirmDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { MecLayout } from '../common/MecLayout';
import { RelativeTime } from '../common/RelativeTime';
import { Field } from '../common/Field';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';
import { InstantiateDialog } from './InstantiateDialog';
import { OpOccPanel } from './OpOccPanel';
import { RevisionHistory } from './RevisionHistory';
import { UpgradeDialog } from './UpgradeDialog';
import { packageVersion, useUpgradeTargets } from './useUpgradeTargets';
import { timeStampDate } from './timeStamp';
import { isRunning, useAppInstance } from './useAppInstance';

/**
 * One application instance: its lifecycle actions and its operation
 * history, the latest operation followed live.
 */
export function AppInstancePage() {
  const { appInstanceId = '' } = useParams();
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const navigate = useNavigate();
  const [instantiating, setInstantiating] = useState(false);
  const [terminating, setTerminating] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [upgrading, setUpgrading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();

  const { value, loading, error, retry } = useAppInstance(appInstanceId);
  const upgrade = useUpgradeTargets(value?.instance);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await action();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
      retry();
    }
  };

  if (loading) {
    return (
      <MecLayout title="Application instance">
        <Progress />
      </MecLayout>
    );
  }
  if (error || !value) {
    return (
      <MecLayout title="Application instance">
        <ResponseErrorPanel error={error ?? new Error('Not found')} />
      </MecLayout>
    );
  }

  const { instance, history } = value;
  const latest = history[0];
  const running = isRunning(latest);
  const state = instanceState(instance);
  const instantiated = instance.instantiationState === 'INSTANTIATED';

  return (
    <MecLayout
      title={instance.appInstanceName || instance.id}
      subtitle={`Instance of ${instance.appName} ${instance.appSoftVersion}`}
    >
      <ErrorAlert
        title="The MEO refused"
        error={actionError}
        onClose={() => setActionError(undefined)}
      />
      <Paper sx={{ p: 2, mb: 2 }}>
        <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
          <Field label="State">
            <StateChip state={state} />
          </Field>
          <Field label="Package">
            <Link to={paths.appPackage(instance.appPkgId)}>
              {instance.appName} {instance.appSoftVersion}
            </Link>
          </Field>
          <Field label="Provider">{instance.appProvider}</Field>
          <Field label="Edge host">{instance.edgeHost?.name ?? '—'}</Field>
          <Field label="Namespace">{instance.edgeHost?.namespace ?? '—'}</Field>
          <Field label="Instance id">{instance.id}</Field>
          <Field label="Catalog">
            <CatalogEntityLink
              kind={MEC_APP_INSTANCE_KIND}
              name={instanceEntityName(instance)}
              what="this instance"
            />
          </Field>
        </Stack>
        {instance.appInstanceDescription && (
          <Typography sx={{ mt: 2 }}>
            {instance.appInstanceDescription}
          </Typography>
        )}
        <Stack direction="row" spacing={1} sx={{ mt: 2 }}>
          {!instantiated && (
            <PermittedButton
              permission={mecInstanceInstantiatePermission}
              what="instantiate instances"
              variant="contained"
              disabled={busy || running}
              onClick={() => setInstantiating(true)}
            >
              Instantiate
            </PermittedButton>
          )}
          {instantiated && state === 'STARTED' && (
            <PermittedButton
              permission={mecInstanceOperatePermission}
              what="stop instances"
              variant="outlined"
              disabled={busy || running}
              onClick={() =>
                run(() => mecApi.operateAppInstance(instance.id, 'STOPPED'))
              }
            >
              Stop
            </PermittedButton>
          )}
          {instantiated && state === 'STOPPED' && (
            <PermittedButton
              permission={mecInstanceOperatePermission}
              what="start instances"
              variant="outlined"
              disabled={busy || running}
              onClick={() =>
                run(() => mecApi.operateAppInstance(instance.id, 'STARTED'))
              }
            >
              Start
            </PermittedButton>
          )}
          {instantiated && upgrade.targets.length > 0 && (
            <PermittedButton
              permission={mecInstanceInstantiatePermission}
              what="change the version of instances"
              variant={upgrade.newer ? 'contained' : 'outlined'}
              disabled={busy || running}
              onClick={() => setUpgrading(true)}
            >
              {upgrade.newer
                ? `Upgrade to ${packageVersion(upgrade.newer)}`
                : 'Change version'}
            </PermittedButton>
          )}
          {instantiated && (
            <PermittedButton
              permission={mecInstanceTerminatePermission}
              what="terminate instances"
              color="error"
              variant="outlined"
              disabled={busy || running}
              onClick={() => setTerminating(true)}
            >
              Terminate
            </PermittedButton>
          )}
          {!instantiated && (
            <PermittedButton
              permission={mecInstanceCreatePermission}
              what="delete instances"
              color="error"
              variant="outlined"
              disabled={busy || running}
              onClick={() => setDeleting(true)}
            >
              Delete
            </PermittedButton>
          )}
        </Stack>
      </Paper>

      {latest && (
        <OpOccPanel
          opOcc={latest}
          busy={busy}
          onRetry={() => run(() => mecApi.retryOpOcc(latest.id))}
          onFail={() => run(() => mecApi.failOpOcc(latest.id))}
        />
      )}

      {instance.edgeHost && (
        <RevisionHistory
          appInstanceId={instance.id}
          version={`${latest?.id}:${latest?.operationState}`}
        />
      )}

      <Paper>
        <Typography variant="h6" component="h2" sx={{ p: 2, pb: 0 }}>
          Operation history
        </Typography>
        {history.length === 0 ? (
          <Typography sx={{ p: 2 }} color="text.secondary">
            No lifecycle operations yet.
          </Typography>
        ) : (
          <Table size="small" aria-label="Operation history">
            <TableHead>
              <TableRow>
                <TableCell>Operation</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Started</TableCell>
                <TableCell>State entered</TableCell>
                <TableCell>Error</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {history.map(o => (
                <TableRow key={o.id}>
                  <TableCell>{o.lcmOperation}</TableCell>
                  <TableCell>
                    <StateChip state={o.operationState} />
                  </TableCell>
                  <TableCell>
                    <RelativeTime date={timeStampDate(o.startTime)} />
                  </TableCell>
                  <TableCell>
                    <RelativeTime date={timeStampDate(o.stateEnteredTime)} />
                  </TableCell>
                  <TableCell>{o.error?.detail ?? ''}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Paper>

      {upgrading && (
        <UpgradeDialog
          open
          instance={instance}
          targets={upgrade.targets}
          initial={upgrade.newer}
          onClose={() => setUpgrading(false)}
          onStarted={retry}
        />
      )}
      {instantiating && (
        <InstantiateDialog
          open
          appInstanceId={instance.id}
          onClose={() => setInstantiating(false)}
          onStarted={retry}
        />
      )}
      <ConfirmDialog
        open={terminating}
        title="Terminate instance?"
        confirmLabel="Terminate"
        onClose={() => setTerminating(false)}
        onConfirm={() =>
          run(() => mecApi.terminateAppInstance(instance.id, 'GRACEFUL'))
        }
      >
        {`${instance.appInstanceName || instance.id} is uninstalled from ${
          instance.edgeHost?.name ?? 'its edge host'
        }. The instance resource stays, NOT_INSTANTIATED.`}
      </ConfirmDialog>
      <ConfirmDialog
        open={deleting}
        title="Delete instance?"
        confirmLabel="Delete"
        onClose={() => setDeleting(false)}
        onConfirm={() =>
          run(async () => {
            await mecApi.deleteAppInstance(instance.id);
            navigate(paths.instances);
          })
        }
      >
        {`The instance resource ${
          instance.appInstanceName || instance.id
        } and its history are removed.`}
      </ConfirmDialog>
    </MecLayout>
  );
}
