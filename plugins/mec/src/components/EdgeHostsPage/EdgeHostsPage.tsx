import {
  mecHostRegisterPermission,
  mecHostRemovePermission,
} from '@helmmec/plugin-mec-common';
import { PermittedButton } from '../common/PermittedButton';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { EdgeHost } from '@helmmec/plugin-mec-common';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { mecApiRef } from '../../api/MecApi';
import { filterTerm } from '../../api/mecFilter';
import { ConfirmDialog } from '../common/ConfirmDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { MecLayout } from '../common/MecLayout';
import { RelativeTime } from '../common/RelativeTime';
import { StateChip } from '../common/StateChip';
import { usePolling } from '../common/usePolling';
import { useMecPaths } from '../common/useMecPaths';
import { CapacityBar } from './CapacityBar';
import { HostSource } from './HostSource';
import { cpu, health, memory } from './edgeHostFormat';
import {
  isLocalEdgeClusterOnItsWay,
  LocalEdgeClusterBanner,
  useLocalEdgeCluster,
} from './LocalEdgeClusterBanner';
import { RegisterHostDialog } from './RegisterHostDialog';

/** The edge hosts (Kubernetes clusters): health, capacity, registration. */
export function EdgeHostsPage() {
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const [registering, setRegistering] = useState(false);
  const [toRemove, setToRemove] = useState<EdgeHost>();
  const [checking, setChecking] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const { value, loading, error, retry } = usePolling(
    async () => {
      const hosts = await mecApi.listEdgeHosts();
      // One page of each host's instances, filtered by the backend: the
      // count, or "more than a page" (MEC 009 paging tells no total).
      const perHost = new Map<string, string>();
      await Promise.all(
        hosts.map(async h => {
          const page = await mecApi.listAppInstancesPage({
            filter: filterTerm('eq', 'edgeHost/name', h.name),
          });
          perHost.set(
            h.name,
            `${page.items.length}${page.nextMarker ? '+' : ''}`,
          );
        }),
      );
      return { hosts, perHost };
    },
    [mecApi],
    // The backend re-checks hosts periodically; show its latest view.
    { shouldPoll: () => true, intervalMs: 30_000 },
  );
  // npm start's local edge cluster registers itself when it is up.
  const localEdgeCluster = useLocalEdgeCluster(retry);

  const check = async (name: string) => {
    setChecking(name);
    setActionError(undefined);
    try {
      await mecApi.checkEdgeHost(name);
    } catch (e) {
      setActionError(e);
    } finally {
      setChecking(undefined);
      retry();
    }
  };

  const remove = async (name: string) => {
    setActionError(undefined);
    try {
      await mecApi.deleteEdgeHost(name);
    } catch (e) {
      setActionError(e);
    }
    retry();
  };

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value || value.hosts.length === 0) {
    body = isLocalEdgeClusterOnItsWay(localEdgeCluster) ? (
      <EmptyState
        missing="data"
        title="No edge hosts registered yet"
        description="The local edge cluster is on its way: npm start builds and starts it in the background and registers it here as an edge host when it is up. You may also register another cluster with its API URL and a credential."
      />
    ) : (
      <EmptyState
        missing="data"
        title="No edge hosts registered"
        description="An edge host is a Kubernetes cluster the MEO deploys application instances to. Register one with its API URL and a credential."
      />
    );
  } else {
    body = (
      <TableContainer component={Paper}>
        <Table
          aria-label="Edge hosts"
          size="small"
          sx={{ '& th, & td:last-child': { whiteSpace: 'nowrap' } }}
        >
          <TableHead>
            <TableRow>
              {/* The nowrap columns beside it would squeeze it to a letter wide. */}
              <TableCell sx={{ minWidth: 180 }}>Host</TableCell>
              <TableCell>Health</TableCell>
              <TableCell>Kubernetes</TableCell>
              <TableCell>Ready nodes</TableCell>
              <TableCell>CPU</TableCell>
              <TableCell>Memory</TableCell>
              <TableCell>Instances</TableCell>
              <TableCell>Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {value.hosts.map(h => (
              <TableRow key={h.name}>
                <TableCell>
                  <Typography fontWeight="bold">
                    <Link to={paths.edgeHost(h.name)}>{h.title ?? h.name}</Link>
                  </Typography>
                  <Typography variant="body2" color="text.secondary">
                    {h.url}
                    {h.location.zone ? ` · zone ${h.location.zone}` : ''}
                    {h.location.site ? ` · site ${h.location.site}` : ''} ·{' '}
                    {h.driver} · <HostSource host={h} />
                  </Typography>
                </TableCell>
                <TableCell>
                  <StateChip state={health(h)} title={h.status?.error} />
                  {h.status?.error && (
                    <Typography variant="body2" color="error">
                      {h.status.error}
                    </Typography>
                  )}
                  {h.status && (
                    <Typography variant="caption" display="block">
                      checked <RelativeTime date={h.status.checkedAt} />
                    </Typography>
                  )}
                </TableCell>
                <TableCell>{h.status?.kubernetesVersion ?? '—'}</TableCell>
                <TableCell>
                  {h.status?.readyNodes !== undefined
                    ? `${h.status.readyNodes} of ${h.status.totalNodes ?? '?'}`
                    : '—'}
                </TableCell>
                <TableCell>
                  <CapacityBar
                    label={`CPU of ${h.name}`}
                    requested={h.status?.requested?.cpuMillicores}
                    allocatable={h.status?.allocatable?.cpuMillicores}
                    format={cpu}
                  />
                </TableCell>
                <TableCell>
                  <CapacityBar
                    label={`Memory of ${h.name}`}
                    requested={h.status?.requested?.memoryBytes}
                    allocatable={h.status?.allocatable?.memoryBytes}
                    format={memory}
                  />
                </TableCell>
                <TableCell>{value.perHost.get(h.name) ?? 0}</TableCell>
                <TableCell>
                  {/* Stacked where the table is narrower than a wide screen. */}
                  <Stack
                    direction={{ xs: 'column', xl: 'row' }}
                    spacing={1}
                    alignItems="flex-start"
                  >
                    {/* A MEPM checks, changes and removes its own hosts. */}
                    {h.source !== 'mepm' && (
                      <Button
                        size="small"
                        aria-label={`Check ${h.name} now`}
                        disabled={checking === h.name}
                        onClick={() => check(h.name)}
                      >
                        {checking === h.name ? 'Checking…' : 'Check now'}
                      </Button>
                    )}
                    {h.source === 'api' && (
                      <PermittedButton
                        permission={mecHostRemovePermission}
                        what="remove edge hosts"
                        size="small"
                        color="error"
                        aria-label={`Remove ${h.name}`}
                        onClick={() => setToRemove(h)}
                      >
                        Remove
                      </PermittedButton>
                    )}
                  </Stack>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    );
  }

  return (
    <MecLayout
      title="Edge hosts"
      subtitle="The Kubernetes clusters the MEC Orchestrator deploys application instances to"
    >
      <Stack direction="row" justifyContent="flex-end" sx={{ mb: 2 }}>
        <PermittedButton
          permission={mecHostRegisterPermission}
          what="register edge hosts"
          variant="contained"
          onClick={() => setRegistering(true)}
        >
          Register host
        </PermittedButton>
      </Stack>
      <LocalEdgeClusterBanner progress={localEdgeCluster} />
      <ErrorAlert
        title="The request was refused"
        error={actionError}
        onClose={() => setActionError(undefined)}
      />
      {body}
      <RegisterHostDialog
        open={registering}
        onClose={() => setRegistering(false)}
        onRegistered={retry}
      />
      <ConfirmDialog
        open={!!toRemove}
        title="Remove edge host?"
        confirmLabel="Remove"
        onClose={() => setToRemove(undefined)}
        onConfirm={() => toRemove && remove(toRemove.name)}
      >
        {toRemove &&
          `${toRemove.name} is removed from the registry and its credential deleted. Hosts with instances cannot be removed.`}
      </ConfirmDialog>
    </MecLayout>
  );
}
