import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { hostEntityName } from '@helmmec/plugin-mec-common';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { mecApiRef } from '../../api/MecApi';
import { AppInstancesTable } from '../AppInstancesPage/AppInstancesTable';
import { CatalogEntityLink } from '../common/CatalogEntityLink';
import { ErrorAlert } from '../common/ErrorAlert';
import { Field } from '../common/Field';
import { MecLayout } from '../common/MecLayout';
import { RelativeTime } from '../common/RelativeTime';
import { StateChip } from '../common/StateChip';
import { usePolling } from '../common/usePolling';
import { CapacityBar } from './CapacityBar';
import { cpu, health, memory } from './edgeHostFormat';
import { HostSource } from './HostSource';

/**
 * One edge host: its latest health check and capacity, its settings, and the
 * application instances it runs. The catalog's host entities link here.
 */
export function EdgeHostPage() {
  const { hostName = '' } = useParams();
  const mecApi = useApi(mecApiRef);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<unknown>();
  const { value, loading, error, retry } = usePolling(
    async () => {
      // The instances table below reads and follows its own pages.
      return { host: await mecApi.getEdgeHost(hostName) };
    },
    [mecApi, hostName],
    // Health checks and instances change on their own; follow them.
    { shouldPoll: () => true, intervalMs: 15_000 },
  );

  const check = async () => {
    setChecking(true);
    setCheckError(undefined);
    try {
      await mecApi.checkEdgeHost(hostName);
    } catch (e) {
      setCheckError(e);
    } finally {
      setChecking(false);
      retry();
    }
  };

  if (loading) {
    return (
      <MecLayout title="Edge host">
        <Progress />
      </MecLayout>
    );
  }
  if (error || !value) {
    return (
      <MecLayout title="Edge host">
        <ResponseErrorPanel error={error ?? new Error('Not found')} />
      </MecLayout>
    );
  }

  const { host } = value;
  const { status } = host;
  const policy =
    host.namespacePolicy.mode === 'fixed'
      ? `one namespace, ${host.namespacePolicy.namespace}`
      : `one per instance, ${host.namespacePolicy.prefix ?? 'mec-'}<id>`;
  const labels = Object.entries(host.labels);

  return (
    <MecLayout
      title={host.title ?? host.name}
      subtitle={host.description ?? `Edge host ${host.name} at ${host.url}`}
    >
      <ErrorAlert
        title="The check failed"
        error={checkError}
        onClose={() => setCheckError(undefined)}
      />
      <Paper sx={{ p: 2, mb: 2 }} component="section" aria-label="Health">
        <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
          <Field label="Health">
            <StateChip state={health(host)} title={status?.error} />
          </Field>
          <Field label="Checked">
            {status ? <RelativeTime date={status.checkedAt} /> : 'not yet'}
          </Field>
          <Field label="Kubernetes">{status?.kubernetesVersion ?? '—'}</Field>
          <Field label="Ready nodes">
            {status?.readyNodes !== undefined
              ? `${status.readyNodes} of ${status.totalNodes ?? '?'}`
              : '—'}
          </Field>
          <Field label="CPU">
            <CapacityBar
              label={`CPU of ${host.name}`}
              requested={status?.requested?.cpuMillicores}
              allocatable={status?.allocatable?.cpuMillicores}
              format={cpu}
            />
          </Field>
          <Field label="Memory">
            <CapacityBar
              label={`Memory of ${host.name}`}
              requested={status?.requested?.memoryBytes}
              allocatable={status?.allocatable?.memoryBytes}
              format={memory}
            />
          </Field>
        </Stack>
        {status?.error && (
          <Typography color="error" sx={{ mt: 2 }}>
            {status.error}
          </Typography>
        )}
        {status?.requestedScope === 'namespaces' && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Requested capacity counts the application namespaces only: the
            host's credential may not list pods cluster-wide.
          </Typography>
        )}
        {host.source === 'mepm' ? (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
            The health its MEPM last reported; the MEPM checks it, and this MEO
            does not reach its API server. It changes only on its MEPM.
          </Typography>
        ) : (
          <Button
            sx={{ mt: 2 }}
            variant="outlined"
            disabled={checking}
            onClick={check}
          >
            {checking ? 'Checking…' : 'Check now'}
          </Button>
        )}
      </Paper>

      <Paper sx={{ p: 2, mb: 2 }} component="section" aria-label="Settings">
        <Stack direction="row" spacing={4} flexWrap="wrap" useFlexGap>
          <Field label="API server">{host.url}</Field>
          <Field label="Driver">{host.driver}</Field>
          <Field label="Namespaces">{policy}</Field>
          <Field label="Location">
            {[host.location.zone, host.location.site]
              .filter(Boolean)
              .join(', ') || '—'}
          </Field>
          <Field label="Registered">
            {host.source === 'mepm' ? (
              <HostSource host={host} />
            ) : (
              <>
                {host.source === 'config' ? 'in app-config' : 'through the API'}
              </>
            )}
          </Field>
          <Field label="Catalog">
            <CatalogEntityLink
              kind="Resource"
              name={hostEntityName(host.name)}
              what="this edge host"
            />
          </Field>
        </Stack>
        {labels.length > 0 && (
          <Stack direction="row" spacing={1} sx={{ mt: 2 }} flexWrap="wrap">
            {labels.map(([key, label]) => (
              <Chip key={key} size="small" label={`${key}=${label}`} />
            ))}
          </Stack>
        )}
      </Paper>

      <Paper sx={{ p: 2 }} component="section" aria-labelledby="host-instances">
        <Typography
          variant="h6"
          component="h2"
          id="host-instances"
          gutterBottom
        >
          Application instances on this host
        </Typography>
        <AppInstancesTable
          label="Application instances on this host"
          hostName={host.name}
          empty={
            <Typography color="text.secondary">
              No application instances on this host yet; those the MEO places
              here, or that you instantiate here, show up in this list.
            </Typography>
          }
        />
      </Paper>
    </MecLayout>
  );
}
