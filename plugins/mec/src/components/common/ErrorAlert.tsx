import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';

/** A failed action, with the server's ProblemDetails detail as the text. */
export function ErrorAlert(props: {
  title?: string;
  error: unknown;
  onClose?: () => void;
}) {
  if (!props.error) return null;
  const message =
    props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <Alert severity="error" onClose={props.onClose} sx={{ mb: 2 }}>
      {props.title && <AlertTitle>{props.title}</AlertTitle>}
      {message}
    </Alert>
  );
}
