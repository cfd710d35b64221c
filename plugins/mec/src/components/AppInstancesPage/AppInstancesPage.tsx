import { mecInstanceCreatePermission } from '@helmmec/plugin-mec-common';
import { PermittedButton } from '../common/PermittedButton';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { AppInstanceInfo } from '@helmmec/plugin-mec-common';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { mecApiRef } from '../../api/MecApi';
import { MecLayout } from '../common/MecLayout';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';
import { usePolling } from '../common/usePolling';
import { CreateInstanceDialog } from './CreateInstanceDialog';

/** The state a person cares about: STARTED/STOPPED once instantiated. */
export function instanceState(instance: AppInstanceInfo): string {
  return instance.instantiationState === 'INSTANTIATED'
    ? instance.instantiatedAppState?.operationalState ?? 'INSTANTIATED'
    : 'NOT_INSTANTIATED';
}

/** All application instances, where they run and from which package. */
export function AppInstancesPage() {
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const [search, setSearch] = useState('');
  const { value, loading, error } = usePolling(
    async () => {
      const [instances, packages] = await Promise.all([
        mecApi.listAppInstances(),
        mecApi.listAppPackages(),
      ]);
      return { instances, packages };
    },
    [mecApi],
    // Instances change state through operations started elsewhere too.
    { shouldPoll: () => true, intervalMs: 5000 },
  );

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value || value.instances.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No application instances yet"
        description="Create an instance from an enabled package, then instantiate it on an edge host."
      />
    );
  } else {
    const q = search.trim().toLowerCase();
    const rows = value.instances.filter(
      i =>
        !q ||
        [i.appInstanceName, i.appName, i.id, i.edgeHost?.name]
          .filter(Boolean)
          .some(v => v!.toLowerCase().includes(q)),
    );
    body = (
      <Paper>
        <Stack sx={{ p: 2 }}>
          <TextField
            label="Search instances"
            size="small"
            value={search}
            onChange={e => setSearch(e.target.value)}
            sx={{ maxWidth: 320 }}
          />
        </Stack>
        <TableContainer>
          <Table aria-label="MEC application instances" size="small">
            <TableHead>
              <TableRow>
                <TableCell>Instance</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Edge host</TableCell>
                <TableCell>Package</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map(i => (
                <TableRow key={i.id} hover>
                  <TableCell>
                    <Link to={paths.appInstance(i.id)}>
                      {i.appInstanceName || i.id}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <StateChip state={instanceState(i)} />
                  </TableCell>
                  <TableCell>{i.edgeHost?.name ?? '—'}</TableCell>
                  <TableCell>
                    <Link to={paths.appPackage(i.appPkgId)}>
                      {i.appName} {i.appSoftVersion}
                    </Link>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      </Paper>
    );
  }

  return (
    <MecLayout
      title="MEC application instances"
      subtitle="Applications instantiated, or about to be, on the edge hosts"
    >
      <Stack direction="row" justifyContent="flex-end" sx={{ mb: 2 }}>
        <PermittedButton
          permission={mecInstanceCreatePermission}
          what="create instances"
          variant="contained"
          onClick={() => setCreating(true)}
        >
          Create instance
        </PermittedButton>
      </Stack>
      {body}
      {creating && (
        <CreateInstanceDialog
          open
          packages={value?.packages ?? []}
          onClose={() => setCreating(false)}
          onCreated={instance => navigate(paths.appInstance(instance.id))}
        />
      )}
    </MecLayout>
  );
}
