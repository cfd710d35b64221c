/*
 * `npm run bench` (hostile onboarding part): how a simple GET fares while
 * hostile packages are onboarded. The portal backend (packages/backend, as
 * `npm start` runs it) runs in a child process; this process sends one
 * `GET app_pkgm/v1/app_packages/{id}` every 20 ms, without waiting for the
 * previous answer, and times each from its sending to the end of its body.
 * Baseline: the same GETs against the same backend with nothing onboarding,
 * in the same run. Hostile: 8 hostile packages are uploaded (the uploads
 * are inside the measured window) and the GETs go on until every one of
 * them has settled (ONBOARDED, or CREATED with its failure). Two rounds of
 * a baseline window and a hostile one, alternating. The backend process
 * reports its own event-loop delay (perf_hooks) for each window.
 *
 * On better-sqlite3, and on PostgreSQL when HELMMEC_BENCH_POSTGRES (or the
 * tests' BACKSTAGE_TEST_DATABASE_POSTGRES<N>_CONNECTION_STRING) names a
 * server; `npm run bench` starts one. HELMMEC_BENCH_LOG=<file> keeps the
 * backends' output; HELMMEC_BENCH_BACKEND_ARGS adds node options to the
 * backend (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see what holds
 * its event loop).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import knexFactory from 'knex';
import { stringify } from 'yaml';
import {
  buildTarGz,
  buildZip,
  chartFiles,
  chartTgz,
  mecPackageZip,
  toscaMeta,
  validAppD,
} from '../src/packages/content/__testUtils__/archives';
import { sha256 } from '../src/__testUtils__/packages';

// eslint-disable-next-line no-restricted-syntax
const repoRoot = resolve(__dirname, '../../..');
const TOKEN = 'bench-token-hostile-0123456789';
/** Set in the backend's child process: this file then runs the backend. */
const SERVE = 'HELMMEC_BENCH_HOSTILE_SERVE';
const GET_INTERVAL_MS = 20;
const WARM_UP_GETS = 250;
/** In all, over the rounds. */
const BASELINE_GETS = 300;
/** Rounds of a baseline window, then the hostile set (fresh names each time). */
const ROUNDS = 2;

type LoopDelay = { maxMs: number; p99Ms: number };

/**
 * The backend's side: watches its own event loop, answers `reset` and
 * `report` over IPC, and runs packages/backend's index in this process.
 */
