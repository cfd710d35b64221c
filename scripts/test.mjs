// `npm test`: installs what is missing, then runs every tier: OpenAPI
// documents and the wire types generated from them in sync, type check,
// lint, unit/API/database tests (jest, on better-sqlite3 and a throwaway
// PostgreSQL), and browser end-to-end tests (Playwright driving Debian's
// Chromium against a started portal).
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  ensureDebianPackages,
  ensureNodeModules,
  log,
  postgresBinDir,
  repoRoot,
  run,
} from './lib/setup.mjs';
import { freePort, startPostgres } from './lib/postgres.mjs';
import { startPortal } from './lib/portal.mjs';
import { startLocalEdgeCluster } from './lib/edgeCluster.mjs';

const cleanups = [];
async function cleanUp() {
  while (cleanups.length) {
    await cleanups
      .pop()()
      .catch(e => console.error(e));
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanUp();
    process.exit(130);
  });
}

const step = (name, fn) => {
  log(`── ${name}`);
  const started = Date.now();
  const result = fn();
  const done = () =>
    log(`   ${name}: ok (${Math.round((Date.now() - started) / 1000)}s)`);
  if (result instanceof Promise) return result.then(v => (done(), v));
  done();
  return result;
};

const bin = name => join(repoRoot, 'node_modules', '.bin', name);
const summary = { passed: 0, failed: 0 };

try {
  step('system packages', () =>
    ensureDebianPackages(['postgresql', 'chromium', 'docker-registry']),
  );
  step('npm dependencies', () => ensureNodeModules());
  step('OpenAPI documents and wire types in sync', () =>
    run('node', [
      'plugins/mec-backend/scripts/generate-openapi.mjs',
      '--check',
    ]),
  );
  step('type check', () => run(bin('tsc'), ['--noEmit']));
  step('lint', () => run(bin('backstage-cli'), ['repo', 'lint']));

  const postgres = await step('PostgreSQL', () => startPostgres());
  cleanups.push(() => postgres.stop());
  const pgMajor = postgresBinDir().split('/').at(-2);

  const jestResults = join(
    mkdtempSync(join(tmpdir(), 'helmmec-jest-')),
    'results.json',
  );
  try {
    step('unit, API and database tests', () =>
      run(
        bin('backstage-cli'),
        ['repo', 'test', '--json', `--outputFile=${jestResults}`],
        {
          env: {
            ...process.env,
            CI: 'true',
            NODE_OPTIONS: '--no-node-snapshot --experimental-vm-modules',
            BACKSTAGE_TEST_DISABLE_DOCKER: '1',
            [`BACKSTAGE_TEST_DATABASE_POSTGRES${pgMajor}_CONNECTION_STRING`]:
              postgres.connectionString,
          },
        },
      ),
    );
  } finally {
    try {
      const results = JSON.parse(readFileSync(jestResults, 'utf8'));
      summary.passed += results.numPassedTests;
      summary.failed += results.numFailedTests;
    } catch {
      // jest failed before writing results; its own output says why
    }
  }
  await postgres.stop();
  cleanups.pop();

  const dataDir = mkdtempSync(join(tmpdir(), 'helmmec-e2e-data-'));
  const portalLog = join(dataDir, 'portal.log');
  // A real edge cluster for the browser tests to deploy to.
  const edgeName = `e2e-${Math.random().toString(36).slice(2, 7)}`;
  const edge = await step('edge cluster for browser tests', () =>
    startLocalEdgeCluster({ name: edgeName, dataDir, reuse: false }),
  );
  cleanups.push(() => edge.stop());
  const backendPort = await freePort();
  const appPort = await freePort();
  const portal = await step('start the portal for browser tests', () =>
    startPortal({
      backendPort,
      appPort,
      env: { MEC_DATA_DIR: dataDir, MEC_API_TOKEN: 'helmmec-e2e-token' },
      configs: [edge.configFile],
      output: openSync(portalLog, 'a'),
    }).catch(error => {
      console.error(readFileSync(portalLog, 'utf8').slice(-5000));
      throw error;
    }),
  );
  cleanups.push(() => portal.stop());
  const e2eResults = join(dataDir, 'playwright.json');
  try {
    step('browser end-to-end tests', () =>
      run(bin('playwright'), ['test'], {
        env: {
          ...process.env,
          CI: 'true',
          E2E_APP_URL: portal.appUrl,
          E2E_BACKEND_URL: portal.backendUrl,
          E2E_MEC_API_TOKEN: 'helmmec-e2e-token',
          E2E_EDGE_HOST: edgeName,
          PLAYWRIGHT_JSON_OUTPUT_NAME: e2eResults,
          PLAYWRIGHT_JSON_OUTPUT_FILE: e2eResults,
        },
      }),
    );
  } finally {
    try {
      const { stats } = JSON.parse(readFileSync(e2eResults, 'utf8'));
      summary.passed += stats.expected;
      summary.failed += stats.unexpected;
    } catch {
      // playwright failed before reporting
    }
  }
  await cleanUp();
  console.log(`${summary.passed} passed, ${summary.failed} failed`);
} catch (error) {
  await cleanUp();
  console.error(`[helmmec] npm test failed: ${error.message}`);
  console.log(
    `${summary.passed} passed, ${Math.max(summary.failed, 1)} failed`,
  );
  process.exit(1);
}
