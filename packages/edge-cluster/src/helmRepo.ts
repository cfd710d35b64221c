import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBinaries } from './binaries';
import { run } from './kubectl';
import { packageDir } from './versions';

/** A running loopback Helm repository. */
export interface HelmRepoServer {
  /** `http://127.0.0.1:PORT` (no trailing slash), usable as a Helm / Flux HelmRepository URL. */
  url: string;
  port: number;
  /** Directory served (index.yaml and chart archives). */
  dir: string;
  /** Chart name -> the versions packaged (examples/charts may hold several). */
  charts: Record<string, string[]>;
  stop(): Promise<void>;
}

/** The example charts shipped in examples/charts. */
export function exampleChartsDir(): string {
  return path.resolve(packageDir(), '..', '..', 'examples', 'charts');
}

/**
 * Package every chart directory under `dir` (default: examples/charts) with
 * the real `helm package`, index it with `helm repo index`, and serve the
 * result over HTTP on 127.0.0.1 (read-only, GET/HEAD only).
 */
export async function startHelmRepoServer(
  opts: { dir?: string; port?: number } = {},
): Promise<HelmRepoServer> {
  const chartsDir = path.resolve(opts.dir ?? exampleChartsDir());
  const bins = await ensureBinaries();
  const helm = bins.bin.helm;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'helmmec-helm-repo-'));
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: path.join(out, '.helm', 'cache'),
    HELM_CONFIG_HOME: path.join(out, '.helm', 'config'),
    HELM_DATA_HOME: path.join(out, '.helm', 'data'),
  };
  const charts: Record<string, string[]> = {};
  const publicDir = path.join(out, 'public');
  fs.mkdirSync(publicDir);
  for (const entry of fs.readdirSync(chartsDir).sort()) {
    const chartDir = path.join(chartsDir, entry);
    if (!fs.existsSync(path.join(chartDir, 'Chart.yaml'))) continue;
    const { stdout } = await run(
      helm,
      ['package', chartDir, '--destination', publicDir],
      { env: helmEnv },
    );
    const m = /([^/\s]+)-(\d+\.\d+\.\d+[^/\s]*)\.tgz/.exec(stdout);
    if (m) (charts[m[1]] ??= []).push(m[2]);
  }
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(
      /^\/+/,
      '',
    );
    const file = path.join(publicDir, rel || 'index.yaml');
    if (
      !file.startsWith(publicDir + path.sep) ||
      !fs.existsSync(file) ||
      !fs.statSync(file).isFile()
    ) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = file.endsWith('.yaml') ? 'text/yaml' : 'application/gzip';
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: opts.port ?? 0 }, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  try {
    await run(helm, ['repo', 'index', publicDir, '--url', url], {
      env: helmEnv,
    });
  } catch (e) {
    server.close();
    fs.rmSync(out, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    port,
    dir: publicDir,
    charts,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections?.();
        server.close(() => {
          fs.rmSync(out, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
