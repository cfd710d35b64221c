import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

function tone(percent: number) {
  if (percent > 90) return 'error';
  if (percent > 70) return 'warning';
  return 'primary';
}

/** Requested versus allocatable, as a labelled bar. */
export function CapacityBar(props: {
  label: string;
  requested?: number;
  allocatable?: number;
  format: (value: number) => string;
}) {
  if (props.allocatable === undefined || props.requested === undefined) {
    return <Typography color="text.secondary">—</Typography>;
  }
  const percent =
    props.allocatable > 0
      ? Math.min(100, Math.round((props.requested / props.allocatable) * 100))
      : 0;
  const text = `${props.format(props.requested)} of ${props.format(
    props.allocatable,
  )} requested (${percent}%)`;
  return (
    <Stack sx={{ minWidth: 120 }}>
      <LinearProgress
        variant="determinate"
        value={percent}
        color={tone(percent)}
        aria-label={`${props.label}: ${text}`}
      />
      <Typography variant="caption">{text}</Typography>
    </Stack>
  );
}
