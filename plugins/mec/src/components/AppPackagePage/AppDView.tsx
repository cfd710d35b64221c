import type { AppD } from '@helmmec/plugin-mec-common';
import Chip from '@mui/material/Chip';
import Grid from '@mui/material/Grid';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { ReactNode } from 'react';

function Section(props: { title: string; children: ReactNode }) {
  return (
    <Paper sx={{ p: 2, height: '100%' }}>
      <Typography variant="h6" component="h2" gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </Paper>
  );
}

function None() {
  return <Typography color="text.secondary">None declared.</Typography>;
}

function formatLatency(ns: number) {
  return ns >= 1e6 ? `${ns / 1e6} ms` : `${ns / 1e3} µs`;
}

/** An AppD's parts a developer asks about, in plain sections. */
export function AppDView(props: { appd: Partial<AppD> }) {
  const { appd } = props;
  const compute = appd.virtualComputeDescriptor;
  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={6}>
        <Section title="Services">
          <Typography variant="subtitle2">Required</Typography>
          {appd.appServiceRequired?.length ? (
            <Stack direction="row" spacing={1} sx={{ mb: 1 }} flexWrap="wrap">
              {appd.appServiceRequired.map(s => (
                <Chip key={s.serName} label={`${s.serName} ${s.version}`} />
              ))}
            </Stack>
          ) : (
            <None />
          )}
          <Typography variant="subtitle2">Optional</Typography>
          {appd.appServiceOptional?.length ? (
            <Stack direction="row" spacing={1} sx={{ mb: 1 }} flexWrap="wrap">
              {appd.appServiceOptional.map(s => (
                <Chip key={s.serName} label={`${s.serName} ${s.version}`} />
              ))}
            </Stack>
          ) : (
            <None />
          )}
          <Typography variant="subtitle2">Produced</Typography>
          {appd.appServiceProduced?.length ? (
            <Stack direction="row" spacing={1} flexWrap="wrap">
              {appd.appServiceProduced.map(s => (
                <Chip
                  key={s.serName}
                  color="primary"
                  label={`${s.serName} ${s.version}${
                    s.transportsSupported?.length
                      ? ` · ${s.transportsSupported
                          .map(t => t.transport.type)
                          .join(', ')}`
                      : ''
                  }`}
                />
              ))}
            </Stack>
          ) : (
            <None />
          )}
        </Section>
      </Grid>
      <Grid item xs={12} md={6}>
        <Section title="Compute and latency">
          {compute ? (
            <Typography>
              {compute.virtualCpu?.numVirtualCpu ?? '?'} vCPU
              {compute.virtualCpu?.cpuArchitecture
                ? ` (${compute.virtualCpu.cpuArchitecture})`
                : ''}
              , {compute.virtualMemory?.virtualMemSize ?? '?'} MiB memory
            </Typography>
          ) : (
            <Typography color="text.secondary">No compute declared.</Typography>
          )}
          <Typography sx={{ mt: 1 }}>
            Maximum latency:{' '}
            {appd.appLatency
              ? formatLatency(appd.appLatency.maxLatency)
              : 'not declared'}
          </Typography>
        </Section>
      </Grid>
      <Grid item xs={12} md={6}>
        <Section title="Traffic rules">
          {appd.appTrafficRule?.length ? (
            <Table size="small" aria-label="Traffic rules">
              <TableHead>
                <TableRow>
                  <TableCell>Rule</TableCell>
                  <TableCell>Filter</TableCell>
                  <TableCell>Action</TableCell>
                  <TableCell>Priority</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {appd.appTrafficRule.map(r => (
                  <TableRow key={r.trafficRuleId}>
                    <TableCell>{r.trafficRuleId}</TableCell>
                    <TableCell>
                      {r.filterType}{' '}
                      {(r.trafficFilter ?? [])
                        .map(f =>
                          [
                            (f as { protocol?: string[] }).protocol?.join('/'),
                            (f as { dstPort?: string[] }).dstPort?.join(','),
                          ]
                            .filter(Boolean)
                            .join(' '),
                        )
                        .join('; ')}
                    </TableCell>
                    <TableCell>{r.action}</TableCell>
                    <TableCell>{r.priority}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : (
            <None />
          )}
        </Section>
      </Grid>
      <Grid item xs={12} md={6}>
        <Section title="DNS rules">
          {appd.appDNSRule?.length ? (
            <Table size="small" aria-label="DNS rules">
              <TableHead>
                <TableRow>
                  <TableCell>Domain</TableCell>
                  <TableCell>Address</TableCell>
                  <TableCell>TTL</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {appd.appDNSRule.map(r => (
                  <TableRow key={r.dnsRuleId}>
                    <TableCell>{r.domainName}</TableCell>
                    <TableCell>
                      {r.ipAddress} ({r.ipAddressType})
                    </TableCell>
                    <TableCell>{r.ttl ?? '—'}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : (
            <None />
          )}
        </Section>
      </Grid>
    </Grid>
  );
}
