import { cachedBinaries, ensureBinaries } from '@internal/edge-cluster';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The real helm binary that packages/edge-cluster provides (built or cached). */
export async function helmBinary(): Promise<string> {
  const binaries = cachedBinaries() ?? (await ensureBinaries());
  return binaries.bin.helm;
}

/** Runs helm with its configuration and cache in a private directory. */
export async function runHelm(args: string[], home: string): Promise<string> {
  const { stdout } = await promisify(execFile)(await helmBinary(), args, {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
  return stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real OCI registry (Debian's docker-registry, the CNCF distribution
 * registry) on 127.0.0.1, storing into a temporary directory; stop() ends it
 * by pid and removes the directory.
 */
export async function startOciRegistry(): Promise<{
  host: string;
  stop: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'helmmec-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    '/usr/bin/docker-registry',
    ['serve', config],
    {
      stdio: 'ignore',
    },
  );
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise(r => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (i > 100 || child.exitCode !== null) {
      await stop();
      throw new Error('docker-registry did not start');
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return { host, stop };
}
