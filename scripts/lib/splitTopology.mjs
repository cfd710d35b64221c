// `MEC_TOPOLOGY=split npm start`: the MEO (the portal, mec.role meo) and
// MEPMs (packages/mepm, mec.role mepm) as separate backends on this machine,
// each MEPM with a data directory, a sqlite store and a local edge cluster of
// its own, registered with the MEO through its `/mepms` API.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopGroup, waitForHttp } from './portal.mjs';
import { log, repoRoot } from './setup.mjs';

/** The MEPMs of the split topology: their ports, and names derived from them. */
export const SPLIT_MEPM_PORTS = [7008, 7009];

/** A MEPM's name at the MEO, and its local edge cluster's (= edge host's) name. */
export function splitMepmNames(port) {
  return { mepm: `mepm-${port}`, edgeHost: `edge-${port}` };
}

/** Writes the MEO's override of app-config.yaml: the meo role. */
export function writeMeoConfig(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'app-config.meo.yaml');
  writeFileSync(file, JSON.stringify({ mec: { role: 'meo' } }, null, 2));
  return file;
}

/**
 * Writes a MEPM's override of packages/mepm/app-config.yaml: its port and
 * its own sqlite directory under `dataDir`.
 */
export function writeMepmConfig({ port, dataDir }) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'app-config.mepm.yaml');
  writeFileSync(
    file,
    JSON.stringify(
      {
        backend: {
          baseUrl: `http://localhost:${port}`,
          listen: { host: '127.0.0.1', port },
          database: {
            client: 'better-sqlite3',
            connection: { directory: join(dataDir, 'sqlite') },
          },
        },
      },
      null,
      2,
    ),
  );
  return file;
}

/** Copies a child's output lines to ours, each after `[prefix]`. */
function prefixLines(stream, prefix, out, onLine) {
  createInterface({ input: stream }).on('line', line => {
    out.write(`[${prefix}] ${line}\n`);
    onLine(line);
  });
}

/**
 * Starts a MEPM backend (packages/mepm) with packages/mepm/app-config.yaml
 * and `configs` after it, in a process group of its own so that stop() ends
 * everything it spawned. It runs with node directly rather than
 * `backstage-cli package start`: no file watcher per MEPM on a machine that
 * already runs the portal's.
 *
 * @param {object} options
 * @param {(mepm: { stop: () => Promise<void> }) => void} [options.onSpawn]
 *   called at once with what stops it, for a caller stopped while it starts
 * @returns once its readiness check answers: its URLs, and stop()
 */
export async function startMepm({
  name,
  port,
  configs = [],
  env = {},
  onSpawn = () => {},
}) {
  const cwd = join(repoRoot, 'packages', 'mepm');
  const configArgs = [join(cwd, 'app-config.yaml'), ...configs].flatMap(c => [
    '--config',
    c,
  ]);
  const child = spawn(
    process.execPath,
    [
      '--require',
      join(
        repoRoot,
        'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
      ),
      'src/index',
      ...configArgs,
    ],
    {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', ...env },
    },
  );
  // A backend whose plugin fails to start keeps listening, never ready.
  let startupFailed = false;
  const watch = line => {
    if (line.includes('Backend startup failed')) startupFailed = true;
  };
  prefixLines(child.stdout, name, process.stdout, watch);
  prefixLines(child.stderr, name, process.stderr, watch);
  child.on('exit', (code, signal) => {
    if (!child.stopping) log(`${name} exited (${signal ?? code})`);
  });
  const backendUrl = `http://localhost:${port}`;
  const mepm = {
    name,
    backendUrl,
    apiRoot: `${backendUrl}/api/mec`,
    pid: child.pid,
    stop: () => stopGroup(child),
  };
  onSpawn(mepm);
  try {
    await waitForHttp(`${backendUrl}/.backstage/health/v1/readiness`, {
      // Three backends and the app's dev server start at once.
      timeoutMs: 300_000,
      isAlive: () =>
        !startupFailed && child.exitCode === null && child.signalCode === null,
    });
  } catch (error) {
    await mepm.stop();
    throw startupFailed
      ? new Error(`MEPM "${name}" failed to start; its log above says why`)
      : error;
  }
  return mepm;
}

async function problemOf(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    return body.detail ?? body.title ?? text;
  } catch {
    return text || response.statusText;
  }
}

/**
 * Registers a MEPM with the MEO (`POST {meoMecUrl}/mepms`), or, when one of
 * that name is registered already (a restart), brings its title, apiRoot
 * and credential up to date (`PATCH {meoMecUrl}/mepms/{name}`).
 *
 * @param {object} options
 * @param {string} options.meoMecUrl the MEO's mec base URL, e.g. http://localhost:7007/api/mec
 * @param {string} options.token the bearer token for the MEO (mec.mepm.read and manage)
 * @param {string} options.name
 * @param {string} options.title
 * @param {string} options.apiRoot the MEPM's ETSI {apiRoot}
 * @param {string} options.mepmToken the bearer token the MEO presents to the MEPM
 * @param {typeof fetch} [options.fetch]
 * @returns a phrase saying what it did
 */
export async function registerMepmWithMeo({
  meoMecUrl,
  token,
  name,
  title,
  apiRoot,
  mepmToken,
  fetch = globalThis.fetch,
}) {
  const call = (url, method, body) =>
    fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const fail = async (what, response) =>
    new Error(
      `${what}: the MEO answered ${response.status}: ${await problemOf(
        response,
      )}`,
    );
  const mepmUrl = `${meoMecUrl}/mepms/${encodeURIComponent(name)}`;
  const auth = { type: 'token', token: mepmToken };
  const existing = await call(mepmUrl, 'GET');
  let done;
  if (existing.status === 404) {
    const created = await call(`${meoMecUrl}/mepms`, 'POST', {
      name,
      title,
      apiRoot,
      auth,
    });
    if (created.status !== 201) {
      throw await fail(`Registering MEPM "${name}"`, created);
    }
    done = `registered MEPM "${name}" (${apiRoot}) with the MEO`;
  } else if (existing.ok) {
    const patched = await call(mepmUrl, 'PATCH', { title, apiRoot, auth });
    if (!patched.ok) throw await fail(`Updating MEPM "${name}"`, patched);
    done = `MEPM "${name}" was registered with the MEO already; updated it (${apiRoot})`;
  } else {
    throw await fail(`Reading MEPM "${name}"`, existing);
  }
  // The MEO reads a MEPM's health and hosts on a schedule; the first time
  // at once.
  await call(`${mepmUrl}/check`, 'POST').catch(() => undefined);
  return done;
}
