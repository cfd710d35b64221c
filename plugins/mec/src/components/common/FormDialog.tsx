import Button from '@mui/material/Button';
import Dialog, { DialogProps } from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import { FormEvent, ReactNode, useId, useState } from 'react';
import { ErrorAlert } from './ErrorAlert';

/**
 * The frame every MEC form dialog shares: a titled form, the server's
 * refusal above the fields, Cancel and a submit button that is disabled
 * while the request runs.
 *
 * `onSubmit` does the request. It returns early (resolves) when the form is
 * not valid yet; it throws when the server refuses, and the dialog shows the
 * error and stays open. Closing on success is up to `onSubmit`, since some
 * dialogs go on to another page instead.
 */
export function FormDialog(props: {
  open: boolean;
  title: string;
  /** The label of the submit button, e.g. "Register". */
  submitLabel: string;
  /** The submit button's label while `onSubmit` runs; default `submitLabel`. */
  busyLabel?: string;
  /** The title of the error shown when `onSubmit` throws. */
  errorTitle: string;
  /** Disables submit, e.g. while the choices are still loading. */
  submitDisabled?: boolean;
  onSubmit: () => Promise<void>;
  onClose: () => void;
  /** Shown above the error, e.g. tabs that switch the form's mode. */
  header?: ReactNode;
  maxWidth?: DialogProps['maxWidth'];
  /** Off for forms with secrets, so the browser does not offer to keep them. */
  autoComplete?: 'off';
  children: ReactNode;
}) {
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      fullWidth
      maxWidth={props.maxWidth ?? 'sm'}
      aria-labelledby={titleId}
    >
      <form onSubmit={submit} noValidate autoComplete={props.autoComplete}>
        <DialogTitle id={titleId}>{props.title}</DialogTitle>
        <DialogContent>
          {props.header}
          <ErrorAlert title={props.errorTitle} error={error} />
          <Stack spacing={2} sx={{ mt: props.header ? 0 : 1 }}>
            {props.children}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="contained"
            disabled={busy || props.submitDisabled}
          >
            {busy && props.busyLabel ? props.busyLabel : props.submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
