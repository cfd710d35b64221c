import { useApi } from '@backstage/frontend-plugin-api';
import type { LocalEdgeCluster } from '@helmmec/plugin-mec-common';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import CircularProgress from '@mui/material/CircularProgress';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useEffect, useRef } from 'react';
import { mecApiRef } from '../../api/MecApi';
import { usePolling } from '../common/usePolling';

/** Phases after which nothing changes until npm start runs again. */
const SETTLED = new Set(['registered', 'failed']);

/** Whether the local edge cluster is still being built, started or registered. */
export function isLocalEdgeClusterOnItsWay(progress?: LocalEdgeCluster) {
  return !!progress && !SETTLED.has(progress.phase);
}

/**
 * The progress of `npm start`'s local edge cluster, polled while it is on
 * its way; calls `onRegistered` when it has registered itself, so that the
 * page lists the new host. Undefined where the backend has none, and when
 * its progress cannot be read (the page works without it).
 */
export function useLocalEdgeCluster(onRegistered: () => void) {
  const mecApi = useApi(mecApiRef);
  const { value } = usePolling(() => mecApi.getLocalEdgeCluster(), [mecApi], {
    shouldPoll: isLocalEdgeClusterOnItsWay,
    intervalMs: 3000,
  });
  const onRegisteredRef = useRef(onRegistered);
  onRegisteredRef.current = onRegistered;
  const seenOnItsWay = useRef(false);
  useEffect(() => {
    if (isLocalEdgeClusterOnItsWay(value)) {
      seenOnItsWay.current = true;
    } else if (value?.phase === 'registered' && seenOnItsWay.current) {
      seenOnItsWay.current = false;
      onRegisteredRef.current();
    }
  }, [value]);
  return value;
}

/** "3m 10s" */
export function formatElapsed(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest}s`;
  return `${minutes}m ${String(rest).padStart(2, '0')}s`;
}

const WHAT_HAPPENS: Record<string, string> = {
  building:
    'npm start builds its Kubernetes binaries from upstream Go modules, once: about 10 to 25 minutes on 2 cores, cached afterwards. It then starts the cluster and registers it here as an edge host.',
  starting:
    'Its processes are starting: etcd, kube-apiserver, the controllers and the kwok nodes. It then registers itself here as an edge host.',
  registering: 'It is up and registers itself here as an edge host.',
};

function LogTail(props: { lines: string[] }) {
  if (props.lines.length === 0) return null;
  return (
    <Box component="details" sx={{ mt: 1 }}>
      <summary>Log</summary>
      <Box
        component="pre"
        sx={{ m: 0, mt: 1, fontSize: '0.75rem', whiteSpace: 'pre-wrap' }}
      >
        {props.lines.join('\n')}
      </Box>
    </Box>
  );
}

/**
 * While `npm start`'s local edge cluster builds, starts and registers
 * itself: what it is doing and for how long; when it failed: why and what
 * to do. Nothing once it is registered, or where there is none.
 */
export function LocalEdgeClusterBanner(props: { progress?: LocalEdgeCluster }) {
  const { progress } = props;
  if (!progress || progress.phase === 'registered') return null;
  const elapsed = formatElapsed(progress.elapsedSeconds);
  if (progress.phase === 'failed') {
    return (
      <Alert
        severity="error"
        sx={{ mb: 2 }}
        aria-label="Local edge cluster failed"
      >
        <AlertTitle>
          Local edge cluster "{progress.name}": {progress.message} (after{' '}
          {elapsed})
        </AlertTitle>
        {progress.error && (
          <Box
            component="pre"
            sx={{ m: 0, mb: 1, fontSize: '0.75rem', whiteSpace: 'pre-wrap' }}
          >
            {progress.error}
          </Box>
        )}
        {progress.hint && (
          <Typography variant="body2">{progress.hint}</Typography>
        )}
        <LogTail lines={progress.log} />
      </Alert>
    );
  }
  return (
    <Alert
      severity="info"
      icon={<CircularProgress size={20} />}
      sx={{ mb: 2, '& .MuiAlert-message': { width: '100%' } }}
      aria-label="Local edge cluster on its way"
    >
      <AlertTitle>
        Local edge cluster "{progress.name}": {progress.message}… ({elapsed})
      </AlertTitle>
      <LinearProgress aria-label={`Local edge cluster ${progress.phase}`} />
      <Typography variant="body2" sx={{ mt: 1 }}>
        {WHAT_HAPPENS[progress.phase]}
      </Typography>
      {progress.built && progress.built.length > 0 && (
        <Typography variant="body2">
          Built so far: {progress.built.join(', ')}.
        </Typography>
      )}
      <LogTail lines={progress.log} />
    </Alert>
  );
}
