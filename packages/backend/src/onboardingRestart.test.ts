import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from './__testUtils__/backendProcess';

jest.setTimeout(240_000);

const TOKEN = 'restart-test-token-0123456789';
const API = '/api/mec/app_pkgm/v1';

/**
 * A backend killed while it fetches a package comes back and finishes the
 * onboarding: UPLOADING is persisted before the 201, and the lease of the
 * dead process runs out so the new one takes over.
 */
describe('onboarding across a backend crash', () => {
  let dataDir: string;
  let packageServer: Server;
  let packageUrl: string;
  let backend: BackendProcess | undefined;
  const held: ServerResponse[] = [];
  let stall = true;
  // A MEC package ZIP from the examples (checked in by examples/packages/build.mjs).
  const archive = readFileSync(
    // eslint-disable-next-line no-restricted-syntax
    resolve(__dirname, '../../../examples/packages/video-analytics.zip'),
  );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'helmmec-restart-'));
    packageServer = createServer((_req, res) => {
      if (stall) {
        // Answer the headers, then hold the body: the fetch hangs mid-download.
        res.writeHead(200, { 'content-type': 'application/zip' });
        res.write(archive.subarray(0, 100));
        held.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/zip' }).end(archive);
    });
    await new Promise<void>(r => packageServer.listen(0, '127.0.0.1', r));
    packageUrl = `http://127.0.0.1:${
      (packageServer.address() as AddressInfo).port
    }/video-analytics.zip`;
  });

  afterAll(async () => {
    await backend?.kill();
    held.forEach(res => res.destroy());
    packageServer.closeAllConnections();
    await new Promise(r => packageServer.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const config = {
    mec: {
      outbound: { allow: [{ host: '127.0.0.1' }] },
      packages: { onboardingLeaseSeconds: 3 },
    },
  };
  const api = (path: string, init?: RequestInit) =>
    fetch(`${backend!.url}${API}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
      },
    });

  it('finishes an onboarding that was in flight when the backend was killed', async () => {
    const port = await freePort();
    backend = await startBackendProcess({
      port,
      dataDir,
      config,
      token: TOKEN,
    });
    const created = await api('/app_packages', {
      method: 'POST',
      body: JSON.stringify({
        appPkgName: 'video-analytics',
        appPkgVersion: '0.1.0',
        checksum: {
          algorithm: 'SHA-256',
          hash: createHash('sha256').update(archive).digest('hex'),
        },
        appPkgPath: packageUrl,
      }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();

    for (let i = 0; held.length === 0; i++) {
      if (i > 100) throw new Error('the backend never fetched the package');
      await new Promise(r => setTimeout(r, 100));
    }
    const during = await (await api(`/app_packages/${id}`)).json();
    expect(during.onboardingState).toBe('UPLOADING');

    await backend.kill();
    stall = false;

    backend = await startBackendProcess({
      port,
      dataDir,
      config,
      token: TOKEN,
    });
    let pkg = during;
    for (let i = 0; i < 120 && pkg.onboardingState !== 'ONBOARDED'; i++) {
      await new Promise(r => setTimeout(r, 500));
      pkg = await (await api(`/app_packages/${id}`)).json();
    }
    expect(pkg.onboardingFailureDetails).toBeUndefined();
    expect(pkg).toMatchObject({
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      appName: 'video-analytics',
    });
  });
});
