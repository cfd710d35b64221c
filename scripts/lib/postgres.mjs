// A throwaway PostgreSQL server for the test run: its own data directory
// under /tmp, listening on 127.0.0.1 on a free port, stopped by pid.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chownSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { log, postgresBinDir } from './setup.mjs';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts PostgreSQL and resolves to `{ connectionString, stop() }`.
 * As root, the server runs as the `postgres` user (initdb refuses root).
 */
export async function startPostgres() {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'helmmec-pg-'));
  const dataDir = join(dir, 'data');
  // As root, run as the postgres user (initdb refuses root); spawning with
  // uid/gid keeps the server's own pid in our hands.
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? uidGid('postgres') : {};
  if (asRoot) chownSync(dir, user.uid, user.gid);

  const init = spawnSync(
    join(bin, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ],
    { encoding: 'utf8', ...user },
  );
  if (init.status !== 0) {
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const server = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], ...user },
  );
  let stderr = '';
  server.stderr.on('data', d => (stderr += d));
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`PostgreSQL did not start: ${stderr}`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
  // Accepting TCP is not quite ready for queries; wait for the startup to finish.
  await new Promise(r => setTimeout(r, 500));
  log(`PostgreSQL on 127.0.0.1:${port} (pid ${server.pid})`);
  return {
    connectionString: `postgresql://postgres@127.0.0.1:${port}`,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGINT'); // fast shutdown
        await new Promise(resolve => {
          const timer = setTimeout(() => {
            server.kill('SIGKILL');
            resolve();
          }, 10_000);
          server.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uidGid(name) {
  const id = flag =>
    Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}
