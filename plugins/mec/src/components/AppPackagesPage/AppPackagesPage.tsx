import {
  Content,
  EmptyState,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { AppPkgInfo } from '@helmmec/plugin-mec-common';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';

function StateChip(props: { label: string; good: boolean }) {
  return (
    <Chip
      size="small"
      label={props.label}
      color={props.good ? 'success' : 'default'}
      variant={props.good ? 'filled' : 'outlined'}
    />
  );
}

function AppPackagesTable(props: { packages: AppPkgInfo[] }) {
  return (
    <TableContainer component={Paper}>
      <Table aria-label="MEC application packages">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Provider</TableCell>
            <TableCell>Software version</TableCell>
            <TableCell>Onboarding</TableCell>
            <TableCell>Operational</TableCell>
            <TableCell>Usage</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.packages.map(pkg => (
            <TableRow key={pkg.id}>
              <TableCell>{pkg.appName}</TableCell>
              <TableCell>{pkg.appProvider ?? '—'}</TableCell>
              <TableCell>{pkg.appSoftwareVersion}</TableCell>
              <TableCell>
                <StateChip
                  label={pkg.onboardingState}
                  good={pkg.onboardingState === 'ONBOARDED'}
                />
              </TableCell>
              <TableCell>
                <StateChip
                  label={pkg.operationalState}
                  good={pkg.operationalState === 'ENABLED'}
                />
              </TableCell>
              <TableCell>
                <StateChip
                  label={pkg.usageState}
                  good={pkg.usageState === 'IN_USE'}
                />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

/** The MEC application packages known to the MEO. */
export function AppPackagesPage() {
  const mecApi = useApi(mecApiRef);
  const { value, loading, error } = useAsync(
    () => mecApi.listAppPackages(),
    [mecApi],
  );

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value || value.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No MEC application packages yet"
        description="A MEC application package is a Helm chart plus its application descriptor (AppD). Onboard one through the ETSI MEC 010-2 app_pkgm API (POST /api/mec/app_pkgm/v1/app_packages); the examples/ folder of HelmMEC holds ready-made packages."
      />
    );
  } else {
    body = <AppPackagesTable packages={value} />;
  }

  return (
    <Page themeId="tool">
      <Header
        title="MEC application packages"
        subtitle="Helm charts with their ETSI MEC application descriptors, onboarded to the MEC Orchestrator"
      />
      <Content>{body}</Content>
    </Page>
  );
}
