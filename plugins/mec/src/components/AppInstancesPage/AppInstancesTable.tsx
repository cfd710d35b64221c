import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { AppInstanceInfo } from '@helmmec/plugin-mec-common';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { allOf, filterTerm } from '../../api/mecFilter';
import { PageNav } from '../common/PageNav';
import { StateChip } from '../common/StateChip';
import { useDebouncedValue } from '../common/useDebouncedValue';
import { useMecPaths } from '../common/useMecPaths';
import { usePagedList } from '../common/usePagedList';

/** The state a person cares about: STARTED/STOPPED once instantiated. */
export function instanceState(instance: AppInstanceInfo): string {
  return instance.instantiationState === 'INSTANTIATED'
    ? instance.instantiatedAppState?.operationalState ?? 'INSTANTIATED'
    : 'NOT_INSTANTIATED';
}

const STATE_FILTERS: Record<string, string> = {
  STARTED:
    '(eq,instantiationState,INSTANTIATED);(eq,instantiatedAppState/operationalState,STARTED)',
  STOPPED:
    '(eq,instantiationState,INSTANTIATED);(eq,instantiatedAppState/operationalState,STOPPED)',
  NOT_INSTANTIATED: '(eq,instantiationState,NOT_INSTANTIATED)',
};

/**
 * Application instances, one page at a time: the backend pages, filters
 * (ETSI GS MEC 009 filter expressions) and orders them (by creation), so
 * the first rows show at once however many instances there are.
 *
 * @param props.hostName - only the instances on this edge host: no host
 *   filter, and their namespace in place of the host column
 * @param props.appPkgId - only the instances of this package (no package filter shown)
 * @param props.empty - shown when there is no instance at all
 * @param props.label - the table's accessible name
 */
export function AppInstancesTable(props: {
  label?: string;
  hostName?: string;
  appPkgId?: string;
  empty: ReactNode;
}) {
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const [searchText, setSearchText] = useState('');
  const search = useDebouncedValue(searchText.trim());
  const [appNameText, setAppNameText] = useState('');
  const appName = useDebouncedValue(appNameText.trim());
  const [state, setState] = useState('');
  const [host, setHost] = useState('');
  const hosts = useAsync(
    async () => (props.hostName ? [] : mecApi.listEdgeHosts()),
    [mecApi, props.hostName],
  );

  const filter = allOf(
    filterTerm('eq', 'edgeHost/name', props.hostName ?? host),
    filterTerm('eq', 'appPkgId', props.appPkgId),
    state && STATE_FILTERS[state],
    filterTerm('cont', 'appInstanceName', search),
    filterTerm('cont', 'appName', appName),
  );
  const filtered = !!(search || appName || state || host);
  const list = usePagedList(
    marker => mecApi.listAppInstancesPage({ filter, marker }),
    [mecApi, filter],
    // Instances change state through operations started elsewhere too.
    { shouldPoll: () => true, intervalMs: 5000 },
  );

  if (list.loading) return <Progress />;
  if (list.error && !list.items) {
    return <ResponseErrorPanel error={list.error} />;
  }
  const rows = list.items ?? [];
  if (rows.length === 0 && !filtered && list.pageIndex === 0) {
    return <>{props.empty}</>;
  }

  return (
    <Paper>
      <Stack direction="row" spacing={2} sx={{ p: 2 }} flexWrap="wrap">
        <TextField
          label="Search instances by name"
          size="small"
          value={searchText}
          onChange={e => setSearchText(e.target.value)}
          sx={{ minWidth: 240 }}
        />
        <TextField
          select
          label="State"
          size="small"
          value={state}
          onChange={e => setState(e.target.value)}
          sx={{ minWidth: 180 }}
        >
          <MenuItem value="">All states</MenuItem>
          {Object.keys(STATE_FILTERS).map(s => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
        {!props.hostName && (
          <TextField
            select
            label="Edge host"
            size="small"
            value={host}
            onChange={e => setHost(e.target.value)}
            sx={{ minWidth: 180 }}
          >
            <MenuItem value="">All edge hosts</MenuItem>
            {(hosts.value ?? []).map(h => (
              <MenuItem key={h.name} value={h.name}>
                {h.name}
              </MenuItem>
            ))}
          </TextField>
        )}
        {!props.appPkgId && (
          <TextField
            label="Application"
            size="small"
            value={appNameText}
            onChange={e => setAppNameText(e.target.value)}
          />
        )}
      </Stack>
      {list.refreshing ? (
        <LinearProgress aria-label="Loading instances" />
      ) : (
        <div style={{ height: 4 }} />
      )}
      {list.error && <ResponseErrorPanel error={list.error} />}
      <TableContainer>
        <Table
          aria-label={props.label ?? 'MEC application instances'}
          size="small"
        >
          <TableHead>
            <TableRow>
              <TableCell>Instance</TableCell>
              <TableCell>State</TableCell>
              <TableCell>
                {props.hostName ? 'Namespace' : 'Edge host'}
              </TableCell>
              <TableCell>Package</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.length === 0 && (
              <TableRow>
                <TableCell colSpan={4}>
                  <Typography color="text.secondary">
                    No instance matches the search and filters.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
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
                <TableCell>
                  {props.hostName && (i.edgeHost?.namespace ?? '—')}
                  {!props.hostName && i.edgeHost?.name && (
                    <Link to={paths.edgeHost(i.edgeHost.name)}>
                      {i.edgeHost.name}
                    </Link>
                  )}
                  {!props.hostName && !i.edgeHost?.name && '—'}
                </TableCell>
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
      <PageNav
        pageIndex={list.pageIndex}
        hasPrevious={list.hasPrevious}
        hasNext={list.hasNext}
        onPrevious={list.previous}
        onNext={list.next}
      />
    </Paper>
  );
}
