import {
  MEC_APP_PACKAGE_KIND,
  mecInstanceCreatePermission,
  packageEntityName,
} from '@helmmec/plugin-mec-common';
import { PermittedButton } from '../common/PermittedButton';
import {
  CodeSnippet,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type { AppD } from '@helmmec/plugin-mec-common';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { parse } from 'yaml';
import { mecApiRef } from '../../api/MecApi';
import { CreateInstanceDialog } from '../AppInstancesPage/CreateInstanceDialog';
import { allOf, filterTerm } from '../../api/mecFilter';
import { AppInstancesTable } from '../AppInstancesPage/AppInstancesTable';
import { CatalogEntityLink } from '../common/CatalogEntityLink';
import { MecLayout } from '../common/MecLayout';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';
import { AppDView } from './AppDView';

/** YAML is a superset of JSON, so one parser reads either AppD format. */
function parseAppD(text: string): Partial<AppD> | undefined {
  try {
    const value = parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One package: its states, its AppD, its instances, and Instantiate. */
export function AppPackagePage() {
  const { appPkgId = '' } = useParams();
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const { value, loading, error } = useAsync(async () => {
    const pkg = await mecApi.getAppPackage(appPkgId);
    const [appdText, sameApp] = await Promise.all([
      pkg.onboardingState === 'ONBOARDED'
        ? mecApi.getAppD(appPkgId)
        : Promise.resolve(undefined),
      // Other versions: same application from the same provider.
      mecApi.listAppPackages({
        filter: allOf(
          filterTerm('eq', 'appName', pkg.appName),
          filterTerm('eq', 'appProvider', pkg.appProvider),
        ),
      }),
    ]);
    return {
      pkg,
      appdText,
      versions: sameApp.filter(
        p => p.id !== pkg.id && p.appProvider === pkg.appProvider,
      ),
    };
  }, [mecApi, appPkgId]);

  if (loading) {
    return (
      <MecLayout title="Application package">
        <Progress />
      </MecLayout>
    );
  }
  if (error || !value) {
    return (
      <MecLayout title="Application package">
        <ResponseErrorPanel error={error ?? new Error('Not found')} />
      </MecLayout>
    );
  }
  const { pkg, appdText, versions } = value;
  const appd = appdText ? parseAppD(appdText) : undefined;
  const usable =
    pkg.onboardingState === 'ONBOARDED' && pkg.operationalState === 'ENABLED';

  return (
    <MecLayout
      title={`${pkg.appName} ${pkg.appSoftwareVersion}`}
      subtitle={appd?.appDescription ?? pkg.appProvider}
    >
      <Paper sx={{ p: 2, mb: 2 }}>
        <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap">
          <StateChip state={pkg.onboardingState} />
          <StateChip state={pkg.operationalState} />
          <StateChip state={pkg.usageState} />
          <Typography color="text.secondary">
            Provider {pkg.appProvider ?? '—'} · AppD {pkg.appDVersion || '—'} ·
            MEC {pkg.mecInfo.join(', ') || '—'}
          </Typography>
          <CatalogEntityLink
            kind={MEC_APP_PACKAGE_KIND}
            name={packageEntityName(pkg)}
            what="this package"
          />
          <span style={{ flexGrow: 1 }} />
          <PermittedButton
            permission={mecInstanceCreatePermission}
            what="create instances"
            variant="contained"
            disabled={!usable}
            title={
              usable
                ? undefined
                : 'Only an ONBOARDED, ENABLED package can be instantiated'
            }
            onClick={() => setCreating(true)}
          >
            Instantiate
          </PermittedButton>
        </Stack>
        {pkg.onboardingFailureDetails?.detail && (
          <Typography color="error" sx={{ mt: 1 }}>
            Onboarding failed: {pkg.onboardingFailureDetails.detail}
          </Typography>
        )}
      </Paper>

      {versions.length > 0 && (
        <Paper sx={{ p: 2, mb: 2 }}>
          <Typography variant="h6" component="h2" gutterBottom>
            Other versions
          </Typography>
          <Stack direction="row" spacing={2} flexWrap="wrap">
            {versions.map(v => (
              <Stack key={v.id} direction="row" spacing={1} alignItems="center">
                <Link to={paths.appPackage(v.id)}>{v.appSoftwareVersion}</Link>
                <StateChip
                  state={
                    v.onboardingState === 'ONBOARDED'
                      ? v.operationalState
                      : v.onboardingState
                  }
                />
              </Stack>
            ))}
          </Stack>
        </Paper>
      )}

      {appd ? <AppDView appd={appd} /> : null}
      {appdText && (
        <Accordion sx={{ mt: 2 }}>
          <AccordionSummary
            aria-controls="mec-appd-source"
            id="mec-appd-source-header"
          >
            AppD source
          </AccordionSummary>
          <AccordionDetails id="mec-appd-source">
            <CodeSnippet text={appdText} language="yaml" showLineNumbers />
          </AccordionDetails>
        </Accordion>
      )}

      <Paper sx={{ p: 2, mt: 2 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Instances
        </Typography>
        <AppInstancesTable
          appPkgId={pkg.id}
          empty={
            <Typography color="text.secondary">
              No instance of this package yet.
            </Typography>
          }
        />
      </Paper>

      {creating && (
        <CreateInstanceDialog
          open
          packages={[pkg]}
          initialAppDId={pkg.appDId}
          onClose={() => setCreating(false)}
          onCreated={instance => navigate(paths.appInstance(instance.id))}
        />
      )}
    </MecLayout>
  );
}
