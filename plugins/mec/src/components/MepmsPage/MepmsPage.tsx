import {
  CodeSnippet,
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { discoveryApiRef, useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  mecMepmManagePermission,
  mecMepmReadPermission,
  type Mepm,
} from '@helmmec/plugin-mec-common';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mecApiRef } from '../../api/MecApi';
import { ErrorAlert } from '../common/ErrorAlert';
import { MecLayout } from '../common/MecLayout';
import { PageNav } from '../common/PageNav';
import { PermittedButton } from '../common/PermittedButton';
import { RelativeTime } from '../common/RelativeTime';
import { StateChip } from '../common/StateChip';
import { useMecPaths } from '../common/useMecPaths';
import { usePagedList } from '../common/usePagedList';
import { MepmActions } from './MepmActions';
import { MepmDialog } from './MepmDialog';
import { authLabel, mepmHealth, notificationsOf } from './mepmFormat';

const WHAT_A_MEPM_IS =
  'A MEC Platform Manager (MEPM) runs beside the edge clusters of its site and carries out application lifecycles there over Mm3, while this MEO keeps the packages, grants and placement. Once registered, the hosts a MEPM reports join the edge hosts, and instances the MEO places on them run through that MEPM.';

/**
 * The MEPMs registered with this MEO: their health, the hosts they report,
 * and registering, changing, checking and removing them.
 */
export function MepmsPage() {
  const read = usePermission({ permission: mecMepmReadPermission });
  const [registering, setRegistering] = useState(false);
  const [reload, setReload] = useState(0);
  return (
    <MecLayout
      title="MEPMs"
      subtitle="The MEC Platform Managers this MEO drives: each runs the application lifecycles on the edge hosts of its site"
    >
      <Stack direction="row" justifyContent="flex-end" sx={{ mb: 2 }}>
        <PermittedButton
          permission={mecMepmManagePermission}
          what="register MEPMs"
          variant="contained"
          onClick={() => setRegistering(true)}
        >
          Register MEPM
        </PermittedButton>
      </Stack>
      {read.loading && <Progress />}
      {!read.loading && !read.allowed && (
        <Alert severity="info">
          You may not see the MEPMs (permission {mecMepmReadPermission.name}).
        </Alert>
      )}
      {!read.loading && read.allowed && <MepmList reload={reload} />}
      <MepmDialog
        open={registering}
        onClose={() => setRegistering(false)}
        onSaved={() => setReload(r => r + 1)}
      />
    </MecLayout>
  );
}

function MepmList(props: { reload: number }) {
  const mecApi = useApi(mecApiRef);
  const paths = useMecPaths();
  const [actionError, setActionError] = useState<unknown>();
  const list = usePagedList(
    marker => mecApi.listMepmsPage({ marker }),
    [mecApi, props.reload],
    // The MEO checks its MEPMs on its own schedule; show its latest view.
    { shouldPoll: () => true, intervalMs: 15_000 },
  );

  if (list.loading) return <Progress />;
  if (list.error && !list.items) {
    return <ResponseErrorPanel error={list.error} />;
  }
  const items = list.items ?? [];
  if (!items.length && list.pageIndex === 0) return <NoMepms />;
  return (
    <>
      <ErrorAlert
        title="The request was refused"
        error={actionError}
        onClose={() => setActionError(undefined)}
      />
      {list.error && (
        <ErrorAlert
          title="The list could not be refreshed"
          error={list.error}
        />
      )}
      <TableContainer component={Paper}>
        <Table
          aria-label="MEPMs"
          size="small"
          sx={{ '& th, & td:last-child': { whiteSpace: 'nowrap' } }}
        >
          <TableHead>
            <TableRow>
              <TableCell sx={{ minWidth: 220 }}>MEPM</TableCell>
              <TableCell>Health</TableCell>
              <TableCell>Hosts</TableCell>
              <TableCell>Notifications</TableCell>
              <TableCell>Actions</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map(m => (
              <MepmRow
                key={m.name}
                mepm={m}
                to={paths.mepm(m.name)}
                onChanged={list.retry}
                onError={setActionError}
              />
            ))}
          </TableBody>
        </Table>
        <PageNav
          pageIndex={list.pageIndex}
          hasPrevious={list.hasPrevious}
          hasNext={list.hasNext}
          onPrevious={list.previous}
          onNext={list.next}
        />
      </TableContainer>
    </>
  );
}

function MepmRow(props: {
  mepm: Mepm;
  to: string;
  onChanged: () => void;
  onError: (error: unknown) => void;
}) {
  const { mepm } = props;
  const { status } = mepm;
  const leftOut = status?.hostsLeftOut ?? [];
  return (
    <TableRow>
      <TableCell>
        <Typography fontWeight="bold">
          <Link to={props.to}>{mepm.title ?? mepm.name}</Link>
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {mepm.title ? `${mepm.name} · ` : ''}
          {mepm.apiRoot} · {authLabel(mepm.auth.type)}
        </Typography>
      </TableCell>
      <TableCell>
        <StateChip state={mepmHealth(mepm)} title={status?.error} />
        {status?.error && (
          <Typography variant="body2" color="error">
            {status.error}
          </Typography>
        )}
        <Typography variant="caption" display="block">
          {status ? (
            <>
              checked <RelativeTime date={status.checkedAt} />
            </>
          ) : (
            'not checked yet'
          )}
        </Typography>
      </TableCell>
      <TableCell>
        <Typography variant="body2">
          {status
            ? `${status.hostCount} host${status.hostCount === 1 ? '' : 's'}`
            : '—'}
        </Typography>
        {leftOut.length > 0 && (
          <Typography
            variant="body2"
            color="warning.main"
            title={leftOut.map(h => `${h.name}: ${h.reason}`).join('\n')}
          >
            {leftOut.length} left out
          </Typography>
        )}
      </TableCell>
      <TableCell>
        <Typography variant="body2">{notificationsOf(mepm)}</Typography>
      </TableCell>
      <TableCell>
        <MepmActions
          mepm={mepm}
          onChanged={props.onChanged}
          onRemoved={props.onChanged}
          onError={props.onError}
        />
      </TableCell>
    </TableRow>
  );
}

/** What a MEPM is and how to register one, with the API's equivalent. */
function NoMepms() {
  const discoveryApi = useApi(discoveryApiRef);
  const baseUrl = useAsync(
    () => discoveryApi.getBaseUrl('mec'),
    [discoveryApi],
  );
  const mec = baseUrl.value ?? 'http://localhost:7007/api/mec';
  const curl = [
    `curl -H "Authorization: Bearer $MEC_API_TOKEN" \\`,
    `  -H 'Content-Type: application/json' -d '{`,
    `  "name": "mepm-paris", "title": "Paris edge site",`,
    `  "apiRoot": "https://mepm-paris.example.com/api/mec",`,
    `  "auth": { "type": "token", "token": "<token the MEPM accepts>" }`,
    `}' ${mec}/mepms`,
  ].join('\n');
  return (
    <EmptyState
      missing="data"
      title="No MEPMs registered"
      description={`${WHAT_A_MEPM_IS} Register one with its apiRoot and how the MEO authenticates to it: a bearer token or OAuth 2.0 client credentials.`}
      action={
        <Box sx={{ maxWidth: 900 }}>
          <Typography variant="body2" gutterBottom>
            Or through the API (permission {mecMepmManagePermission.name}):
          </Typography>
          <CodeSnippet text={curl} language="bash" showCopyCodeButton />
        </Box>
      }
    />
  );
}
