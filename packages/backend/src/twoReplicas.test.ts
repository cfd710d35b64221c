import {
  cachedBinaries,
  EdgeCluster,
  ensureBinaries,
  startEdgeCluster,
} from '@internal/edge-cluster';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from './__testUtils__/backendProcess';
import {
  dropSharedDatabase,
  postgresUrl,
  SharedDatabase,
  sharedDatabase,
} from './__testUtils__/sharedPostgres';

jest.setTimeout(15 * 60_000);

const TOKEN = 'two-replicas-token-0123456789';
const COUNT = 100;

/**
 * Two backend replicas on one PostgreSQL: 100 instantiations requested at
 * once, half through each, are each executed exactly once — one COMPLETED
 * op occurrence per instance, one Helm release per instance at revision 1
 * (a second helm run would have made revision 2), and one helm run per
 * instance in the two replicas' logs together.
 */
describe('two backend replicas on one PostgreSQL', () => {
  const url = postgresUrl();
  let cluster: EdgeCluster | undefined;
  let database: SharedDatabase | undefined;
  const replicas: BackendProcess[] = [];
  let dataDir: string;
  let helm: string;

  beforeAll(async () => {
    if (!url) return;
    helm = (cachedBinaries() ?? (await ensureBinaries())).bin.helm;
    const suffix = Math.random().toString(36).slice(2, 7);
    // kwok nodes with room for 100 single-pod releases
    cluster = await startEdgeCluster({
      name: `rep-${suffix}`,
      nodes: 2,
      nodeCpu: '32',
      nodeMemory: '128Gi',
    });
    dataDir = mkdtempSync(join(tmpdir(), 'helmmec-replicas-'));
    database = sharedDatabase(url, `helmmec_replicas_${suffix}_`);
  });

  afterAll(async () => {
    // for a look at what the replicas did
    if (process.env.HELMMEC_BACKEND_LOGS)
      writeFileSync(
        process.env.HELMMEC_BACKEND_LOGS,
        replicas.map(r => r.output()).join('\n\n'),
      );
    for (const replica of replicas) await replica.kill();
    await cluster?.stop();
    if (database) await dropSharedDatabase(database);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('executes each of 100 concurrent instantiations exactly once', async () => {
    if (!url) {
      // `npm test` always provides one
      process.stderr.write('[two replicas] skipped: no PostgreSQL\n');
      return;
    }
    const config = {
      backend: { database },
      mec: {
        drivers: { helm: { binary: helm } },
        lifecycle: { concurrency: 25 },
        hosts: {
          encryptionKey: 'replicas-test-passphrase-0123456789',
          // The explicit check below is the one placement uses: a
          // scheduled one timing out while 100 releases go in (on a
          // loaded machine) would rightly refuse the rest.
          healthCheck: { frequency: { minutes: 30 } },
          static: [
            {
              name: 'edge-1',
              url: cluster!.server,
              caData: cluster!.caData,
              authProvider: 'serviceAccount',
              serviceAccountToken: cluster!.serviceAccountToken,
              namespacePolicy: {
                mode: 'fixed',
                namespace: cluster!.namespace,
              },
            },
          ],
        },
      },
    };
    // One after the other: the first one migrates the shared database.
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startBackendProcess({
          port: await freePort(),
          dataDir,
          config,
          token: TOKEN,
        }),
      );
    }
    const appDId = await replicas[0].onboardExample('location-service');
    // placement needs a health check; its result is in the shared database
    await replicas[1].api('POST', '/hosts/edge-1/check');

    const through = (i: number) => replicas[i % 2];
    const instances = await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        const created = await through(i).api(
          'POST',
          '/app_lcm/v1/app_instances',
          { appDId, appInstanceName: `replicas-${i}` },
        );
        expect(created.status).toBe(201);
        return created.body.id as string;
      }),
    );
    const t0 = Date.now();
    const opPaths = await Promise.all(
      instances.map(async (id, i) => {
        const accepted = await through(i).api(
          'POST',
          `/app_lcm/v1/app_instances/${id}/instantiate`,
          { additionalParams: { replicaCount: 1 } },
        );
        expect(accepted.status).toBe(202);
        return new URL(accepted.location!).pathname.replace('/api/mec', '');
      }),
    );

    // Either replica answers for every op occurrence: one database.
    const ops = await Promise.all(
      opPaths.map(async (path, i) => {
        for (;;) {
          const op = (await through(i + 1).api('GET', path)).body;
          if (
            ['COMPLETED', 'FAILED_TEMP', 'FAILED'].includes(op.operationState)
          )
            return op;
          await new Promise(r => setTimeout(r, 1000));
        }
      }),
    );
    process.stderr.write(
      `[two replicas] ${COUNT} instantiations in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(1)} s\n`,
    );
    expect(ops.filter(op => op.operationState !== 'COMPLETED')).toEqual([]);

    const releases: { name: string; revision: string; status: string }[] =
      JSON.parse(
        execFileSync(
          helm,
          [
            'list',
            '-n',
            cluster!.namespace,
            '--max',
            '1000',
            '-o',
            'json',
            '--kubeconfig',
            cluster!.kubeconfigPath,
          ],
          { encoding: 'utf8' },
        ),
      );
    expect(releases.map(r => r.name).sort()).toEqual(
      instances.map(id => `mec-${id}`).sort(),
    );
    expect(releases.filter(r => String(r.revision) !== '1')).toEqual([]);
    expect(releases.every(r => r.status === 'deployed')).toBe(true);

    // One helm run and one completion per instance across both replicas,
    // and both replicas took part.
    const logs = replicas.map(r => r.output());
    const count = (log: string, text: string) => log.split(text).length - 1;
    for (const id of instances) {
      expect(
        logs.map(log => count(log, `INSTANTIATE ${id}: helm upgrade`)),
      ).toEqual(expect.arrayContaining([1, 0]));
      expect(
        logs.reduce(
          (n, log) => n + count(log, `INSTANTIATE of ${id} completed`),
          0,
        ),
      ).toBe(1);
    }
    for (const log of logs)
      expect(count(log, ': helm upgrade --install')).toBeGreaterThan(0);
  });
});
