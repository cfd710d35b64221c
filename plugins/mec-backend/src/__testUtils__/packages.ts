import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as tar from 'tar';
import { buildMecPackageZip } from '../packages/onboarding/buildMecPackageZip';

/** The example charts of the repository (examples/charts). */
export const EXAMPLE_CHARTS_DIR = resolve(
  // eslint-disable-next-line no-restricted-syntax
  __dirname,
  '../../../../examples/charts',
);

/** Packs an example chart into a .tgz, as `helm package` would. */
export async function packExampleChart(name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = tar.c(
    { gzip: true, cwd: EXAMPLE_CHARTS_DIR, portable: true },
    [name],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A MEC package ZIP (TOSCA.meta + AppD + chart) of an example chart. */
export async function buildExamplePackage(name: string): Promise<Buffer> {
  const chart = await packExampleChart(name);
  return buildMecPackageZip({
    appdFileName: 'appd.yaml',
    appdText: readFileSync(
      resolve(EXAMPLE_CHARTS_DIR, name, 'mec', 'appd.yaml'),
      'utf8',
    ),
    chartFileName: `${name}.tgz`,
    chartArchive: chart,
  });
}

export const sha256 = (data: Buffer) =>
  createHash('sha256').update(data).digest('hex');

/** A real HTTP server on 127.0.0.1 serving fixed files; stop() closes it. */
export async function startFileServer(
  files: Record<string, { body: Buffer; type: string }>,
): Promise<{ url: string; stop: () => Promise<void>; server: Server }> {
  const server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>(r => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
