import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  MEC_ANNOTATION_APP_INSTANCE_ID,
  MEC_ANNOTATION_APP_PKG_ID,
  MEC_APP_INSTANCE_KIND,
} from '@helmmec/plugin-mec-common';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import { Link as RouterLink } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { Field } from '../common/Field';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';

/**
 * The "MEC" tab of MecAppPackage and MecAppInstance entities: the live
 * ETSI state of the package or instance the entity mirrors, and a way into
 * the MEC pages to act on it.
 */
export function MecEntityContent() {
  const { entity } = useEntity();
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const isInstance = entity.kind === MEC_APP_INSTANCE_KIND;
  const id =
    entity.metadata.annotations?.[
      isInstance ? MEC_ANNOTATION_APP_INSTANCE_ID : MEC_ANNOTATION_APP_PKG_ID
    ] ?? '';
  const { value, loading, error } = useAsync(
    async () =>
      isInstance
        ? { instance: await mecApi.getAppInstance(id) }
        : { pkg: await mecApi.getAppPackage(id) },
    [mecApi, id, isInstance],
  );

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;

  if (value?.instance) {
    const i = value.instance;
    return (
      <Content>
        <InfoCard
          title={`MEC application instance ${i.appInstanceName ?? i.id}`}
        >
          <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
            <Field label="Instantiation">
              <StateChip state={i.instantiationState} />
            </Field>
            {i.instantiatedAppState && (
              <Field label="Operational">
                <StateChip state={i.instantiatedAppState.operationalState} />
              </Field>
            )}
            <Field label="Application">
              {i.appName} {i.appSoftVersion}
            </Field>
            <Field label="Edge host">{i.edgeHost?.name ?? '—'}</Field>
            <Field label="Namespace">{i.edgeHost?.namespace ?? '—'}</Field>
          </Stack>
          <Button
            sx={{ mt: 2 }}
            variant="outlined"
            component={RouterLink}
            to={paths.appInstance(i.id)}
          >
            Open in MEC
          </Button>
        </InfoCard>
      </Content>
    );
  }
  const p = value?.pkg;
  if (!p) return null;
  return (
    <Content>
      <InfoCard title={`MEC application package ${p.appName}`}>
        <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
          <Field label="Onboarding">
            <StateChip state={p.onboardingState} />
          </Field>
          <Field label="Operational">
            <StateChip state={p.operationalState} />
          </Field>
          <Field label="Usage">
            <StateChip state={p.usageState} />
          </Field>
          <Field label="Provider">{p.appProvider ?? '—'}</Field>
          <Field label="Version">{p.appSoftwareVersion}</Field>
          <Field label="AppD">{p.appDId}</Field>
        </Stack>
        <Button
          sx={{ mt: 2 }}
          variant="outlined"
          component={RouterLink}
          to={paths.appPackage(p.id)}
        >
          Open in MEC
        </Button>
      </InfoCard>
    </Content>
  );
}
