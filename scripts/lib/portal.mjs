// Starts the portal, the backend (:7007) and the app dev server (:3000) by
// default, each in its own process group so that stop() ends every process
// they spawned.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { log, repoRoot } from './setup.mjs';

const bin = join(repoRoot, 'node_modules', '.bin', 'backstage-cli');

export async function waitForHttp(url, { timeoutMs, isAlive }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (!isAlive())
      throw new Error(`${url}: the process exited before it answered`);
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
    await new Promise(r => setTimeout(r, 500));
  }
}

function startGroup(name, args, cwd, env, output) {
  const child = spawn(bin, args, {
    cwd,
    env,
    detached: true,
    stdio: output === 'inherit' ? 'inherit' : ['ignore', output, output],
  });
  child.on('exit', (code, signal) => {
    if (!child.stopping) log(`${name} exited (${signal ?? code})`);
  });
  return child;
}

export function stopGroup(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.stopping = true;
    const kill = signal => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      // the group may still hold grandchildren
      kill('SIGKILL');
      resolve();
    });
    kill('SIGTERM');
  });
}

/**
 * @param {object} options
 * @param {number} [options.backendPort]
 * @param {number} [options.appPort]
 * @param {string[]} [options.configs] extra config files, after app-config.yaml
 * @param {Record<string,string>} [options.env]
 * @param {'inherit'|number} [options.output] stdio for the children (a file descriptor for logs)
 */
export async function startPortal(options = {}) {
  const backendPort = options.backendPort ?? 7007;
  const appPort = options.appPort ?? 3000;
  const configs = [
    join(repoRoot, 'app-config.yaml'),
    ...(options.configs ?? []),
  ];
  if (backendPort !== 7007 || appPort !== 3000) {
    const dir = mkdtempSync(join(tmpdir(), 'helmmec-portal-'));
    const file = join(dir, 'app-config.ports.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        app: {
          baseUrl: `http://localhost:${appPort}`,
          listen: { port: appPort },
        },
        backend: {
          baseUrl: `http://localhost:${backendPort}`,
          listen: { port: backendPort },
          cors: { origin: `http://localhost:${appPort}` },
        },
      }),
    );
    configs.push(file);
  }
  const configArgs = configs.flatMap(c => ['--config', c]);
  const env = { ...process.env, ...options.env };
  const output = options.output ?? 'inherit';

  const backend = startGroup(
    'backend',
    ['package', 'start', ...configArgs],
    join(repoRoot, 'packages', 'backend'),
    env,
    output,
  );
  const app = startGroup(
    'app',
    ['package', 'start', ...configArgs],
    join(repoRoot, 'packages', 'app'),
    { ...env, BROWSER: 'none' },
    output,
  );
  const portal = {
    appUrl: `http://localhost:${appPort}`,
    backendUrl: `http://localhost:${backendPort}`,
    async stop() {
      await Promise.all([stopGroup(app), stopGroup(backend)]);
    },
  };
  try {
    await waitForHttp(`${portal.backendUrl}/.backstage/health/v1/readiness`, {
      timeoutMs: 180_000,
      isAlive: () => backend.exitCode === null,
    });
    await waitForHttp(portal.appUrl, {
      timeoutMs: 300_000,
      isAlive: () => app.exitCode === null,
    });
  } catch (error) {
    await portal.stop();
    throw error;
  }
  return portal;
}
