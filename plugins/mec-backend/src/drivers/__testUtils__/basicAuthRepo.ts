import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exampleChartsDir, helmBinary } from './clusters';

/**
 * A Helm repository like the MEO's: `index.yaml` and the example chart
 * archives on 127.0.0.1, behind HTTP Basic authentication.
 */
export async function startBasicAuthRepo(
  charts: string[],
  /** More chart archives by file name, e.g. ones a test built. */
  extra: Record<string, Buffer> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'helmmec-repo-'));
  for (const c of charts) copyFileSync(join(exampleChartsDir, c), join(dir, c));
  for (const [name, archive] of Object.entries(extra)) {
    writeFileSync(join(dir, name), archive);
  }
  const username = 'meo';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString(
    'base64',
  )}`;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="meo"' }).end();
      return;
    }
    const file = (req.url ?? '/').split('?')[0].replace(/^\/+/, '');
    if (!/^[\w.-]+$/.test(file)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(dir, file));
      res.writeHead(200, {
        'content-type': file.endsWith('.yaml')
          ? 'text/yaml'
          : 'application/gzip',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await promisify(execFile)(
    await helmBinary(),
    ['repo', 'index', dir, '--url', url],
    {
      env: { PATH: process.env.PATH, HOME: dir },
    },
  );
  return {
    url,
    username,
    password,
    requests: () => requests,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
