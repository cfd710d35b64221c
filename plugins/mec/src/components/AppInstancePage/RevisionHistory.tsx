import { useApi } from '@backstage/frontend-plugin-api';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { ErrorAlert } from '../common/ErrorAlert';
import { RelativeTime } from '../common/RelativeTime';
import { StateChip } from '../common/StateChip';
import { timeStampDate } from './timeStamp';

/**
 * The revisions of the instance's release on its edge host, newest first
 * (helm history, or a HelmRelease's), read again whenever `version`
 * changes (the latest operation and its state).
 */
export function RevisionHistory(props: {
  appInstanceId: string;
  version: string;
}) {
  const mecApi = useApi(mecApiRef);
  const { value, error } = useAsync(
    () => mecApi.listRevisions(props.appInstanceId),
    [mecApi, props.appInstanceId, props.version],
  );
  return (
    <Paper sx={{ mb: 2 }}>
      <Typography variant="h6" component="h2" sx={{ p: 2, pb: 0 }}>
        Revision history
      </Typography>
      {error && (
        <ErrorAlert title="Revisions could not be read" error={error} />
      )}
      {value && value.length === 0 && (
        <Typography sx={{ p: 2 }} color="text.secondary">
          No release on an edge host.
        </Typography>
      )}
      {value && value.length > 0 && (
        <Table
          size="small"
          aria-label="Revision history"
          // Short columns keep to one line; the description takes the rest.
          sx={{ '& td:not(:last-child), & th': { whiteSpace: 'nowrap' } }}
        >
          <TableHead>
            <TableRow>
              <TableCell>Revision</TableCell>
              <TableCell>Version</TableCell>
              <TableCell>Chart</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Updated</TableCell>
              <TableCell>Description</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {value.map(r => (
              <TableRow key={r.revision}>
                <TableCell>{r.revision}</TableCell>
                <TableCell>{r.appSoftVersion ?? r.appVersion ?? '—'}</TableCell>
                <TableCell>{`${r.chartName}-${r.chartVersion}`}</TableCell>
                <TableCell>
                  <StateChip state={r.status.toUpperCase()} />
                </TableCell>
                <TableCell>
                  {r.updated ? (
                    <RelativeTime date={timeStampDate(r.updated)} />
                  ) : (
                    '—'
                  )}
                </TableCell>
                <TableCell>{r.description ?? ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Paper>
  );
}
