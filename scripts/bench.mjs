// `npm run bench`: every benchmark of the repository, each printing its
// figures as ratios against a baseline measured in the same run. What each
// step prints also goes to test-results/bench.md, which the README's
// performance section quotes.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  ensureDebianPackages,
  ensureNodeModules,
  log,
  repoRoot,
} from './lib/setup.mjs';
import { startPostgres } from './lib/postgres.mjs';

const sections = [];

/**
 * Runs one benchmark step with inherited stdin/stderr; its stdout is shown
 * and kept for test-results/bench.md with its duration. A step that fails
 * is recorded and the next one runs: one broken figure should not hide the
 * others. `npm run bench` then exits non-zero.
 */
function run(command, args, options = {}) {
  const name = [command, ...args].join(' ');
  const t0 = Date.now();
  return new Promise(resolve => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: ['inherit', 'pipe', 'inherit'],
      ...options,
    });
    let output = '';
    child.stdout.on('data', chunk => {
      process.stdout.write(chunk);
      output += chunk;
    });
    const done = failure => {
      const seconds = Math.round((Date.now() - t0) / 1000);
      sections.push({ command: name, output, seconds, failure });
      if (failure) log(`${name} failed (${failure})`);
      resolve();
    };
    child.on('error', error => done(error.message));
    child.on('close', (code, signal) =>
      done(code === 0 ? undefined : signal ?? `exit ${code}`),
    );
  });
}

// `--require` reads a bare relative path as a module name: an absolute one.
const nodeTransform = join(
  repoRoot,
  'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
);

ensureNodeModules();
// PostgreSQL for the replicas; Chromium for the pages
ensureDebianPackages(['postgresql', 'chromium']);
const postgres = await startPostgres();
// the lifecycle bench's two replicas share it
process.env.HELMMEC_BENCH_POSTGRES = postgres.connectionString;
const started = new Date();
try {
  // One `await run(...)` per benchmark; they run one after another.
  log('edge clusters: build, up and helm install --wait');
  await run('npm', ['run', 'bench', '-w', '@internal/edge-cluster']);
  log(
    'lifecycle and lists: instantiate against a bare helm install --wait; lists against a plain server',
  );
  await run('node', [
    '--require',
    nodeTransform,
    'packages/backend/bench/lifecycleBench.ts',
  ]);
  log('notifications: deliveries per second against a plain keep-alive loop');
  await run('node', [
    '--require',
    nodeTransform,
    'plugins/mec-backend/bench/notificationsBench.ts',
  ]);
  log(
    'hostile onboarding: GET latency while hostile packages onboard, against none',
  );
  await run('node', [
    '--require',
    nodeTransform,
    'plugins/mec-backend/bench/hostileOnboardingBench.ts',
  ]);
  log('portal pages: first row at 10,000 instances against 10');
  await run('node', ['e2e-tests/bench/pages.bench.mjs']);
} finally {
  await postgres.stop();
  const dir = join(repoRoot, 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bench.md'),
    [
      `# npm run bench, ${started.toISOString()}, ${Math.round(
        (Date.now() - started.getTime()) / 1000,
      )} s`,
      '',
      `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(
        totalmem() /
        2 ** 30
      ).toFixed(1)} GiB, Node ${process.version}`,
      '',
      ...sections.flatMap(s => [
        `## ${s.command}`,
        '',
        `${s.seconds} s${s.failure ? `, FAILED (${s.failure})` : ''}`,
        '',
        '```',
        s.output.trim(),
        '```',
        '',
      ]),
    ].join('\n'),
  );
  log(`figures written to ${join('test-results', 'bench.md')}`);
}
const failed = sections.filter(s => s.failure);
if (failed.length) {
  log(`failed: ${failed.map(s => s.command).join('; ')}`);
  process.exitCode = 1;
}
