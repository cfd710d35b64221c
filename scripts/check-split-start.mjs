// A check of `MEC_TOPOLOGY=split npm start`, run by hand (not by `npm test`:
// it needs the fixed ports 3000, 7007, 7008 and 7009): the MEO and both
// MEPMs answer, each MEPM registers its local edge cluster as its edge host
// and itself with the MEO, and one application goes through its whole
// lifecycle with plain HTTP calls against the MEO (as curl would make them):
// onboard an example package, create, instantiate on a MEPM's host, stop,
// start, terminate, delete, with the instance visible on that MEPM. Stopping
// npm start (SIGTERM, as Ctrl-C) stops the MEPMs and their clusters.
//
// It runs on a data directory of its own (HELMMEC_SPLIT_DATA_DIR), so it
// leaves data/split alone. The edge clusters' binaries come from the cache
// (~/.cache/helmmec); on a cold cache the first build takes its time.
//
// Usage: node scripts/check-split-start.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgeClusterLibrary } from './lib/edgeCluster.mjs';
import { log, repoRoot } from './lib/setup.mjs';
import { SPLIT_MEPM_PORTS, splitMepmNames } from './lib/splitTopology.mjs';

const token = process.env.MEC_API_TOKEN ?? 'helmmec-dev-token';
const meo = 'http://localhost:7007/api/mec';
const appUrl = 'http://localhost:3000';
const mepms = SPLIT_MEPM_PORTS.map(port => ({
  port,
  ...splitMepmNames(port),
  apiRoot: `http://localhost:${port}/api/mec`,
}));
const target = mepms[0];
const sleep = ms => new Promise(r => setTimeout(r, ms));

const work = mkdtempSync(join(tmpdir(), 'helmmec-split-start-'));
const startLog = join(work, 'npm-start.log');
const start = spawn(process.execPath, [join(repoRoot, 'scripts/start.mjs')], {
  cwd: repoRoot,
  detached: true,
  stdio: ['ignore', openSync(startLog, 'a'), openSync(startLog, 'a')],
  env: {
    ...process.env,
    MEC_TOPOLOGY: 'split',
    HELMMEC_SPLIT_DATA_DIR: join(work, 'data'),
  },
});
log(`MEC_TOPOLOGY=split npm start: pid ${start.pid}, log ${startLog}`);

/** One HTTP call, printed as curl would show it; JSON in and out. */
async function call(method, url, body, { quiet = false, headers = {} } = {}) {
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      ...(body && !(body instanceof Uint8Array)
        ? { 'Content-Type': 'application/json' }
        : {}),
      ...headers,
    },
    ...(body
      ? { body: body instanceof Uint8Array ? body : JSON.stringify(body) }
      : {}),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!quiet) log(`  ${method} ${url} → ${response.status}`);
  return {
    status: response.status,
    body: json,
    text,
    location: response.headers.get('location'),
  };
}

async function until(what, test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await test();
      if (value) return value;
    } catch (error) {
      if (error.fatal) throw error;
      last = error;
    }
    if (start.exitCode !== null) {
      throw new Error(`npm start exited while waiting for ${what}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no ${what} in time${last ? ` (last: ${last.message})` : ''}`,
      );
    }
    await sleep(1000);
  }
}

const failures = [];
const check = (ok, what) => {
  log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) failures.push(what);
  return ok;
};
const step = what => log(`— ${what}`);

/** Polls an op occurrence at the MEO until it ends; prints each state it sees. */
async function settle(location) {
  let seen;
  return until(
    `the end of ${location}`,
    async () => {
      const occ = await call('GET', location, undefined, { quiet: true });
      if (occ.body?.operationState !== seen) {
        seen = occ.body?.operationState;
        log(`  ${location}: ${seen}`);
      }
      return ['COMPLETED', 'FAILED_TEMP', 'FAILED', 'ROLLED_BACK'].includes(
        seen,
      )
        ? occ.body
        : undefined;
    },
    10 * 60_000,
  );
}

/** The MEPM's instances of an appDId (its ids are its own). */
async function instancesOnMepm(mepm, appDId) {
  const listed = await call(
    'GET',
    `${mepm.apiRoot}/app_lcm/v1/app_instances?filter=${encodeURIComponent(
      `(eq,appDId,${appDId})`,
    )}`,
  );
  return listed.body ?? [];
}

