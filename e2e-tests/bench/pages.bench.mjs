// `npm run bench` (pages part): how soon the MEC instances and packages pages
// show their first row with 10,000 instances and 1,000 packages in the
// portal's database, in headless Chromium, as a ratio against the same pages
// with 10 of each, measured in the same run on the same portal.
//
// The rows are written straight into the portal's better-sqlite3 database
// (the backend pages, filters and orders in SQL; how they got there does not
// matter to the pages). They are NOT_INSTANTIATED, so no background job of
// the backend touches an edge host for them.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { freePort } from '../../scripts/lib/postgres.mjs';
import { log, repoRoot } from '../../scripts/lib/setup.mjs';

const INSTANCES = 10_000;
const PACKAGES = 1_000;
const BASELINE = 10;
const REPEAT = 5;

const PAGES = [
  {
    name: 'instances page',
    tab: 'Instances',
    firstRow: 'table[aria-label="MEC application instances"] tbody tr td a',
  },
  {
    name: 'packages page',
    tab: 'Packages',
    firstRow: 'table[aria-label="MEC application packages"] tbody tr td a',
  },
];

/** Adds packages and instances up to the given totals, newest last. */
function seed(dbFile, totals, state) {
  const db = new Database(dbFile, { timeout: 30_000 });
  const addPackage = db.prepare(
    `INSERT INTO app_packages (id, app_pkg_name, app_pkg_version, app_d_id,
       app_name, app_provider, app_software_version, app_d_version,
       checksum_algorithm, checksum_hash, onboarding_state, operational_state,
       usage_state, mec_info, created_at, updated_at)
     VALUES (?, ?, '1.0.0', ?, ?, 'HelmMEC bench', '1.0.0', '1.0', 'SHA-256',
       ?, 'ONBOARDED', 'ENABLED', 'IN_USE', '["3.1.1"]', ?, ?)`,
  );
  const addInstance = db.prepare(
    `INSERT INTO app_instances (id, app_instance_name, app_pkg_id, app_d_id,
       app_provider, app_name, app_soft_version, app_d_version,
       instantiation_state, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'HelmMEC bench', ?, '1.0.0', '1.0',
       'NOT_INSTANTIATED', ?, ?)`,
  );
  db.transaction(() => {
    while (state.packages.length < totals.packages) {
      const n = state.packages.length;
      const pkg = { id: randomUUID(), appName: `bench-app-${n}` };
      const at = state.clock++;
      addPackage.run(
        pkg.id,
        pkg.appName,
        `appd-bench-${n}`,
        pkg.appName,
        '0'.repeat(64),
        at,
        at,
      );
      state.packages.push(pkg);
    }
    for (; state.instances < totals.instances; state.instances++) {
      const pkg = state.packages[state.instances % state.packages.length];
      const at = state.clock++;
      addInstance.run(
        randomUUID(),
        `bench-${state.instances}`,
        pkg.id,
        `appd-bench-${state.packages.indexOf(pkg)}`,
        pkg.appName,
        at,
        at,
      );
    }
  })();
  db.close();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Milliseconds from a click on the page's tab (from the edge hosts tab) to
 * the first row of its table: the page's own work, without the app's start
 * (which a full load adds alike at any size); the median of {@link REPEAT}.
 */
async function measure(browserPage, spec) {
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    await browserPage.getByRole('tab', { name: 'Edge hosts' }).click();
    await browserPage
      .getByRole('heading', { name: 'Edge hosts', exact: true })
      .waitFor({ timeout: 60_000 });
    const started = Date.now();
    await browserPage.getByRole('tab', { name: spec.tab }).click();
    await browserPage.waitForSelector(spec.firstRow, { timeout: 60_000 });
    times.push(Date.now() - started);
  }
  return median(times);
}

/**
 * Opens a page of the app and signs in as the guest there. Every full load
 * shows the sign-in page again, so this is the only one; the rest is
 * navigation inside the app. The first load waits for the dev server's
 * first build.
 */
async function openSignedIn(browserPage, url) {
  const timeout = 300_000;
  await browserPage.goto(url, { timeout });
  const enter = browserPage.getByRole('button', { name: /enter/i });
  await enter.click({ timeout });
  await enter.waitFor({ state: 'detached', timeout });
}

/** A process group of its own, so that stopping it ends its children too. */
function startGroup(command, args, cwd, env, output) {
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', output, output],
  });
  const exited = new Promise(resolve => child.once('exit', resolve));
  return {
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      const kill = signal => {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      };
      if (this.alive()) {
        kill('SIGTERM');
        const timer = setTimeout(() => kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // the group may still hold grandchildren
      kill('SIGKILL');
    },
  };
}

