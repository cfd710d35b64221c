// A check of `npm start` on a fresh machine, run by hand (not by `npm test`:
// it needs the fixed ports 3000 and 7007): the portal answers while the local
// edge cluster's binaries are still being built, the edge hosts page says
// so, and the cluster registers itself as the edge host "edge-1" when its
// binaries are there; Ctrl-C (SIGTERM) stops the cluster it started.
//
// No cold build runs: npm start gets an empty cache (HELMMEC_CACHE_DIR) whose
// build lock a stand-in process holds, so the build waits as it would behind
// another build of the same binaries. Releasing the lock after the already
// built binaries (~/.cache/helmmec) were linked into that cache finishes the
// "build". Screenshots go to test-results/screenshots/first-start-*.png.
//
// Usage: node scripts/check-first-start.mjs
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { edgeClusterLibrary } from './lib/edgeCluster.mjs';
import { log, repoRoot } from './lib/setup.mjs';

const appUrl = 'http://localhost:3000';
const backendUrl = 'http://localhost:7007';
const token = process.env.MEC_API_TOKEN ?? 'helmmec-dev-token';
const screenshots = join(repoRoot, 'test-results', 'screenshots');
const sleep = ms => new Promise(r => setTimeout(r, ms));

const edge = edgeClusterLibrary();
const builtDir = edge.versionDir();
const work = mkdtempSync(join(tmpdir(), 'helmmec-first-start-'));
const cache = join(work, 'cache');
const key = edge.versionsKey();
mkdirSync(join(cache, 'edge-cluster'), { recursive: true });
// The stand-in for another build: it holds the build lock while it lives.
const otherBuild = spawn('sleep', ['3600'], { stdio: 'ignore' });
writeFileSync(
  join(cache, 'edge-cluster', `${key}.lock`),
  `${otherBuild.pid}\n`,
);

const startLog = join(work, 'npm-start.log');
const start = spawn(process.execPath, [join(repoRoot, 'scripts/start.mjs')], {
  cwd: repoRoot,
  detached: true,
  stdio: ['ignore', openSync(startLog, 'a'), openSync(startLog, 'a')],
  env: {
    ...process.env,
    HELMMEC_CACHE_DIR: cache,
    MEC_DATA_DIR: join(work, 'sqlite'),
  },
});
log(`npm start: pid ${start.pid}, log ${startLog}`);

async function getJson(path) {
  const response = await fetch(`${backendUrl}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

async function until(what, test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await test();
      if (value) return value;
    } catch {
      // not there yet
    }
    if (start.exitCode !== null) {
      throw new Error(`npm start exited while waiting for ${what}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} in time`);
    await sleep(1000);
  }
}

const failures = [];
const check = (ok, what) => {
  log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) failures.push(what);
};

let browser;
try {
  await until(
    'app',
    async () =>
      (await fetch(`${backendUrl}/.backstage/health/v1/readiness`)).ok &&
      (
        await fetch(appUrl)
      ).ok,
    10 * 60_000,
  );
  const building = await getJson('/api/mec/local_edge_cluster');
  check(
    building.status === 200 && building.body.phase === 'building',
    `the portal answers while the cluster is still building (${JSON.stringify(
      building.body,
    )})`,
  );
  const hosts = await getJson('/api/mec/hosts');
  check(
    !hosts.body.items.some(h => h.name === 'edge-1'),
    'no edge-1 host while it builds',
  );

  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({
    viewport: { width: 1400, height: 900 },
  });
  await page.goto(`${appUrl}/mec/hosts`);
  const enter = page.getByRole('button', { name: /enter/i });
  const banner = page.getByRole('alert', {
    name: 'Local edge cluster on its way',
  });
  await enter.or(banner).first().waitFor({ timeout: 120_000 });
  if (await enter.isVisible()) await enter.click();
  await banner.waitFor({ timeout: 60_000 });
  // The lock's first report comes after 15 s of waiting.
  await banner
    .getByText(/another build .* is running; waiting for it…/)
    .waitFor({ timeout: 60_000 });
  check(await banner.isVisible(), 'the edge hosts page shows the banner');
  await page.mouse.move(1390, 890);
  await page.screenshot({
    path: join(screenshots, 'first-start-building.png'),
    fullPage: true,
  });

  // The other build finishes: its binaries appear, its lock goes. (The
  // binaries this check links are built once, by any earlier start or test.)
  await until(
    `built binaries in ${builtDir}`,
    async () => existsSync(join(builtDir, 'build.json')),
    60 * 60_000,
  );
  symlinkSync(builtDir, join(cache, 'edge-cluster', key));
  otherBuild.kill();
  const registered = await until(
    'registration',
    async () => {
      const progress = await getJson('/api/mec/local_edge_cluster');
      if (progress.body.phase === 'failed') {
        throw Object.assign(new Error('failed'), { fatal: progress.body });
      }
      return progress.body.phase === 'registered' && progress.body;
    },
    5 * 60_000,
  );
  check(true, `the cluster registered itself: ${registered.message}`);
  const host = await getJson('/api/mec/hosts/edge-1');
  check(
    host.status === 200 &&
      host.body.source === 'api' &&
      host.body.status?.reachable === true,
    `edge-1 is a registered, reachable host (${JSON.stringify(
      host.body.status,
    )})`,
  );
  await page.getByRole('link', { name: 'Local edge cluster' }).waitFor({
    timeout: 60_000,
  });
  check(
    !(await banner.isVisible()),
    'the banner is gone and the host is listed',
  );
  await page.getByText('REACHABLE').waitFor({ timeout: 60_000 });
  await page.mouse.move(1390, 890);
  await page.screenshot({
    path: join(screenshots, 'first-start-registered.png'),
    fullPage: true,
  });
} catch (error) {
  check(
    false,
    `${error.message}${error.fatal ? ` ${JSON.stringify(error.fatal)}` : ''}`,
  );
} finally {
  await browser?.close();
  otherBuild.kill();
  // As Ctrl-C would: npm start stops the portal and the cluster it started.
  if (start.exitCode === null) {
    process.kill(start.pid, 'SIGTERM');
    await until(
      'npm start to stop',
      async () => start.exitCode !== null,
      120_000,
    ).catch(() => {});
  }
  const clusterState = join(cache, 'clusters', 'edge-1');
  check(
    !existsSync(clusterState),
    `stopping npm start stopped the cluster (no ${clusterState})`,
  );
  if (failures.length) {
    console.log(readFileSync(startLog, 'utf8').slice(-4000));
  }
  rmSync(work, { recursive: true, force: true });
}
log(
  failures.length ? `${failures.length} check(s) failed` : 'all checks passed',
);
process.exit(failures.length ? 1 : 0);
