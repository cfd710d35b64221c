import Chip from '@mui/material/Chip';

type Tone = 'success' | 'warning' | 'error' | 'info' | 'default';

const TONES: Record<string, Tone> = {
  ONBOARDED: 'success',
  ENABLED: 'success',
  IN_USE: 'info',
  CREATED: 'default',
  UPLOADING: 'info',
  PROCESSING: 'info',
  STARTING: 'info',
  DISABLED: 'warning',
  NOT_IN_USE: 'default',
  INSTANTIATED: 'success',
  NOT_INSTANTIATED: 'default',
  STARTED: 'success',
  STOPPED: 'warning',
  COMPLETED: 'success',
  FAILED_TEMP: 'warning',
  FAILED: 'error',
  FAILED_ONBOARDING: 'error',
  REACHABLE: 'success',
  UNREACHABLE: 'error',
  UNCHECKED: 'default',
};

/**
 * An ETSI state as a chip: colour for a glance, the state's text for
 * everyone (colour alone would not do for colour-blind users).
 */
export function StateChip(props: { state: string; title?: string }) {
  const tone = TONES[props.state] ?? 'default';
  return (
    <Chip
      size="small"
      label={props.state}
      title={props.title}
      color={tone}
      variant={tone === 'default' ? 'outlined' : 'filled'}
    />
  );
}
