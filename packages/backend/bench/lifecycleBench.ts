/*
 * `npm run bench` (lifecycle part): how long HelmMEC takes to instantiate an
 * application, against a bare `helm install --wait` of the same chart on the
 * same cluster, measured in the same run. Figures are ratios to that baseline.
 */
import {
  cachedBinaries,
  ensureBinaries,
  startEdgeCluster,
} from '@internal/edge-cluster';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  startBackendProcess,
} from '../src/__testUtils__/backendProcess';

const run = promisify(execFile);
const TOKEN = 'bench-token-0123456789';
// eslint-disable-next-line no-restricted-syntax
const examples = resolve(__dirname, '../../../examples/packages');

async function main() {
  const helm = (cachedBinaries() ?? (await ensureBinaries())).bin.helm;
  const suffix = Math.random().toString(36).slice(2, 6);
  const clusters = [
    // roomy nodes: 20 releases of 2 replicas each must fit
    await startEdgeCluster({
      name: `bench-a-${suffix}`,
      nodes: 3,
      nodeCpu: '32',
      nodeMemory: '128Gi',
    }),
    await startEdgeCluster({
      name: `bench-b-${suffix}`,
      nodes: 3,
      nodeCpu: '32',
      nodeMemory: '128Gi',
    }),
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'helmmec-bench-'));
  const port = await freePort();
  const backend = await startBackendProcess({
    port,
    dataDir,
    token: TOKEN,
    config: {
      mec: {
        drivers: { helm: { binary: helm } },
        hosts: {
          encryptionKey: 'bench-passphrase-0123456789',
          static: clusters.map((c, i) => ({
            name: `edge-${i}`,
            url: c.server,
            caData: c.caData,
            authProvider: 'serviceAccount',
            serviceAccountToken: c.serviceAccountToken,
            namespacePolicy: { mode: 'fixed', namespace: c.namespace },
          })),
        },
      },
    },
  });
  const api = (method: string, path: string, body?: unknown) =>
    backend.api(method, path, body);
  try {
    const chart = join(examples, 'charts', 'video-analytics-0.1.0.tgz');
    const appDId = await backend.onboardExample('video-analytics');
    for (let i = 0; i < clusters.length; i++)
      await api('POST', `/hosts/edge-${i}/check`);

    const kubeconfigs = clusters.map(c => c.deployerKubeconfigPath);
    const bareInstall = async (clusterIndex: number, release: string) => {
      const t0 = Date.now();
      await run(helm, [
        'install',
        release,
        chart,
        '--wait',
        '--timeout',
        '300s',
        '-n',
        clusters[clusterIndex].namespace,
        '--kubeconfig',
        kubeconfigs[clusterIndex],
      ]);
      return (Date.now() - t0) / 1000;
    };
    const bareUninstall = (clusterIndex: number, release: string) =>
      run(helm, [
        'uninstall',
        release,
        '--wait',
        '-n',
        clusters[clusterIndex].namespace,
        '--kubeconfig',
        kubeconfigs[clusterIndex],
      ]);
    const instantiate = async (host: string) => {
      const instance = await api('POST', '/app_lcm/v1/app_instances', {
        appDId,
      });
      const t0 = Date.now();
      const accepted = await api(
        'POST',
        `/app_lcm/v1/app_instances/${instance.body.id}/instantiate`,
        {
          selectedMECHostInfo: [{ hostId: { name: host } }],
        },
      );
      const path = new URL(accepted.location!).pathname.replace('/api/mec', '');
      for (;;) {
        const op = (await api('GET', path)).body;
        if (op.operationState === 'COMPLETED') return (Date.now() - t0) / 1000;
        if (op.operationState.startsWith('FAILED'))
          throw new Error(JSON.stringify(op.error));
        await new Promise(r => setTimeout(r, 50));
      }
    };

    // one instantiation vs one bare install, three rounds each, medians
    const median = (xs: number[]) =>
      xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const bare: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < 3; round++) {
      bare.push(await bareInstall(0, `bare-${round}`));
      await bareUninstall(0, `bare-${round}`);
      ours.push(await instantiate('edge-0'));
    }
    // 20 at once across both clusters, against 20 bare installs at once
    const t1 = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => bareInstall(i % 2, `bare-c-${i}`)),
    );
    const bareConcurrent = (Date.now() - t1) / 1000;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => bareUninstall(i % 2, `bare-c-${i}`)),
    );
    const t2 = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => instantiate(`edge-${i % 2}`)),
    );
    const oursConcurrent = (Date.now() - t2) / 1000;

    const f = (x: number) => x.toFixed(2).padStart(7);
    const lines = [
      '',
      'HelmMEC lifecycle benchmark (2 local edge clusters, helm driver, video-analytics chart)',
      '                                         baseline s   HelmMEC s   ratio',
      `one instantiation (median of 3)          ${f(median(bare))}     ${f(
        median(ours),
      )}   ${f(median(ours) / median(bare))}`,
      `20 concurrent across two clusters        ${f(bareConcurrent)}     ${f(
        oursConcurrent,
      )}   ${f(oursConcurrent / bareConcurrent)}`,
      'baseline: bare `helm install --wait` of the same chart on the same cluster(s);',
      'HelmMEC: POST instantiate until the op occurrence is COMPLETED (grant, placement, helm, notifications).',
    ];
    console.log(lines.join('\n'));
    writeFileSync(join(dataDir, 'result.txt'), lines.join('\n'));
  } finally {
    await backend.kill();
    for (const c of clusters) await c.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
