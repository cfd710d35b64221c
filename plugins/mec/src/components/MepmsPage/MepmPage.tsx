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
import { health } from '../EdgeHostsPage/edgeHostFormat';
import { ErrorAlert } from '../common/ErrorAlert';
import { Field } from '../common/Field';
import { MecLayout } from '../common/MecLayout';
import { RelativeTime } from '../common/RelativeTime';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';
import { usePolling } from '../common/usePolling';
import { MepmActions } from './MepmActions';
import { authLabel, mepmHealth, notificationsOf } from './mepmFormat';

/**
 * One MEPM: its latest check, how the MEO reaches it, the hosts it reports
 * (and those left out, with why), and its actions. The edge hosts a MEPM
 * manages link here.
 */
export function MepmPage() {
  const { mepmName = '' } = useParams();
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const navigate = useNavigate();
  const [actionError, setActionError] = useState<unknown>();
  const { value, loading, error, retry } = usePolling(
    async () => {
      const [mepm, hosts] = await Promise.all([
        mecApi.getMepm(mepmName),
        mecApi.listEdgeHosts(),
      ]);
      return {
        mepm,
        hosts: hosts.filter(h => h.source === 'mepm' && h.mepm === mepmName),
      };
    },
    [mecApi, mepmName],
    { shouldPoll: () => true, intervalMs: 15_000 },
  );

  if (loading) {
    return (
      <MecLayout title="MEPM">
        <Progress />
      </MecLayout>
    );
  }
  if (!value) {
    return (
      <MecLayout title="MEPM">
        <ResponseErrorPanel error={error ?? new Error('Not found')} />
      </MecLayout>
    );
  }

  const { mepm, hosts } = value;
  const { status, auth } = mepm;
  const leftOut = status?.hostsLeftOut ?? [];
  return (
    <MecLayout
      title={mepm.title ?? mepm.name}
      subtitle={mepm.description ?? `MEPM ${mepm.name} at ${mepm.apiRoot}`}
    >
      <ErrorAlert
        title="The request was refused"
        error={actionError}
        onClose={() => setActionError(undefined)}
      />
      {error && <ErrorAlert title="Could not refresh" error={error} />}
      <Paper sx={{ p: 2, mb: 2 }} component="section" aria-label="Health">
        <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
          <Field label="Health">
            <StateChip state={mepmHealth(mepm)} title={status?.error} />
          </Field>
          <Field label="Checked">
            {status ? <RelativeTime date={status.checkedAt} /> : 'not yet'}
          </Field>
          <Field label="Hosts">{status ? status.hostCount : '—'}</Field>
          <Field label="Notifications">{notificationsOf(mepm)}</Field>
          <Field label="Last notification">
            {mepm.notifiedAt ? <RelativeTime date={mepm.notifiedAt} /> : '—'}
          </Field>
        </Stack>
        {status?.error && (
          <Typography color="error" sx={{ mt: 2 }}>
            {status.error}
          </Typography>
        )}
        <Stack sx={{ mt: 2 }}>
          <MepmActions
            mepm={mepm}
            direction="row"
            onChanged={retry}
            onRemoved={() => navigate(paths.mepms)}
            onError={setActionError}
          />
        </Stack>
      </Paper>

      <Paper sx={{ p: 2, mb: 2 }} component="section" aria-label="Settings">
        <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
          <Field label="API root">{mepm.apiRoot}</Field>
          <Field label="Authentication">{authLabel(auth.type)}</Field>
          {auth.tokenEndpoint && (
            <Field label="Token endpoint">{auth.tokenEndpoint}</Field>
          )}
          {auth.clientId && <Field label="Client id">{auth.clientId}</Field>}
          {auth.scope && <Field label="Scope">{auth.scope}</Field>}
          <Field label="Registered">
            <RelativeTime date={mepm.createdAt} />
          </Field>
          <Field label="Changed">
            <RelativeTime date={mepm.updatedAt} />
          </Field>
        </Stack>
      </Paper>

      <Paper sx={{ p: 2 }} component="section" aria-labelledby="mepm-hosts">
        <Typography variant="h6" component="h2" id="mepm-hosts" gutterBottom>
          Edge hosts it reports
        </Typography>
        {hosts.length === 0 ? (
          <Typography color="text.secondary">
            No hosts from this MEPM in the registry. Hosts registered on the
            MEPM (its own /hosts API) show up here after its next check.
          </Typography>
        ) : (
          <Table size="small" aria-label={`Edge hosts of ${mepm.name}`}>
            <TableHead>
              <TableRow>
                <TableCell>Host</TableCell>
                <TableCell>Health (as the MEPM reported it)</TableCell>
                <TableCell>Location</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {hosts.map(h => (
                <TableRow key={h.name}>
                  <TableCell>
                    <Link to={paths.edgeHost(h.name)}>{h.title ?? h.name}</Link>
                  </TableCell>
                  <TableCell>
                    <StateChip state={health(h)} title={h.status?.error} />
                  </TableCell>
                  <TableCell>
                    {[h.location.zone, h.location.site]
                      .filter(Boolean)
                      .join(', ') || '—'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {leftOut.length > 0 && (
          <>
            <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
              Left out of the registry
            </Typography>
            <Table size="small" aria-label={`Hosts of ${mepm.name} left out`}>
              <TableHead>
                <TableRow>
                  <TableCell>Host</TableCell>
                  <TableCell>Why</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {leftOut.map(h => (
                  <TableRow key={h.name}>
                    <TableCell>{h.name}</TableCell>
                    <TableCell>{h.reason}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </>
        )}
      </Paper>
    </MecLayout>
  );
}
