/*
 * `npm run bench` (lifecycle and list part). Every figure is a ratio against
 * a baseline measured in the same run, with both absolute times beside it:
 *
 * - instantiate: POST instantiate until the op occurrence is COMPLETED,
 *   against a bare `helm install --wait` of the same chart on the same
 *   cluster; one at a time (median of 3) and 20 at once over two clusters;
 *   with one backend on better-sqlite3 (as `npm start`) and with two
 *   replicas on one PostgreSQL (when HELMMEC_BENCH_POSTGRES is set).
 * - list: GET app_lcm/v1/app_instances (the first page, and a page filtered
 *   on one instance name) at 10,000 instances seeded in the store, against
 *   a plain Node server sending the same bytes; p95 of 200 requests.
 */
import {
  cachedBinaries,
  EdgeCluster,
  ensureBinaries,
  startEdgeCluster,
} from '@internal/edge-cluster';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '../src/__testUtils__/backendProcess';
import {
  dropSharedDatabase,
  postgresUrl,
  SharedDatabase,
  sharedDatabase,
} from '../src/__testUtils__/sharedPostgres';

/** What we use of better-sqlite3 (a dependency here, without types). */
interface SqliteDatabase {
  prepare(sql: string): { run(...values: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (
  filename: string,
) => SqliteDatabase;

const run = promisify(execFile);
const TOKEN = 'bench-token-0123456789';
// eslint-disable-next-line no-restricted-syntax
const examples = resolve(__dirname, '../../../examples/packages');
const chart = join(examples, 'charts', 'video-analytics-0.1.0.tgz');
const SEEDED = 10_000;

interface Figure {
  name: string;
  baseline: number;
  ours: number;
  unit: 's' | 'ms';
}
/** Each figure as soon as it is measured (stderr), so a failed run keeps them. */
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const figures: Figure[] = [];
function record(figure: Figure) {
  figures.push(figure);
  progress(
    `${figure.name}: ${figure.baseline.toFixed(2)}${
      figure.unit
    } baseline, ${figure.ours.toFixed(2)}${figure.unit} HelmMEC`,
  );
}
const notes: string[] = [];

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function hostsConfig(clusters: EdgeCluster[]) {
  return {
    encryptionKey: 'bench-passphrase-0123456789',
    // Checked explicitly before each part; a scheduled check timing out on
    // a loaded machine would refuse placements mid-figure.
    healthCheck: { frequency: { minutes: 10 } },
    static: clusters.map((c, i) => ({
      name: `edge-${i}`,
      url: c.server,
      caData: c.caData,
      authProvider: 'serviceAccount',
      serviceAccountToken: c.serviceAccountToken,
      namespacePolicy: { mode: 'fixed', namespace: c.namespace },
    })),
  };
}

/**
 * Bare helm on the benchmark's clusters: the baseline. Its home (helm's
 * and the Kubernetes client's caches) is the bench's own, kept between its
 * runs as a user's would be, not whatever the machine's home holds.
 */
function bareHelm(helm: string, clusters: EdgeCluster[], home: string) {
  const env = {
    ...process.env,
    HOME: home,
    HELM_CACHE_HOME: join(home, '.cache', 'helm'),
    HELM_CONFIG_HOME: join(home, '.config', 'helm'),
    HELM_DATA_HOME: join(home, '.local', 'share', 'helm'),
  };
  const target = (i: number) => [
    '-n',
    clusters[i].namespace,
    '--kubeconfig',
    clusters[i].deployerKubeconfigPath,
  ];
  let n = 0;
  const install = async (i: number) => {
    const release = `bare-${n++}`;
    const t0 = Date.now();
    await run(
      helm,
      ['install', release, chart, '--wait', '--timeout', '300s', ...target(i)],
      { env },
    );
    return { seconds: (Date.now() - t0) / 1000, release, cluster: i };
  };
  const uninstall = (r: { release: string; cluster: number }) =>
    run(helm, ['uninstall', r.release, '--wait', ...target(r.cluster)], {
      env,
    });
  return {
    async one() {
      const r = await install(0);
      await uninstall(r);
      return r.seconds;
    },
    async concurrent(count: number) {
      const t0 = Date.now();
      const rs = await Promise.all(
        Array.from({ length: count }, (_, i) => install(i % clusters.length)),
      );
      const seconds = (Date.now() - t0) / 1000;
      await Promise.all(rs.map(uninstall));
      return seconds;
    },
  };
}

const timeOf = (stamp: { seconds: number; nanoSeconds: number }) =>
  stamp.seconds * 1000 + Math.floor(stamp.nanoSeconds / 1e6);

/**
 * Instantiations through the API of one or more replicas. The clock starts
 * before the instantiate request (the instance exists already, as helm's
 * chart does for the baseline).
 */
function instantiations(replicas: BackendProcess[], appDId: string) {
  let next = 0;
  const create = async () => {
    const replica = replicas[next++ % replicas.length];
    const instance = await replica.api('POST', '/app_lcm/v1/app_instances', {
      appDId,
    });
    return { replica, id: instance.body.id as string };
  };
  const start = async (
    { replica, id }: { replica: BackendProcess; id: string },
    host: string,
  ) => {
    const accepted = await replica.api(
      'POST',
      `/app_lcm/v1/app_instances/${id}/instantiate`,
      { selectedMECHostInfo: [{ hostId: { name: host } }] },
    );
    if (accepted.status !== 202)
      throw new Error(`instantiate: ${JSON.stringify(accepted.body)}`);
    return new URL(accepted.location!).pathname.replace('/api/mec', '');
  };
  /**
   * When the op occurrence entered COMPLETED: its stateEnteredTime, written
   * in the transaction that persists it with its notifications (this
   * machine's clock). Polled slowly: polls every few milliseconds would
   * take CPU from helm on a 2-core machine and slow what they measure.
   */
  const completedAt = async (replica: BackendProcess, path: string) => {
    for (;;) {
      await sleep(250);
      const op = (await replica.api('GET', path)).body;
      if (op.operationState.startsWith('FAILED'))
        throw new Error(JSON.stringify(op.error));
      if (op.operationState === 'COMPLETED') return timeOf(op.stateEnteredTime);
    }
  };
  return {
    async one(host: string) {
      const instance = await create();
      const t0 = Date.now();
      const path = await start(instance, host);
      const end = await completedAt(instance.replica, path);
      return { seconds: (end - t0) / 1000, id: instance.id, t0, end };
    },
    /** Until the last one entered COMPLETED. */
    async concurrent(count: number, hosts: string[]) {
      const created = await Promise.all(
        Array.from({ length: count }, () => create()),
      );
      const t0 = Date.now();
      const started = await Promise.all(
        created.map(async (instance, i) => ({
          replica: instance.replica,
          path: await start(instance, hosts[i % hosts.length]),
        })),
      );
      const ends = await Promise.all(
        started.map(({ replica, path }) => completedAt(replica, path)),
      );
      return (Math.max(...ends) - t0) / 1000;
    },
  };
}

/**
 * When the driver started helm and when helm returned for an instance,
 * from the progress lines the executor logs (info level; this machine's
 * clock): where an instantiation's time goes beyond helm.
 */
function driverProgress(replicas: BackendProcess[], id: string) {
  const at: { helm?: number; deployed?: number } = {};
  // eslint-disable-next-line no-control-regex
  const plain = replicas.map(r => r.output().replace(/\x1b\[[0-9;]*m/g, ''));
  for (const line of plain.join('\n').split('\n')) {
    const match = line.match(/^(\S+Z) .*INSTANTIATE (\S+): (.*)$/);
    if (!match || match[2] !== id) continue;
    const time = Date.parse(match[1]);
    if (match[3].startsWith('helm upgrade --install')) at.helm = time;
    else if (match[3].startsWith('release deployed')) at.deployed = time;
  }
  return at;
}

async function lifecycleFigures(
  label: string,
  replicas: BackendProcess[],
  appDId: string,
  bare: ReturnType<typeof bareHelm>,
) {
  const ours = instantiations(replicas, appDId);
  const bareOne: number[] = [];
  const oursOne: number[] = [];
  const phases: number[][] = [];
  for (let round = 0; round < 3; round++) {
    bareOne.push(await bare.one());
    const one = await ours.one('edge-0');
    oursOne.push(one.seconds);
    const at = driverProgress(replicas, one.id);
    if (at.helm && at.deployed)
      phases.push([
        at.helm - one.t0,
        at.deployed - at.helm,
        one.end - at.deployed,
      ]);
  }
  if (phases.length) {
    const [before, helm, after] = [0, 1, 2].map(i =>
      median(phases.map(p => p[i])).toFixed(0),
    );
    const note = `${label}, one instantiation (medians, ms): ${before} from POST instantiate to helm's start (202, claim, grant, placement, driver set-up), ${helm} helm upgrade --install --wait, ${after} from helm's exit to COMPLETED (workloads, persisted state, notifications); bare helm ${(
      median(bareOne) * 1000
    ).toFixed(0)}`;
    notes.push(note);
    progress(note);
  }
  record({
    name: `${label}: one instantiation (median of 3)`,
    baseline: median(bareOne),
    ours: median(oursOne),
    unit: 's',
  });
  const bare20 = await bare.concurrent(20);
  const ours20 = await ours.concurrent(20, ['edge-0', 'edge-1']);
  record({
    name: `${label}: 20 concurrent over two clusters`,
    baseline: bare20,
    ours: ours20,
    unit: 's',
  });
}

/** A plain Node server answering every request with the same bytes. */
async function plainServer(body: Buffer, headers: Record<string, string>) {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise(r => server.close(r)),
  };
}

/** p95 of sequential GETs, after a warm-up. */
async function p95Of(url: string, headers: Record<string, string>) {
  const times: number[] = [];
  for (let i = 0; i < 220; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    if (i >= 20) times.push(performance.now() - t0);
  }
  return p95(times);
}

async function listFigures(backend: BackendProcess) {
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const [name, path] of [
    ['list: GET app_instances, first page', '/app_lcm/v1/app_instances'],
    [
      'list: GET app_instances, filtered on one name',
      `/app_lcm/v1/app_instances?filter=${encodeURIComponent(
        '(eq,appInstanceName,bench-04242)',
      )}`,
    ],
  ] as const) {
    const url = `${backend.url}/api/mec${path}`;
    const res = await fetch(url, { headers: auth });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${body}`);
    const headers: Record<string, string> = {
      'content-type': res.headers.get('content-type') ?? 'application/json',
    };
    const link = res.headers.get('link');
    if (link) headers.link = link;
    const plain = await plainServer(body, headers);
    try {
      const baseline = await p95Of(plain.url, auth);
      const ours = await p95Of(url, auth);
      record({
        name: `${name} (${(body.length / 1024).toFixed(0)} KiB, p95)`,
        baseline,
        ours,
        unit: 'ms',
      });
    } finally {
      await plain.close();
    }
  }
}

/**
 * 10,000 instances of the onboarded package, NOT_INSTANTIATED, written
 * straight into the stopped backend's better-sqlite3 database (as knex
 * writes them: dates as epoch milliseconds).
 */
function seedInstances(filename: string, template: Record<string, any>) {
  const db = new Database(filename);
  try {
    const insert = db.prepare(
      `INSERT INTO app_instances (id, app_instance_name, app_pkg_id, app_d_id,
         app_provider, app_name, app_soft_version, app_d_version,
         instantiation_state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'NOT_INSTANTIATED', ?, ?)`,
    );
    const t0 = Date.now() - SEEDED;
    db.transaction(() => {
      for (let i = 0; i < SEEDED; i++) {
        insert.run(
          randomUUID(),
          `bench-${String(i).padStart(5, '0')}`,
          template.appPkgId,
          template.appDId,
          template.appProvider,
          template.appName,
          template.appSoftVersion,
          template.appDVersion,
          t0 + i,
          t0 + i,
        );
      }
    })();
  } finally {
    db.close();
  }
}

async function main() {
  const helm = (cachedBinaries() ?? (await ensureBinaries())).bin.helm;
  const suffix = Math.random().toString(36).slice(2, 6);
  const clusters: EdgeCluster[] = [];
  const backends: BackendProcess[] = [];
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'helmmec-bench-'));
    dirs.push(dir);
    return dir;
  };
  const concurrency = 20;
  let database: SharedDatabase | undefined;
  try {
    for (const name of ['a', 'b']) {
      // roomy kwok nodes: 20 releases of 2 replicas each must fit
      clusters.push(
        await startEdgeCluster({
          name: `bench-${name}-${suffix}`,
          nodes: 3,
          nodeCpu: '32',
          nodeMemory: '128Gi',
        }),
      );
    }
    const bare = bareHelm(helm, clusters, tempDir());
    const config = (extra: object = {}) => ({
      mec: {
        drivers: { helm: { binary: helm } },
        // bare helm runs all 20 at once; so may one replica
        lifecycle: { concurrency },
        hosts: hostsConfig(clusters),
      },
      ...extra,
    });

    // One backend on better-sqlite3, as `npm start` runs it.
    const dataDir = tempDir();
    const start = async (extra?: object) => {
      const backend = await startBackendProcess({
        port: await freePort(),
        dataDir,
        token: TOKEN,
        config: config(extra),
      });
      backends.push(backend);
      return backend;
    };
    let backend = await start();
    const appDId = await backend.onboardExample('video-analytics');
    for (let i = 0; i < clusters.length; i++)
      await backend.api('POST', `/hosts/edge-${i}/check`);
    await lifecycleFigures('one backend', [backend], appDId, bare);
    const template = (
      await backend.api('POST', '/app_lcm/v1/app_instances', { appDId })
    ).body;
    await backend.stop();

    // Two replicas on one PostgreSQL.
    const postgres = postgresUrl();
    if (postgres) {
      database = sharedDatabase(postgres, `helmmec_bench_${suffix}_`);
      const replicas = [
        await start({ backend: { database } }),
        await start({ backend: { database } }),
      ];
      const pgAppDId = await replicas[0].onboardExample('video-analytics');
      for (let i = 0; i < clusters.length; i++)
        await replicas[0].api('POST', `/hosts/edge-${i}/check`);
      await lifecycleFigures('two replicas', replicas, pgAppDId, bare);
      for (const replica of replicas) await replica.stop();
    } else {
      notes.push(
        'two replicas: skipped (set HELMMEC_BENCH_POSTGRES; `npm run bench` starts a PostgreSQL)',
      );
    }

    // Lists last: the catalog mirrors the 10,000 seeded instances, work
    // that would weigh on the other figures. The store is seeded while no
    // backend has the database open.
    seedInstances(join(dataDir, 'mec.sqlite'), template);
    backend = await start();
    await listFigures(backend);
  } finally {
    if (process.env.HELMMEC_BENCH_LOG)
      writeFileSync(
        process.env.HELMMEC_BENCH_LOG,
        backends.map(b => b.output()).join('\n\n'),
      );
    for (const b of backends) await b.kill();
    for (const c of clusters) await c.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (database) await dropSharedDatabase(database);
  }

  const f = (x: number) => x.toFixed(2).padStart(9);
  const width = Math.max(...figures.map(x => x.name.length)) + 2;
  console.log(
    [
      '',
      `HelmMEC lifecycle and list benchmark (2 local edge clusters of 3 kwok nodes, helm driver, video-analytics chart; mec.lifecycle.concurrency ${concurrency}; ${SEEDED} instances in the store)`,
      `${''.padEnd(width)} baseline    HelmMEC     ratio`,
      ...figures.map(
        x =>
          `${x.name.padEnd(width)}${f(x.baseline)}${x.unit.padEnd(3)}${f(
            x.ours,
          )}${x.unit.padEnd(3)}${f(x.ours / x.baseline)}`,
      ),
      ...notes,
      'instantiate baseline: bare `helm install --wait` of the same chart on the same cluster(s), in the same run;',
      'HelmMEC: from POST instantiate until COMPLETED (grant, placement, helm upgrade --install --wait, persisted state, notifications),',
      '  read as the stateEnteredTime of COMPLETED (the last one of 20), written in the transaction that persists it.',
      'list baseline: a plain Node http server sending the same bytes; p95 of 200 sequential GETs each.',
    ].join('\n'),
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