try {
  step('the MEO and the MEPMs answer');
  await until(
    'MEO',
    async () =>
      (
        await fetch('http://localhost:7007/.backstage/health/v1/readiness')
      ).ok && (await fetch(appUrl)).ok,
    10 * 60_000,
  );
  check(true, `the MEO answers (${appUrl}, ${meo})`);
  for (const mepm of mepms) {
    await until(
      mepm.mepm,
      async () =>
        (
          await fetch(
            `http://localhost:${mepm.port}/.backstage/health/v1/readiness`,
          )
        ).ok,
      5 * 60_000,
    );
    check(true, `MEPM "${mepm.mepm}" answers (${mepm.apiRoot})`);
  }

  step('the same MEC_API_TOKEN on all three; none without it');
  for (const base of [meo, ...mepms.map(m => m.apiRoot)]) {
    const withToken = await call('GET', `${base}/app_lcm/v1/app_instances`);
    const without = await fetch(`${base}/app_lcm/v1/app_instances`);
    check(
      withToken.status === 200 && without.status === 401,
      `${base}: 200 with the token, ${without.status} without`,
    );
  }
  const pkgmOnMepm = await call(
    'GET',
    `${target.apiRoot}/app_pkgm/v1/app_packages`,
  );
  check(
    pkgmOnMepm.status === 404,
    `a MEPM serves no app_pkgm (${pkgmOnMepm.status} ${
      pkgmOnMepm.body?.title ?? ''
    })`,
  );

  step('each MEPM is registered with the MEO');
  for (const mepm of mepms) {
    const registered = await until(
      `${mepm.mepm} at the MEO`,
      async () => {
        const got = await call('GET', `${meo}/mepms/${mepm.mepm}`, undefined, {
          quiet: true,
        });
        return got.status === 200 && got.body;
      },
      5 * 60_000,
    );
    check(
      registered.apiRoot === mepm.apiRoot,
      `GET ${meo}/mepms/${mepm.mepm}: ${JSON.stringify(registered)}`,
    );
  }

  step("each MEPM's local edge cluster is its edge host");
  for (const mepm of mepms) {
    const host = await until(
      `edge host ${mepm.edgeHost} on ${mepm.mepm}`,
      async () => {
        const progress = await call(
          'GET',
          `${mepm.apiRoot}/local_edge_cluster`,
          undefined,
          { quiet: true },
        );
        if (progress.body?.phase === 'failed') {
          throw Object.assign(new Error(progress.body.error), {
            fatal: true,
          });
        }
        const got = await call(
          'GET',
          `${mepm.apiRoot}/hosts/${mepm.edgeHost}`,
          undefined,
          { quiet: true },
        );
        return got.body?.status?.reachable === true && got.body;
      },
      30 * 60_000,
    );
    check(
      true,
      `${mepm.apiRoot}/hosts/${mepm.edgeHost}: reachable, ${host.status.readyNodes} ready nodes`,
    );
  }
  for (const mepm of mepms) {
    const atMeo = await until(
      `${mepm.edgeHost} in the MEO's placement`,
      async () => {
        const got = await call('GET', `${meo}/hosts`, undefined, {
          quiet: true,
        });
        return (got.body?.items ?? []).find(h => h.name === mepm.edgeHost);
      },
      3 * 60_000,
    ).catch(error => {
      check(false, error.message);
      return undefined;
    });
    if (atMeo) {
      check(
        true,
        `the MEO lists ${mepm.edgeHost} (${JSON.stringify({
          name: atMeo.name,
          driver: atMeo.driver,
          mepm: atMeo.mepm,
          reachable: atMeo.status?.reachable,
        })})`,
      );
    }
  }

  step('onboard examples/packages/location-service.zip at the MEO');
  const zip = readFileSync(
    join(repoRoot, 'examples/packages/location-service.zip'),
  );
  const checksum = JSON.parse(
    readFileSync(join(repoRoot, 'examples/packages/checksums.json'), 'utf8'),
  )['location-service.zip'];
  const pkg = await call('POST', `${meo}/app_pkgm/v1/app_packages`, {
    appPkgName: 'location-service',
    appPkgVersion: '0.1.0',
    appProvider: 'HelmMEC Examples',
    checksum,
  });
  check(pkg.status === 201, `package ${pkg.body?.id} created`);
  const upload = await call(
    'PUT',
    `${meo}/app_pkgm/v1/app_packages/${pkg.body.id}/package_content`,
    new Uint8Array(zip),
    { headers: { 'Content-Type': 'application/zip' } },
  );
  check(upload.status === 202, 'package content uploaded');
  const onboarded = await until(
    'ONBOARDED',
    async () => {
      const got = await call(
        'GET',
        `${meo}/app_pkgm/v1/app_packages/${pkg.body.id}`,
        undefined,
        { quiet: true },
      );
      if (got.body?.onboardingFailureDetails) {
        throw Object.assign(
          new Error(JSON.stringify(got.body.onboardingFailureDetails)),
          { fatal: true },
        );
      }
      return got.body?.onboardingState === 'ONBOARDED' && got.body;
    },
    5 * 60_000,
  );
  const { appDId } = onboarded;
  check(true, `ONBOARDED, ${onboarded.operationalState}, appDId ${appDId}`);

  step(
    `create an instance at the MEO and instantiate it on ${target.edgeHost}`,
  );
  const created = await call('POST', `${meo}/app_lcm/v1/app_instances`, {
    appDId,
    appInstanceName: `split-check-${Date.now()}`,
    appInstanceDescription: 'scripts/check-split-start.mjs',
  });
  check(created.status === 201, `instance ${created.body?.id} created`);
  const instanceUrl = `${meo}/app_lcm/v1/app_instances/${created.body.id}`;
  const before = await instancesOnMepm(target, appDId);
  const instantiate = await call('POST', `${instanceUrl}/instantiate`, {
    selectedMECHostInfo: [{ hostId: { name: target.edgeHost } }],
  });
  check(
    instantiate.status === 202 && Boolean(instantiate.location),
    `202, Location ${instantiate.location}`,
  );
  const instantiated = await settle(instantiate.location);
  check(
    instantiated.operationState === 'COMPLETED',
    `INSTANTIATE ${instantiated.operationState}${
      instantiated.error ? `: ${JSON.stringify(instantiated.error)}` : ''
    }`,
  );
  const atMeo = await call('GET', instanceUrl);
  check(
    atMeo.body?.instantiationState === 'INSTANTIATED',
    `the MEO's instance: ${atMeo.body?.instantiationState}, ${atMeo.body?.instantiatedAppState?.operationalState}`,
  );
  const onTarget = (await instancesOnMepm(target, appDId)).filter(
    i => !before.some(b => b.id === i.id),
  );
  check(
    onTarget.length === 1 && onTarget[0].instantiationState === 'INSTANTIATED',
    `${target.mepm} has the instance (its id ${onTarget[0]?.id}, ${onTarget[0]?.instantiationState})`,
  );
  for (const other of mepms.filter(m => m !== target)) {
    const there = await instancesOnMepm(other, appDId);
    check(there.length === 0, `${other.mepm} does not (${there.length})`);
  }

  for (const changeStateTo of ['STOPPED', 'STARTED']) {
    step(`operate: ${changeStateTo}`);
    const operate = await call('POST', `${instanceUrl}/operate`, {
      changeStateTo,
    });
    check(operate.status === 202, `202, Location ${operate.location}`);
    const operated = await settle(operate.location);
    check(
      operated.operationState === 'COMPLETED',
      `OPERATE ${changeStateTo} ${operated.operationState}`,
    );
    const now = await call('GET', instanceUrl);
    const mepmNow = onTarget[0]
      ? await call(
          'GET',
          `${target.apiRoot}/app_lcm/v1/app_instances/${onTarget[0].id}`,
        )
      : undefined;
    check(
      now.body?.instantiatedAppState?.operationalState === changeStateTo,
      `the MEO's instance: ${now.body?.instantiatedAppState?.operationalState}; ${target.mepm}'s: ${mepmNow?.body?.instantiatedAppState?.operationalState}`,
    );
  }

  step('terminate, then delete the instance');
  const terminate = await call('POST', `${instanceUrl}/terminate`, {
    terminationType: 'FORCEFUL',
  });
  check(terminate.status === 202, `202, Location ${terminate.location}`);
  const terminated = await settle(terminate.location);
  check(
    terminated.operationState === 'COMPLETED',
    `TERMINATE ${terminated.operationState}`,
  );
  if (onTarget[0]) {
    const mepmAfter = await call(
      'GET',
      `${target.apiRoot}/app_lcm/v1/app_instances/${onTarget[0].id}`,
    );
    check(
      mepmAfter.status === 404 ||
        mepmAfter.body?.instantiationState === 'NOT_INSTANTIATED',
      `${target.mepm}'s instance: ${
        mepmAfter.status === 404 ? 'gone' : mepmAfter.body?.instantiationState
      }`,
    );
  }
  const deleted = await call('DELETE', instanceUrl);
  check(deleted.status === 204, 'the MEO deleted its instance');
} catch (error) {
  check(false, error.message);
} finally {
  // As Ctrl-C would: npm start stops the MEO, the MEPMs and their clusters.
  if (start.exitCode === null) {
    process.kill(start.pid, 'SIGTERM');
    await until(
      'npm start to stop',
      async () => start.exitCode !== null,
      120_000,
    ).catch(() => {});
  }
  const edge = edgeClusterLibrary();
  for (const mepm of mepms) {
    check(
      !edge.getEdgeCluster(mepm.edgeHost),
      `stopping npm start stopped the cluster ${mepm.edgeHost}`,
    );
  }
  for (const port of [3000, 7007, ...SPLIT_MEPM_PORTS]) {
    const free = await fetch(`http://localhost:${port}/`).then(
      () => false,
      () => true,
    );
    check(free, `nothing listens on :${port} any more`);
  }
  if (failures.length) {
    console.log(readFileSync(startLog, 'utf8').slice(-6000));
  }
  rmSync(work, { recursive: true, force: true });
}
log(
  failures.length ? `${failures.length} check(s) failed` : 'all checks passed',
);
process.exit(failures.length ? 1 : 0);
