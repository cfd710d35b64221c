import {
  mecPackageDeletePermission,
  mecPackageUpdatePermission,
  type AppPkgInfo,
} from '@helmmec/plugin-mec-common';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { PermittedButton } from '../common/PermittedButton';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';

type SortKey = 'appName' | 'appProvider' | 'appSoftwareVersion' | 'state';

/** What a row's buttons ask the page to do. */
export type PackageAction = 'enable' | 'disable' | 'delete';

function stateOf(pkg: AppPkgInfo) {
  if (pkg.onboardingFailureDetails) return 'FAILED_ONBOARDING';
  return pkg.onboardingState === 'ONBOARDED'
    ? pkg.operationalState
    : pkg.onboardingState;
}

/**
 * Packages with search, provider and state filters, sorting and paging,
 * all client-side: a MEO holds tens to hundreds of packages, not millions.
 */
export function AppPackagesTable(props: {
  packages: AppPkgInfo[];
  onAction: (pkg: AppPkgInfo, action: PackageAction) => void;
}) {
  const paths = useMecPaths();
  const [search, setSearch] = useState('');
  const [provider, setProvider] = useState('');
  const [state, setState] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({
    key: 'appName',
    desc: false,
  });
  const [page, setPage] = useState(0);
  const [rowsPerPage, setRowsPerPage] = useState(10);

  const providers = useMemo(
    () =>
      [...new Set(props.packages.map(p => p.appProvider ?? ''))]
        .filter(Boolean)
        .sort(),
    [props.packages],
  );
  const states = useMemo(
    () => [...new Set(props.packages.map(stateOf))].sort(),
    [props.packages],
  );

  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    const filtered = props.packages.filter(
      p =>
        (!q ||
          [p.appName, p.appProvider, p.appSoftwareVersion, p.appDId, p.id]
            .filter(Boolean)
            .some(v => v!.toLowerCase().includes(q))) &&
        (!provider || p.appProvider === provider) &&
        (!state || stateOf(p) === state),
    );
    const key = (p: AppPkgInfo) =>
      (sort.key === 'state' ? stateOf(p) : p[sort.key] ?? '').toLowerCase();
    filtered.sort(
      (a, b) => key(a).localeCompare(key(b)) * (sort.desc ? -1 : 1),
    );
    return filtered;
  }, [props.packages, search, provider, state, sort]);

  const header = (key: SortKey, label: string) => (
    <TableCell sortDirection={sort.key === key && (sort.desc ? 'desc' : 'asc')}>
      <TableSortLabel
        active={sort.key === key}
        direction={sort.key === key && sort.desc ? 'desc' : 'asc'}
        onClick={() =>
          setSort(s => ({ key, desc: s.key === key ? !s.desc : false }))
        }
      >
        {label}
      </TableSortLabel>
    </TableCell>
  );

  return (
    <Paper>
      <Stack direction="row" spacing={2} sx={{ p: 2 }} flexWrap="wrap">
        <TextField
          label="Search packages"
          size="small"
          value={search}
          onChange={e => {
            setSearch(e.target.value);
            setPage(0);
          }}
        />
        <TextField
          select
          label="Provider"
          size="small"
          value={provider}
          onChange={e => {
            setProvider(e.target.value);
            setPage(0);
          }}
          sx={{ minWidth: 180 }}
        >
          <MenuItem value="">All providers</MenuItem>
          {providers.map(p => (
            <MenuItem key={p} value={p}>
              {p}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label="State"
          size="small"
          value={state}
          onChange={e => {
            setState(e.target.value);
            setPage(0);
          }}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">All states</MenuItem>
          {states.map(s => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      <TableContainer>
        <Table
          aria-label="MEC application packages"
          size="small"
          sx={{ '& th, & td:last-child': { whiteSpace: 'nowrap' } }}
        >
          <TableHead>
            <TableRow>
              {header('appName', 'Name')}
              {header('appProvider', 'Provider')}
              {header('appSoftwareVersion', 'Software version')}
              {header('state', 'State')}
              <TableCell>Usage</TableCell>
              <TableCell>Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.length === 0 && (
              <TableRow>
                <TableCell colSpan={6}>
                  <Typography color="text.secondary">
                    No package matches the search and filters.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {rows
              .slice(page * rowsPerPage, (page + 1) * rowsPerPage)
              .map(pkg => (
                <TableRow key={pkg.id} hover>
                  <TableCell>
                    <Link to={paths.appPackage(pkg.id)}>{pkg.appName}</Link>
                    {pkg.onboardingFailureDetails?.detail && (
                      <Typography variant="body2" color="error">
                        {pkg.onboardingFailureDetails.detail}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{pkg.appProvider ?? '—'}</TableCell>
                  <TableCell>{pkg.appSoftwareVersion}</TableCell>
                  <TableCell>
                    <Stack direction="row" spacing={1}>
                      <StateChip state={pkg.onboardingState} />
                      {pkg.onboardingState === 'ONBOARDED' && (
                        <StateChip state={pkg.operationalState} />
                      )}
                    </Stack>
                  </TableCell>
                  <TableCell>
                    <StateChip state={pkg.usageState} />
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    <Stack direction="row" spacing={1}>
                      {pkg.onboardingState === 'ONBOARDED' &&
                        (pkg.operationalState === 'ENABLED' ? (
                          <PermittedButton
                            permission={mecPackageUpdatePermission}
                            what="disable packages"
                            size="small"
                            aria-label={`Disable ${pkg.appName}`}
                            onClick={() => props.onAction(pkg, 'disable')}
                          >
                            Disable
                          </PermittedButton>
                        ) : (
                          <PermittedButton
                            permission={mecPackageUpdatePermission}
                            what="enable packages"
                            size="small"
                            aria-label={`Enable ${pkg.appName}`}
                            onClick={() => props.onAction(pkg, 'enable')}
                          >
                            Enable
                          </PermittedButton>
                        ))}
                      <PermittedButton
                        permission={mecPackageDeletePermission}
                        what="delete packages"
                        size="small"
                        color="error"
                        aria-label={`Delete ${pkg.appName}`}
                        onClick={() => props.onAction(pkg, 'delete')}
                      >
                        Delete
                      </PermittedButton>
                    </Stack>
                  </TableCell>
                </TableRow>
              ))}
          </TableBody>
        </Table>
      </TableContainer>
      <TablePagination
        component="div"
        count={rows.length}
        page={page}
        onPageChange={(_, p) => setPage(p)}
        rowsPerPage={rowsPerPage}
        rowsPerPageOptions={[10, 25, 50]}
        onRowsPerPageChange={e => {
          setRowsPerPage(Number(e.target.value));
          setPage(0);
        }}
      />
    </Paper>
  );
}
