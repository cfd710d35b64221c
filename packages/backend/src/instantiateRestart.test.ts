import {
  cachedBinaries,
  EdgeCluster,
  ensureBinaries,
  startEdgeCluster,
} from '@internal/edge-cluster';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from './__testUtils__/backendProcess';

jest.setTimeout(600_000);

const TOKEN = 'instantiate-restart-token-0123456789';

/**
 * The backend process is killed right after it accepted an instantiation;
 * a new process resumes the operation when the dead one's lease runs out,
 * and it completes with exactly one Helm release on the cluster.
 */
describe('instantiation across a backend crash', () => {
  let cluster: EdgeCluster;
  let backend: BackendProcess | undefined;
  let dataDir: string;
  let helm: string;
  let kubectl: string;

  beforeAll(async () => {
    const binaries = cachedBinaries() ?? (await ensureBinaries());
    helm = binaries.bin.helm;
    kubectl = binaries.bin.kubectl;
    cluster = await startEdgeCluster({
      name: `rst-${Math.random().toString(36).slice(2, 7)}`,
      nodes: 1,
    });
    dataDir = mkdtempSync(join(tmpdir(), 'helmmec-lcm-restart-'));
  });

  afterAll(async () => {
    await backend?.kill();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes the operation in a new process, deploys the release once, and follows the cluster', async () => {
    const port = await freePort();
    const config = {
      mec: {
        // app-config.yaml's MEO client, allowed to read the hosts too.
        clients: [
          { subject: 'mec-api-client', allow: ['mm1', 'mec.host.read'] },
          { subject: 'mec-edge-pull', allow: ['mec.package.pull'] },
        ],
        drivers: { helm: { binary: helm } },
        lifecycle: { leaseSeconds: 3, stateCheckSeconds: 2 },
        hosts: {
          encryptionKey: 'restart-test-passphrase-0123456789',
          healthCheck: { frequency: { seconds: 2 } },
          static: [
            {
              name: 'edge-1',
              url: cluster.server,
              caData: cluster.caData,
              authProvider: 'serviceAccount',
              serviceAccountToken: cluster.serviceAccountToken,
              namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
            },
          ],
        },
      },
    };
    backend = await startBackendProcess({
      port,
      dataDir,
      config,
      token: TOKEN,
    });
    const api = (method: string, path: string, body?: unknown) =>
      backend!.api(method, path, body);

    const appDId = await backend.onboardExample('location-service');
    // wait for the scheduled health check to see the host
    for (let i = 0; i < 120; i++) {
      const host = await api('GET', '/hosts/edge-1');
      if (host.body?.status?.reachable) break;
      await new Promise(r => setTimeout(r, 500));
    }
    const instance = await api('POST', '/app_lcm/v1/app_instances', { appDId });
    const accepted = await api(
      'POST',
      `/app_lcm/v1/app_instances/${instance.body.id}/instantiate`,
      {},
    );
    expect(accepted.status).toBe(202);
    await backend.kill();

    backend = await startBackendProcess({
      port,
      dataDir,
      config,
      token: TOKEN,
    });
    const opPath = new URL(accepted.location!).pathname.replace('/api/mec', '');
    let op;
    for (let i = 0; i < 240; i++) {
      op = (await api('GET', opPath)).body;
      if (['COMPLETED', 'FAILED_TEMP', 'FAILED'].includes(op.operationState))
        break;
      await new Promise(r => setTimeout(r, 500));
    }
    expect(op.error).toBeUndefined();
    expect(op.operationState).toBe('COMPLETED');

    const releases = JSON.parse(
      execFileSync(
        helm,
        [
          'list',
          '-n',
          cluster.namespace,
          '-o',
          'json',
          '--kubeconfig',
          cluster.kubeconfigPath,
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(releases).toHaveLength(1);
    expect(releases[0].name).toBe(`mec-${instance.body.id}`);

    // scaled to zero behind the MEPM's back: the instance's state follows
    execFileSync(kubectl, [
      'scale',
      'deployment',
      '--all',
      '--replicas=0',
      '-n',
      cluster.namespace,
      '--kubeconfig',
      cluster.kubeconfigPath,
    ]);
    let state;
    for (let i = 0; i < 60 && state !== 'STOPPED'; i++) {
      await new Promise(r => setTimeout(r, 500));
      state = (
        await api('GET', `/app_lcm/v1/app_instances/${instance.body.id}`)
      ).body.instantiatedAppState.operationalState;
    }
    expect(state).toBe('STOPPED');
  });
});