function serve() {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  process.on('message', (m: string) => {
    if (m === 'reset') {
      loop.reset();
      process.send!({ type: 'reset' });
    } else if (m === 'report') {
      process.send!({
        type: 'report',
        maxMs: loop.max / 1e6,
        p99Ms: loop.percentile(99) / 1e6,
      });
    }
  });
  // The IPC channel must not keep a stopped backend alive, and a bench
  // that ends for any reason ends its backend.
  process.channel?.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  require(join(repoRoot, 'packages/backend/src/index'));
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

class Backend {
  static async start(dataDir: string, config: object): Promise<Backend> {
    const port = await freePort();
    const configFile = join(dataDir, 'app-config.bench.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        ...config,
        backend: {
          ...(config as { backend?: object }).backend,
          baseUrl: `http://127.0.0.1:${port}`,
          listen: { host: '127.0.0.1', port },
        },
      }),
    );
    const child = spawn(
      process.execPath,
      [
        // e.g. --cpu-prof, to see what holds the event loop
        ...(process.env.HELMMEC_BENCH_BACKEND_ARGS?.split(' ').filter(
          Boolean,
        ) ?? []),
        '--require',
        require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
        // eslint-disable-next-line no-restricted-syntax
        __filename,
        '--config',
        join(repoRoot, 'app-config.yaml'),
        '--config',
        configFile,
      ],
      {
        cwd: join(repoRoot, 'packages/backend'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          MEC_DATA_DIR: dataDir,
          MEC_API_TOKEN: TOKEN,
          NODE_ENV: 'development',
          [SERVE]: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const backend = new Backend(child, `http://127.0.0.1:${port}`);
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(
          `${backend.url}/.backstage/health/v1/readiness`,
        );
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || i > 900) {
        await backend.stop();
        throw new Error(
          `the backend did not become ready:\n${backend.output.slice(-3000)}`,
        );
      }
      await new Promise(r => setTimeout(r, 200));
    }
    return backend;
  }

  output = '';
  private readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess, readonly url: string) {
    child.stdout!.on('data', d => (this.output += d));
    child.stderr!.on('data', d => (this.output += d));
    this.exited = new Promise(r => child.once('exit', () => r()));
  }

  async api(method: string, path: string, body?: Buffer | object) {
    const res = await fetch(`${this.url}/api/mec${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': Buffer.isBuffer(body)
          ? 'application/zip'
          : 'application/json',
      },
      body: Buffer.isBuffer(body) ? body : body && JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Creates a package and uploads `archive`; its onboarding starts. */
  async upload(name: string, archive: Buffer): Promise<string> {
    const created = await this.api('POST', '/app_pkgm/v1/app_packages', {
      appPkgName: name,
      appPkgVersion: '0.1.0',
      checksum: { algorithm: 'SHA-256', hash: sha256(archive) },
    });
    if (created.status !== 201)
      throw new Error(`create ${name}: ${JSON.stringify(created)}`);
    const put = await this.api(
      'PUT',
      `/app_pkgm/v1/app_packages/${created.body.id}/package_content`,
      archive,
    );
    if (put.status !== 202)
      throw new Error(`upload ${name}: ${JSON.stringify(put)}`);
    return created.body.id;
  }

  /**
   * The onboarding state of each package (one list request); empty when
   * the backend did not answer (a busy machine), for the poll to try again.
   */
  async onboardingStates(): Promise<Map<string, string>> {
    try {
      return await this.listOnboardingStates();
    } catch {
      return new Map();
    }
  }

  private async listOnboardingStates(): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    let path = '/app_pkgm/v1/app_packages';
    for (;;) {
      const res = await fetch(`${this.url}/api/mec${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
      for (const p of (await res.json()) as any[])
        states.set(p.id, p.onboardingState);
      const next = /<([^>]+)>;\s*rel="next"/.exec(
        res.headers.get('link') ?? '',
      );
      if (!next) return states;
      path = next[1].slice(next[1].indexOf('/app_pkgm/'));
    }
  }

  /** Starts a window of the backend's event-loop delay. */
  resetLoopDelay(): Promise<void> {
    return this.ask('reset').then(() => {});
  }

  loopDelay(): Promise<LoopDelay> {
    return this.ask('report') as Promise<LoopDelay>;
  }

  private ask(type: string): Promise<unknown> {
    return new Promise(done => {
      const listener = (m: any) => {
        if (m.type === type) {
          this.child.off('message', listener);
          done(m);
        }
      };
      this.child.on('message', listener);
      this.child.send(type);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

/**
 * Sends one GET every {@link GET_INTERVAL_MS} until `until` resolves and at
 * least `min` were sent; each is timed from its sending to the end of its
 * body. A GET that fails (no connection within undici's 10 s, or not 200)
 * is counted, not timed.
 */
async function timedGets(
  url: string,
  until: Promise<unknown>,
  min: number,
): Promise<{ latencies: number[]; failed: number }> {
  let done = false;
  until.then(
    () => (done = true),
    () => (done = true),
  );
  const latencies: number[] = [];
  const failures: unknown[] = [];
  const gets: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; !done || i < min; i++) {
    const wait = start + i * GET_INTERVAL_MS - performance.now();
    if (wait > 0) await new Promise(r => setTimeout(r, wait));
    const sent = performance.now();
    gets.push(
      fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })
        .then(async res => {
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
          latencies.push(performance.now() - sent);
        })
        .catch(error => {
          failures.push(error);
        }),
    );
  }
  await Promise.all(gets);
  await until;
  return {
    latencies: latencies.sort((a, b) => a - b),
    failed: failures.length,
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)];

/**
 * Packages hostile to a reader that would hold the event loop: YAML large
 * within the caps, a compression bomb, a manifest naming one 8 MiB file
 * 2,000 times, deep nesting, many entries.
 */
function hostilePackages(round: number): Array<[string, Buffer]> {
  const manyKeys = (n: number) =>
    Array.from({ length: n }, (_, i) => `key${i}: value ${i}`).join('\n');
  const bigChartYaml = (i: number) =>
    buildTarGz([
      {
        name: 'demo/Chart.yaml',
        content: `apiVersion: v2\nname: demo\nversion: 0.${i}.0\n${manyKeys(
          45_000,
        )}\n`,
      },
      ...chartFiles({}).slice(1),
    ]);
  const big = Buffer.alloc(8 * 1024 * 1024, 'x');
  const manifestLine = [
    'Source: Artifacts/big.bin',
    'Algorithm: SHA-256',
    `Hash: ${sha256(big)}`,
  ].join('\n');
  const withAppD = (appd: string) =>
    buildZip([
      {
        name: 'TOSCA-Metadata/TOSCA.meta',
        content: toscaMeta({ 'Entry-Definitions': 'appd.yaml' }),
      },
      { name: 'appd.yaml', content: appd },
      { name: 'demo.tgz', content: chartTgz() },
    ]);
  const packages: Array<[string, Buffer]> = [
    ...[1, 2, 3].map(
      i =>
        [
          `big-chart-yaml-${i}`,
          mecPackageZip({
            appd: { ...validAppD, appDId: `bench-big-${round}-${i}` },
            chart: bigChartYaml(i),
          }),
        ] as [string, Buffer],
    ),
    [
      'big-appd',
      withAppD(
        `${stringify(validAppD)}\nuserDefinedData:\n${manyKeys(40_000).replace(
          /^/gm,
          '  ',
        )}\n`,
      ),
    ],
    ['deep-yaml', withAppD(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
    [
      'compression-bomb',
      mecPackageZip({
        extra: [{ name: 'zeros.bin', content: Buffer.alloc(32 * 1024 * 1024) }],
      }),
    ],
    [
      'manifest-2000',
      buildZip([
        {
          name: 'TOSCA-Metadata/TOSCA.meta',
          content: toscaMeta({
            'Entry-Definitions': 'Definitions/appd.yaml',
            'ETSI-Entry-Manifest': 'demo.mf',
          }),
        },
        { name: 'Definitions/appd.yaml', content: stringify(validAppD) },
        {
          name: 'demo.mf',
          content: Array(2000).fill(manifestLine).join('\n\n'),
          method: 0,
        },
        { name: 'Artifacts/big.bin', content: big, method: 0 },
        { name: 'Artifacts/demo.tgz', content: chartTgz() },
      ]),
    ],
    [
      'many-entries',
      mecPackageZip({
        extra: Array.from({ length: 480 }, (_, i) => ({
          name: `Files/f${i}.txt`,
          content: `file ${i}\n`.repeat(100),
        })),
      }),
    ],
  ];
  return packages.map(([name, archive]) => [`${name}-r${round}`, archive]);
}

interface Window {
  /** Latencies of the GETs answered, sorted. */
  gets: number[];
  /** GETs that got no answer or not a 200. */
  failed: number;
  loop: LoopDelay;
  seconds: number;
}

interface DbFigures {
  baseline: Window;
  hostile: Window;
  packages: number;
  megabytes: number;
  /** The machine's 1-minute load average before and after. */
  load: [number, number];
}

async function measure(backend: Backend): Promise<DbFigures> {
  const loadBefore = loadavg()[0];
  /** Polls until every package is in one of `states`, for at most 10 minutes. */
  const settled = async (ids: string[], states: string[]) => {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const now = await backend.onboardingStates();
      if (ids.every(id => states.includes(now.get(id)!))) return;
      if (Date.now() > deadline)
        throw new Error(`not ${states.join(' or ')} after 10 minutes`);
      await new Promise(r => setTimeout(r, 250));
    }
  };
  const zip = await readFile(
    join(repoRoot, 'examples/packages/video-analytics.zip'),
  );
  const goodId = await backend.upload('video-analytics', zip);
  await settled([goodId], ['ONBOARDED']);
  const url = `${backend.url}/api/mec/app_pkgm/v1/app_packages/${goodId}`;
  // Warm-up, discarded: connections, the JIT, and a fresh portal's own
  // start-up work (the catalog reads its locations).
  await timedGets(url, Promise.resolve(), WARM_UP_GETS);

  const window = async (work: () => Promise<unknown>, min: number) => {
    await backend.resetLoopDelay();
    const t0 = performance.now();
    const running = work();
    const { latencies, failed } = await timedGets(url, running, min);
    const seconds = (performance.now() - t0) / 1000;
    return {
      gets: latencies,
      failed,
      loop: await backend.loopDelay(),
      seconds,
    };
  };
  const onboard = async (archives: Array<[string, Buffer]>) => {
    const ids = await Promise.all(
      archives.map(([name, archive]) => backend.upload(name, archive)),
    );
    await settled(ids, ['CREATED', 'ONBOARDED']);
  };

  // Baseline and hostile windows alternate, so that whatever else the
  // machine does weighs on both alike.
  const baseline: Window[] = [];
  const hostile: Window[] = [];
  let packages = 0;
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(
      await window(() => Promise.resolve(), BASELINE_GETS / ROUNDS),
    );
    // Built before the window opens: what is measured is the backend's work.
    const archives = hostilePackages(round);
    packages += archives.length;
    bytes += archives.reduce((sum, [, archive]) => sum + archive.length, 0);
    hostile.push(await window(() => onboard(archives), 0));
  }
  const merge = (windows: Window[]): Window => ({
    gets: windows.flatMap(w => w.gets).sort((a, b) => a - b),
    failed: windows.reduce((sum, w) => sum + w.failed, 0),
    loop: {
      maxMs: Math.max(...windows.map(w => w.loop.maxMs)),
      p99Ms: Math.max(...windows.map(w => w.loop.p99Ms)),
    },
    seconds: windows.reduce((sum, w) => sum + w.seconds, 0),
  });
  return {
    baseline: merge(baseline),
    hostile: merge(hostile),
    packages,
    megabytes: bytes / 2 ** 20,
    load: [loadBefore, loadavg()[0]],
  };
}

async function main() {
  const databases: Array<[string, object]> = [['better-sqlite3', {}]];
  const postgresUrl =
    process.env.HELMMEC_BENCH_POSTGRES ??
    Object.entries(process.env).find(([name]) =>
      /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(name),
    )?.[1];
  const prefix = `helmmec_bench_hostile_${Math.random()
    .toString(36)
    .slice(2, 8)}_`;
  const notes: string[] = [];
  if (postgresUrl) {
    const u = new URL(postgresUrl);
    databases.push([
      'PostgreSQL',
      {
        backend: {
          database: {
            client: 'pg',
            // an object, as app-config.yaml's sqlite connection is one
            connection: {
              host: u.hostname,
              port: Number(u.port || 5432),
              user: decodeURIComponent(u.username || 'postgres'),
              password: decodeURIComponent(u.password),
            },
            prefix,
          },
        },
      },
    ]);
  } else {
    notes.push(
      'PostgreSQL: skipped (set HELMMEC_BENCH_POSTGRES; `npm run bench` starts a PostgreSQL)',
    );
  }

  const results: Array<[string, DbFigures]> = [];
  const outputs: string[] = [];
  try {
    for (const [name, config] of databases) {
      const dataDir = mkdtempSync(join(tmpdir(), 'helmmec-hostile-bench-'));
      let backend: Backend | undefined;
      try {
        backend = await Backend.start(dataDir, config);
        results.push([name, await measure(backend)]);
      } finally {
        await backend?.stop();
        if (backend) outputs.push(`# ${name}\n${backend.output}`);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    if (process.env.HELMMEC_BENCH_LOG)
      writeFileSync(process.env.HELMMEC_BENCH_LOG, outputs.join('\n\n'));
    if (postgresUrl) {
      const admin = knexFactory({ client: 'pg', connection: postgresUrl });
      try {
        const { rows } = await admin.raw(
          'SELECT datname FROM pg_database WHERE datname LIKE ?',
          [`${prefix}%`],
        );
        for (const { datname } of rows)
          await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [datname]);
      } finally {
        await admin.destroy();
      }
    }
  }

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    '',
    `HelmMEC GET latency while hostile packages onboard (one GET app_pkgm/v1/app_packages/{id} every ${GET_INTERVAL_MS} ms, not waiting for answers; packages/backend in its own process, mec.packages.onboardingConcurrency default)`,
    '',
    row(['figure', 'nothing onboarding', 'hostile onboarding', 'ratio']),
    row(['---', '---:', '---:', '---:']),
  ];
  for (const [name, f] of results) {
    const pair = (label: string, a: number, b: number) =>
      row([`${name}: ${label}`, ms(a), ms(b), (b / a).toFixed(2)]);
    lines.push(
      pair(
        'GET p50',
        percentile(f.baseline.gets, 0.5),
        percentile(f.hostile.gets, 0.5),
      ),
      pair(
        'GET p99',
        percentile(f.baseline.gets, 0.99),
        percentile(f.hostile.gets, 0.99),
      ),
      pair('GET max', f.baseline.gets.at(-1)!, f.hostile.gets.at(-1)!),
      pair('event-loop delay max', f.baseline.loop.maxMs, f.hostile.loop.maxMs),
    );
  }
  lines.push('');
  for (const [name, f] of results) {
    lines.push(
      [
        `${name}: baseline ${f.baseline.gets.length} GETs`,
        f.baseline.failed ? `(and ${f.baseline.failed} failed)` : '',
        `(${f.baseline.seconds.toFixed(1)} s);`,
        `hostile ${f.hostile.gets.length} GETs`,
        f.hostile.failed ? `(and ${f.hostile.failed} failed)` : '',
        `(${f.hostile.seconds.toFixed(1)} s) while ${f.packages} hostile`,
        `packages (${f.megabytes.toFixed(0)} MiB) were uploaded and onboarded,`,
        `in ${ROUNDS} alternating windows of each; load average`,
        `${f.load[0].toFixed(1)} before, ${f.load[1].toFixed(1)} after`,
        `(${cpus().length} cores)`,
      ]
        .filter(Boolean)
        .join(' '),
    );
  }
  lines.push(
    ...notes,
    'ratio = hostile / baseline; the target is a GET p99 under 100 ms while hostile packages onboard.',
  );
  console.log(lines.join('\n'));
}

if (process.env[SERVE]) {
  serve();
} else {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
