import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// eslint-disable-next-line no-restricted-syntax
const repoRoot = resolve(__dirname, '../../../..');

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

/** What {@link BackendProcess.api} answers. */
export interface ApiResponse {
  status: number;
  location: string | null;
  body: any;
}

/** A real backend process (packages/backend), as `npm start` runs it. */
export interface BackendProcess {
  url: string;
  /**
   * Calls `/api/mec{path}` with the bearer token; a Buffer body is sent as
   * application/zip, anything else as JSON.
   */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /**
   * Onboards an example package of `examples/packages` by upload and waits
   * until it is ONBOARDED.
   *
   * @returns its appDId
   */
  onboardExample(name: 'video-analytics' | 'location-service'): Promise<string>;
  /** Ends it the hard way, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  /** Ends it with SIGTERM, waiting for a graceful shutdown. */
  stop(): Promise<void>;
  output(): string;
}

/**
 * Starts packages/backend from source on 127.0.0.1 with extra config on top
 * of app-config.yaml, and waits for its readiness endpoint.
 */
export async function startBackendProcess(options: {
  port: number;
  dataDir: string;
  config?: object;
  token: string;
}): Promise<BackendProcess> {
  const configFile = join(
    mkdtempSync(join(tmpdir(), 'helmmec-backend-config-')),
    'app-config.test.yaml',
  );
  writeFileSync(
    configFile,
    JSON.stringify({
      ...options.config,
      backend: {
        // e.g. a shared database for replicas
        ...(options.config as { backend?: object } | undefined)?.backend,
        baseUrl: `http://127.0.0.1:${options.port}`,
        listen: { host: '127.0.0.1', port: options.port },
      },
    }),
  );
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      join(repoRoot, 'packages/backend/src/index'),
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
        MEC_DATA_DIR: options.dataDir,
        MEC_API_TOKEN: options.token,
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };
  const url = `http://127.0.0.1:${options.port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || i > 600) {
      await end('SIGKILL');
      throw new Error(
        `the backend did not become ready:\n${output.slice(-3000)}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }
  const api = async (method: string, path: string, body?: unknown) => {
    let payload: BodyInit | undefined;
    let contentType = 'application/json';
    if (body instanceof Buffer) {
      payload = body;
      contentType = 'application/zip';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${url}/api/mec${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': contentType,
      },
      body: payload,
    });
    const text = await res.text();
    return {
      status: res.status,
      location: res.headers.get('location'),
      body: text ? JSON.parse(text) : undefined,
    };
  };
  const onboardExample = async (name: string) => {
    const zip = readFileSync(
      join(repoRoot, 'examples/packages', `${name}.zip`),
    );
    const pkg = await api('POST', '/app_pkgm/v1/app_packages', {
      appPkgName: name,
      appPkgVersion: '0.1.0',
      checksum: {
        algorithm: 'SHA-256',
        hash: createHash('sha256').update(zip).digest('hex'),
      },
    });
    await api(
      'PUT',
      `/app_pkgm/v1/app_packages/${pkg.body.id}/package_content`,
      zip,
    );
    for (let i = 0; i < 300; i++) {
      const { body } = await api(
        'GET',
        `/app_pkgm/v1/app_packages/${pkg.body.id}`,
      );
      if (body.onboardingState === 'ONBOARDED') return body.appDId as string;
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`${name} was not onboarded`);
  };
  return {
    url,
    api,
    onboardExample,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    output: () => output,
  };
}
