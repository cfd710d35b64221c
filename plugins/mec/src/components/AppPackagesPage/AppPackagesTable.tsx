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
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import LinearProgress from '@mui/material/LinearProgress';
import { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { allOf, filterTerm } from '../../api/mecFilter';
import { PermittedButton } from '../common/PermittedButton';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';

/** What a row's buttons ask the page to do. */
export type PackageAction = 'enable' | 'disable' | 'delete';

/** The package filters a person picks, before they become a MEC 009 filter. */
export interface PackageFilters {
  /** Part of the application name. */
  search: string;
  /** Part of the provider's name. */
  provider: string;
  /** A key of {@link PACKAGE_STATE_FILTERS}, or '' for all. */
  state: string;
}

/** The state filters, as ETSI GS MEC 009 filter expressions. */
export const PACKAGE_STATE_FILTERS: Record<string, string> = {
  ENABLED: '(eq,onboardingState,ONBOARDED);(eq,operationalState,ENABLED)',
  DISABLED: '(eq,onboardingState,ONBOARDED);(eq,operationalState,DISABLED)',
  CREATED: '(eq,onboardingState,CREATED)',
  UPLOADING: '(eq,onboardingState,UPLOADING)',
  PROCESSING: '(eq,onboardingState,PROCESSING)',
};

/** The filter expression of the chosen filters; undefined for none. */
export function packageFilter(filters: PackageFilters): string | undefined {
  return allOf(
    filterTerm('cont', 'appName', filters.search.trim()),
    filterTerm('cont', 'appProvider', filters.provider.trim()),
    filters.state && PACKAGE_STATE_FILTERS[filters.state],
  );
}

/**
 * One page of packages with search, provider and state filters. The
 * backend filters and pages (see {@link packageFilter}); rows come in
 * onboarding order, the backend's stable one.
 */
export function AppPackagesTable(props: {
  packages: AppPkgInfo[];
  filters: PackageFilters;
  onFiltersChange: (filters: PackageFilters) => void;
  onAction: (pkg: AppPkgInfo, action: PackageAction) => void;
  /** A new page or filter is loading. */
  refreshing?: boolean;
  /** Previous and next, under the table. */
  pageNav?: ReactNode;
}) {
  const paths = useMecPaths();
  const { filters, onFiltersChange } = props;
  const rows = props.packages;

  return (
    <Paper>
      <Stack direction="row" spacing={2} sx={{ p: 2 }} flexWrap="wrap">
        <TextField
          label="Search packages by name"
          size="small"
          value={filters.search}
          onChange={e =>
            onFiltersChange({ ...filters, search: e.target.value })
          }
          sx={{ minWidth: 240 }}
        />
        <TextField
          label="Provider"
          size="small"
          value={filters.provider}
          onChange={e =>
            onFiltersChange({ ...filters, provider: e.target.value })
          }
        />
        <TextField
          select
          label="State"
          size="small"
          value={filters.state}
          onChange={e => onFiltersChange({ ...filters, state: e.target.value })}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">All states</MenuItem>
          {Object.keys(PACKAGE_STATE_FILTERS).map(st => (
            <MenuItem key={st} value={st}>
              {st}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      {props.refreshing ? (
        <LinearProgress aria-label="Loading packages" />
      ) : (
        <div style={{ height: 4 }} />
      )}
      <TableContainer>
        <Table
          aria-label="MEC application packages"
          size="small"
          sx={{ '& th, & td:last-child': { whiteSpace: 'nowrap' } }}
        >
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Provider</TableCell>
              <TableCell>Software version</TableCell>
              <TableCell>State</TableCell>
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
            {rows.map(pkg => (
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
      {props.pageNav}
    </Paper>
  );
}
