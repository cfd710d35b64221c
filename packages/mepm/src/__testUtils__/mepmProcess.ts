import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// eslint-disable-next-line no-restricted-syntax
const packageDir = resolve(__dirname, '../..');

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
  });
}

/** A MEPM backend (this package) running as its own process. */
export interface MepmProcess {
  url: string;
  /** Ends it with SIGTERM, waiting for it to exit. */
  stop(): Promise<void>;
  output(): string;
}

/**
 * Starts this package's backend from source on 127.0.0.1, as `npm start`
 * runs a MEPM: packages/mepm/app-config.yaml with `config` on top, and
 * waits for its readiness endpoint.
 */
export async function startMepmProcess(options: {
  port: number;
  dataDir: string;
  token: string;
  config?: object;
}): Promise<MepmProcess> {
  const configFile = join(
    mkdtempSync(join(tmpdir(), 'helmmec-mepm-config-')),
    'app-config.test.yaml',
  );
  const url = `http://127.0.0.1:${options.port}`;
  writeFileSync(
    configFile,
    JSON.stringify({
      ...options.config,
      backend: {
        baseUrl: url,
        listen: { host: '127.0.0.1', port: options.port },
        database: {
          client: 'better-sqlite3',
          connection: { directory: options.dataDir },
        },
      },
    }),
  );
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      join(packageDir, 'src/index'),
      '--config',
      join(packageDir, 'app-config.yaml'),
      '--config',
      configFile,
    ],
    {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MEC_API_TOKEN: options.token,
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  // A backend whose plugin fails to start keeps running without ever
  // becoming ready: its log says so.
  for (;;) {
    try {
      const res = await fetch(`${url}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || /Backend startup failed/.test(output)) {
      await stop();
      throw new Error(`the MEPM did not become ready:\n${output.slice(-3000)}`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return { url, stop, output: () => output };
}
