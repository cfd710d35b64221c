import { mecInstanceOperatePermission } from '@helmmec/plugin-mec-common';
import { PermittedButton } from '../common/PermittedButton';
import type { AppLcmOpOcc } from '@helmmec/plugin-mec-common';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { RelativeTime } from '../common/RelativeTime';
import { StateChip } from '../common/StateChip';
import { timeStampDate } from './timeStamp';

/**
 * The latest lifecycle operation, followed live: progress while it runs,
 * the ProblemDetails detail when it fails, and retry or give up when the
 * state allows (FAILED_TEMP only).
 */
export function OpOccPanel(props: {
  opOcc: AppLcmOpOcc;
  onRetry: () => void;
  onFail: () => void;
  busy?: boolean;
}) {
  const { opOcc } = props;
  const running =
    opOcc.operationState === 'STARTING' ||
    opOcc.operationState === 'PROCESSING';
  return (
    <Paper
      sx={{ p: 2, mb: 2 }}
      role="region"
      aria-label="Latest operation"
      aria-live="polite"
    >
      <Stack direction="row" spacing={2} alignItems="center">
        <Typography variant="h6" component="h2">
          {opOcc.lcmOperation}
        </Typography>
        <StateChip state={opOcc.operationState} />
        <Typography variant="body2" color="text.secondary">
          started <RelativeTime date={timeStampDate(opOcc.startTime)} />
        </Typography>
      </Stack>
      {running && (
        <LinearProgress sx={{ mt: 2 }} aria-label="Operation in progress" />
      )}
      {opOcc.error && opOcc.operationState !== 'COMPLETED' && (
        <Alert
          severity={opOcc.operationState === 'FAILED' ? 'error' : 'warning'}
          sx={{ mt: 2 }}
          action={
            opOcc.operationState === 'FAILED_TEMP' ? (
              <Stack direction="row" spacing={1}>
                <PermittedButton
                  permission={mecInstanceOperatePermission}
                  what="retry operations"
                  color="inherit"
                  size="small"
                  onClick={props.onRetry}
                  disabled={props.busy}
                >
                  Retry
                </PermittedButton>
                <PermittedButton
                  permission={mecInstanceOperatePermission}
                  what="fail operations"
                  color="inherit"
                  size="small"
                  onClick={props.onFail}
                  disabled={props.busy}
                >
                  Mark failed
                </PermittedButton>
              </Stack>
            ) : undefined
          }
        >
          <AlertTitle>{opOcc.error.title ?? 'The operation failed'}</AlertTitle>
          {opOcc.error.detail}
        </Alert>
      )}
    </Paper>
  );
}
