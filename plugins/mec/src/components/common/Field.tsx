import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { ReactNode } from 'react';

/** A labelled value in a row of facts, as on the instance and host pages. */
export function Field(props: { label: string; children: ReactNode }) {
  return (
    <Stack spacing={0.5}>
      <Typography variant="overline" color="text.secondary">
        {props.label}
      </Typography>
      <Typography component="div">{props.children}</Typography>
    </Stack>
  );
}
