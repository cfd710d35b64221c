import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecDriversExtensionPoint } from '@helmmec/plugin-mec-node';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { EdgeHostStore } from '../../database/EdgeHostStore';
import { InMemoryDriver } from '../../lifecycle/__testUtils__/lifecycleFixture';
import { mecPlugin } from '../../plugin';
import { createTestDatabases } from '../../__testUtils__/databases';
import { appLcmRequests } from '../../__testUtils__/appLcmRequests';
import { buildExamplePackage, sha256 } from '../../__testUtils__/packages';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const LCM = `${MEC}/app_lcm/v1`;
const MiB = 2 ** 20;
const EXAMPLE_PACKAGES = resolve(__dirname, '../../../../../examples/packages');

/**
 * change_app_pkg and revisions (our extensions) over HTTP, every response
 * validated against app_lcm.yaml, with an in-memory driver; the real helm
 * and database behaviour is in lifecycle/changeAppPkg.test.ts.
 */
describe.each(databases.eachSupportedId())(
  'change_app_pkg over HTTP on %p',
  databaseId => {
    let server: Parameters<typeof request>[0];
    const driver = new InMemoryDriver();
    const appDIds: Record<string, string> = {};

    const { lcm, settled } = appLcmRequests(() => server);

    async function onboard(name: string, version: string, zip: Buffer) {
      const pkg = await request(server)
        .post(`${MEC}/app_pkgm/v1/app_packages`)
        .send({
          appPkgName: name,
          appPkgVersion: version,
          checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
        });
      await request(server)
        .put(`${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}/package_content`)
        .set('Content-Type', 'application/zip')
        .send(zip)
        .expect(202);
      for (let i = 0; i < 200; i++) {
        const { body } = await request(server).get(
          `${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}`,
        );
        if (body.onboardingState === 'ONBOARDED') {
          return { id: pkg.body.id as string, appDId: body.appDId as string };
        }
        await new Promise(r => setTimeout(r, 100));
      }
      throw new Error(`${name} ${version} was not onboarded`);
    }

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          createBackendModule({
            pluginId: 'mec',
            moduleId: 'in-memory-driver',
            register(env) {
              env.registerInit({
                deps: { drivers: mecDriversExtensionPoint },
                async init({ drivers }) {
                  drivers.addDriver(driver);
                },
              });
            },
          }),
          mockServices.database.factory({ knex }),
          mockServices.scheduler.mock().factory,
          mockServices.rootConfig.factory({
            data: {
              mec: {
                outbound: { allow: [{ host: '127.0.0.1' }] },
                hosts: {
                  encryptionKey: 'change-app-pkg-http-passphrase-0123456789',
                },
              },
            },
          }),
        ],
      });
      server = backend.server;
      const examples = (file: string) =>
        readFileSync(resolve(EXAMPLE_PACKAGES, file));
      const [v010, v110, other] = await Promise.all([
        onboard('video-analytics', '0.1.0', examples('video-analytics.zip')),
        onboard(
          'video-analytics',
          '1.1.0',
          examples('video-analytics-1.1.0.zip'),
        ),
        onboard(
          'location-service',
          '0.1.0',
          await buildExamplePackage('location-service'),
        ),
      ]);
      appDIds.v010 = v010.appDId;
      appDIds.v110 = v110.appDId;
      appDIds.other = other.appDId;
      appDIds.v110Pkg = v110.id;
      await request(server)
        .post(`${MEC}/hosts`)
        .send({
          name: 'edge-a',
          url: 'https://127.0.0.1:6443',
          credential: { type: 'serviceAccountToken', token: 'not-used' },
          driver: driver.id,
        })
        .expect(201);
      await EdgeHostStore.create({ knex }).setStatus('edge-a', {
        reachable: true,
        readyNodes: 1,
        totalNodes: 1,
        allocatable: { cpuMillicores: 8000, memoryBytes: 8192 * MiB },
        requested: { cpuMillicores: 0, memoryBytes: 0 },
        checkedAt: new Date(),
      });
    });

    it('changes the package, refuses what does not fit, and lists revisions', async () => {
      const created = await lcm('post', '/app_instances', '/app_instances', {
        appDId: appDIds.v010,
      });
      const id = created.body.id as string;
      const change = `/app_instances/${id}/change_app_pkg`;
      const changeTemplate = '/app_instances/{appInstanceId}/change_app_pkg';
      const revisions = `/app_instances/${id}/revisions`;
      const revisionsTemplate = '/app_instances/{appInstanceId}/revisions';

      // Not instantiated: 409, and no revisions.
      const early = await lcm('post', change, changeTemplate, {
        appDId: appDIds.v110,
      });
      expect(early.status).toBe(409);
      expect(early.body.detail).toMatch(/INSTANTIATED/);
      expect((await lcm('get', revisions, revisionsTemplate)).body).toEqual([]);

      const instantiated = await lcm(
        'post',
        `/app_instances/${id}/instantiate`,
        '/app_instances/{appInstanceId}/instantiate',
        { additionalParams: { replicaCount: 2 } },
      );
      await settled(instantiated.headers.location);
      const info = await lcm(
        'get',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(info.body._links.changeAppPkg.href).toMatch(
        new RegExp(`${change}$`),
      );

      // Bad requests: no appDId, an unknown one, another application.
      expect((await lcm('post', change, changeTemplate, {})).status).toBe(400);
      const unknown = await lcm('post', change, changeTemplate, {
        appDId: 'no-such-appd',
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toMatch(/no-such-appd/);
      const other = await lcm('post', change, changeTemplate, {
        appDId: appDIds.other,
      });
      expect(other.status).toBe(409);
      expect(other.body.detail).toMatch(/location-service/);

      // The upgrade: 202 with the op occurrence, CHANGE_APP_PKG.
      const started = await lcm('post', change, changeTemplate, {
        appDId: appDIds.v110,
      });
      expect(started.status).toBe(202);
      expect(started.headers.location).toMatch(/\/app_lcm_op_occs\/[\w-]+$/);
      const done = await settled(started.headers.location);
      expect(done).toMatchObject({
        lcmOperation: 'CHANGE_APP_PKG',
        operationState: 'COMPLETED',
        // No values given: those of the instantiation are kept.
        operationParams: {
          appDId: appDIds.v110,
          additionalParams: { replicaCount: 2 },
        },
      });
      const moved = await lcm(
        'get',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(moved.body).toMatchObject({
        appDId: appDIds.v110,
        appPkgId: appDIds.v110Pkg,
        appSoftVersion: '2.5.0',
        instantiationState: 'INSTANTIATED',
      });
      const listed = await lcm(
        'get',
        '/app_lcm_op_occs?filter=(eq,lcmOperation,CHANGE_APP_PKG)',
        '/app_lcm_op_occs',
      );
      expect(listed.body.map((o: { id: string }) => o.id)).toContain(done.id);

      // A failing upgrade back to 0.1.0: rolled back, said so, not moved.
      driver.failWith = new Error('pods never ready');
      const failing = await lcm('post', change, changeTemplate, {
        appDId: appDIds.v010,
        additionalParams: { replicaCount: 1 },
      });
      const failed = await settled(failing.headers.location);
      driver.failWith = undefined;
      expect(failed).toMatchObject({
        lcmOperation: 'CHANGE_APP_PKG',
        operationState: 'FAILED_TEMP',
        error: {
          title: 'Change of application package failed',
          detail: expect.stringMatching(/Rolled back to revision 2/),
        },
      });
      const history = await lcm('get', revisions, revisionsTemplate);
      expect(history.status).toBe(200);
      expect(history.body).toMatchObject([
        {
          revision: 4,
          chartName: 'video-analytics',
          chartVersion: '1.1.0',
          status: 'deployed',
          description: 'Rollback to 2',
          appDId: appDIds.v110,
          appSoftVersion: '2.5.0',
        },
        { revision: 3, chartVersion: '0.1.0', status: 'failed' },
        { revision: 2, chartVersion: '1.1.0', status: 'superseded' },
        {
          revision: 1,
          chartVersion: '0.1.0',
          status: 'superseded',
          appDId: appDIds.v010,
        },
      ]);
      // Busy with the FAILED_TEMP occurrence until it is retried or failed.
      const busy = await lcm('post', change, changeTemplate, {
        appDId: appDIds.v010,
      });
      expect(busy.status).toBe(409);
      const failPath = `${new URL(failing.headers.location).pathname.replace(
        LCM,
        '',
      )}/fail`;
      const given = await lcm(
        'post',
        failPath,
        '/app_lcm_op_occs/{appLcmOpOccId}/fail',
      );
      expect(given.body.operationState).toBe('FAILED');
      expect(
        (
          await lcm(
            'get',
            `/app_instances/${id}`,
            '/app_instances/{appInstanceId}',
          )
        ).body.appDId,
      ).toBe(appDIds.v110);
      expect(
        (await lcm('get', '/app_instances/nope/revisions', revisionsTemplate))
          .status,
      ).toBe(404);
    });
  },
);