async function waitForHttp(url, group, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    if (!group.alive()) throw new Error(`${url}: the process exited`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise(r => setTimeout(r, 500));
  }
}

/**
 * The portal on free ports: the app's dev server as `npm start` runs it, and
 * the backend from source as `npm start` runs it but without its file
 * watcher, which restarts the backend on any change in the tree (a figure
 * taken across a restart would measure the restart).
 */
async function startPortal(dataDir) {
  const backendPort = await freePort();
  const appPort = await freePort();
  const ports = join(dataDir, 'app-config.ports.yaml');
  writeFileSync(
    ports,
    JSON.stringify({
      app: {
        baseUrl: `http://localhost:${appPort}`,
        listen: { port: appPort },
      },
      backend: {
        baseUrl: `http://localhost:${backendPort}`,
        listen: { host: '127.0.0.1', port: backendPort },
        cors: { origin: `http://localhost:${appPort}` },
      },
    }),
  );
  const config = ['--config', join(repoRoot, 'app-config.yaml')];
  config.push('--config', ports);
  const output = openSync(join(dataDir, 'portal.log'), 'a');
  const env = { ...process.env, MEC_DATA_DIR: dataDir };
  const backend = startGroup(
    process.execPath,
    [
      '--require',
      join(
        repoRoot,
        'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
      ),
      'src/index',
      ...config,
    ],
    join(repoRoot, 'packages', 'backend'),
    { ...env, NODE_ENV: 'development' },
    output,
  );
  const app = startGroup(
    join(repoRoot, 'node_modules', '.bin', 'backstage-cli'),
    ['package', 'start', ...config],
    join(repoRoot, 'packages', 'app'),
    { ...env, BROWSER: 'none' },
    output,
  );
  const portal = {
    appUrl: `http://localhost:${appPort}`,
    stop: () => Promise.all([app.stop(), backend.stop()]),
  };
  try {
    await waitForHttp(
      `http://127.0.0.1:${backendPort}/.backstage/health/v1/readiness`,
      backend,
      180_000,
    );
    await waitForHttp(portal.appUrl, app, 300_000);
  } catch (error) {
    await portal.stop();
    throw error;
  }
  return portal;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'helmmec-pages-bench-'));
  const portal = await startPortal(dataDir).catch(error => {
    console.error(
      readFileSync(join(dataDir, 'portal.log'), 'utf8').slice(-5000),
    );
    throw error;
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const figures = [];
  let failed = true;
  let browserPage;
  try {
    browserPage = await browser.newPage({
      viewport: { width: 1440, height: 900 },
    });
    await openSignedIn(browserPage, `${portal.appUrl}/mec/hosts`);
    const dbFile = join(dataDir, 'mec.sqlite');
    const state = {
      packages: [],
      instances: 0,
      clock: Date.now() - 86_400_000,
    };

    log(`pages bench: ${BASELINE} packages and instances`);
    seed(dbFile, { packages: BASELINE, instances: BASELINE }, state);
    const small = [];
    for (const spec of PAGES) {
      small.push(await measure(browserPage, spec));
    }
    log(`pages bench: ${PACKAGES} packages and ${INSTANCES} instances`);
    seed(dbFile, { packages: PACKAGES, instances: INSTANCES }, state);
    for (const [i, spec] of PAGES.entries()) {
      figures.push({
        name: spec.name,
        baseline: small[i],
        ours: await measure(browserPage, spec),
      });
    }
    failed = false;
  } finally {
    if (failed && browserPage) {
      await browserPage
        .screenshot({ path: join(dataDir, 'failure.png'), fullPage: true })
        .catch(() => {});
    }
    await browser.close();
    await portal.stop();
    if (failed) {
      console.error(
        `pages bench: the portal's data and log stay in ${dataDir}`,
      );
    } else {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  const f = x => x.toFixed(0).padStart(9);
  const width = Math.max(...figures.map(x => x.name.length)) + 2;
  console.log(
    [
      '',
      `HelmMEC pages benchmark (headless Chromium, better-sqlite3, ${INSTANCES} instances and ${PACKAGES} packages; median of ${REPEAT})`,
      `${''.padEnd(width)}  baseline    HelmMEC     ratio`,
      ...figures.map(
        x =>
          `${x.name.padEnd(width)}${f(x.baseline)} ms${f(x.ours)} ms${(
            x.ours / x.baseline
          )
            .toFixed(2)
            .padStart(9)}`,
      ),
      `baseline: the same page with ${BASELINE} instances and ${BASELINE} packages, in the same run on the same portal;`,
      "time to the first row of the table from a click on the page's tab (from the edge hosts tab).",
    ].join('\n'),
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
