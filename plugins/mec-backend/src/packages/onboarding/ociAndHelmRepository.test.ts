import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { mecPlugin } from '../../plugin';
import { createTestDatabases } from '../../__testUtils__/databases';
import { packExampleChart, sha256 } from '../../__testUtils__/packages';
import { runHelm, startOciRegistry } from '../../__testUtils__/tools';

jest.setTimeout(600_000);

const databases = createTestDatabases();
const BASE = '/api/mec/app_pkgm/v1';

describe.each(databases.eachSupportedId())(
  'onboarding from an OCI registry and serving charts to helm, on %p',
  databaseId => {
    let registry: Awaited<ReturnType<typeof startOciRegistry>>;
    let helmHome: string;
    let server: Parameters<typeof request>[0];
    let backendUrl: string;
    let chart: Buffer;

    beforeAll(async () => {
      helmHome = mkdtempSync(join(tmpdir(), 'helmmec-helm-'));
      registry = await startOciRegistry();
      chart = await packExampleChart('video-analytics');
      const chartFile = join(helmHome, 'video-analytics-0.1.0.tgz');
      writeFileSync(chartFile, chart);
      await runHelm(
        ['push', chartFile, `oci://${registry.host}/charts`, '--plain-http'],
        helmHome,
      );

      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              mec: {
                outbound: { allow: [{ host: '127.0.0.1' }] },
                packages: { ociPlainHttpRegistries: [registry.host] },
                // What an edge cluster's pull token may do.
                clients: [
                  { subject: 'external:edge', allow: ['mec.package.pull'] },
                ],
              },
            },
          }),
        ],
      });
      server = backend.server;
      backendUrl = `http://127.0.0.1:${
        (backend.server.address() as AddressInfo).port
      }`;
    });

    afterAll(async () => {
      await registry?.stop();
      if (helmHome) rmSync(helmHome, { recursive: true, force: true });
    });

    it('onboards a chart pushed with helm to a real OCI registry, and serves it as a Helm repository', async () => {
      const created = await request(server)
        .post(`${BASE}/app_packages`)
        .send({
          appPkgName: 'video-analytics',
          appPkgVersion: '0.1.0',
          checksum: { algorithm: 'SHA-256', hash: sha256(chart) },
          appPkgPath: `oci://${registry.host}/charts/video-analytics:0.1.0`,
        });
      expect(created.status).toBe(201);
      let pkg = created.body;
      for (
        let i = 0;
        i < 200 && ['UPLOADING', 'PROCESSING'].includes(pkg.onboardingState);
        i++
      ) {
        await new Promise(r => setTimeout(r, 100));
        pkg = (await request(server).get(`${BASE}/app_packages/${pkg.id}`))
          .body;
      }
      expect(pkg.onboardingFailureDetails).toBeUndefined();
      expect(pkg.onboardingState).toBe('ONBOARDED');

      // helm, as an edge cluster would use it: HTTP Basic with the token as password.
      const token = mockCredentials.service.token({
        onBehalfOf: mockCredentials.service('external:edge'),
        targetPluginId: 'mec',
      });
      await runHelm(
        [
          'repo',
          'add',
          'meo',
          `${backendUrl}/api/mec/helm-repository`,
          '--username',
          'edge',
          '--password',
          token,
        ],
        helmHome,
      );
      const search = await runHelm(
        ['search', 'repo', 'meo/video-analytics'],
        helmHome,
      );
      expect(search).toContain('meo/video-analytics');
      await runHelm(
        [
          'pull',
          'meo/video-analytics',
          '--version',
          '0.1.0',
          '--destination',
          helmHome,
        ],
        helmHome,
      );
      const pulled = readFileSync(join(helmHome, 'video-analytics-0.1.0.tgz'));
      expect(sha256(pulled)).toBe(sha256(chart));

      const anonymous = await request(server)
        .get('/api/mec/helm-repository/index.yaml')
        .set('Authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    });
  },
);
