import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import request from 'supertest';
import { mecPlugin } from '../../plugin';
import { spec as appLcmSpec } from '../../schema/openapi/generated/app_lcm';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import {
  MEPM_TOKEN,
  onboardExamplePackage,
  RemoteMepm,
  startRemoteMepm,
} from './__testUtils__/remoteMepm';

jest.setTimeout(300_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const OSS_TOKEN = 'meo-oss-token-2b7d9f1a3c5e';
const NOTIFY_TOKEN = 'meo-notify-token-6e8a0c2d4f1b';
const EXAMPLE_PACKAGES = resolve(__dirname, '../../../../../examples/packages');
const VIDEO = ['0.1.0', '1.1.0'].map(version => ({
  name: 'video-analytics',
  version,
  zip: readFileSync(
    resolve(
      EXAMPLE_PACKAGES,
      version === '0.1.0'
        ? 'video-analytics.zip'
        : `video-analytics-${version}.zip`,
    ),
  ),
}));

/**
 * End to end: an OSS drives the MEO's Mm1 app_lcm; the MEO (mec.role meo,
 * the plugin's own wiring) places on the host its registered MEPM reports
 * and carries each operation out through the MEPM's Mm3 app_lcm with the
 * `mepm` driver. Both backends use Backstage's real authentication.
 */
describe.each(databases.eachSupportedId())(
  'a MEO through its MEPM on %p',
  databaseId => {
    let meo: Server;
    let remote: RemoteMepm;
    let appDId: string;
    /** The two versions of video-analytics, onboarded on both. */
    let video: string[];
    const stopped: Array<() => Promise<void>> = [];

    async function lcm(
      method: 'get' | 'post',
      path: string,
      template: string,
      body?: object,
    ) {
      let r = request(meo)
        [method](`${MEC}/app_lcm/v1${path}`)
        .set('authorization', `Bearer ${OSS_TOKEN}`);
      if (body) r = r.send(body);
      const res = await r;
      expectConformingResponse(appLcmSpec, { method, path: template }, res);
      return res;
    }

    /** Starts a task on the MEO and follows its op occurrence until it settles. */
    async function task(path: string, template: string, body: object) {
      const accepted = await lcm('post', path, template, body);
      expect(accepted.status).toBe(202);
      const id = new URL(accepted.headers.location).pathname.split('/').pop();
      for (let i = 0; i < 1200; i++) {
        const res = await lcm(
          'get',
          `/app_lcm_op_occs/${id}`,
          '/app_lcm_op_occs/{appLcmOpOccId}',
        );
        if (['COMPLETED', 'FAILED_TEMP'].includes(res.body.operationState)) {
          return res.body;
        }
        await new Promise(r => setTimeout(r, 100));
      }
      throw new Error(`operation ${id} did not settle`);
    }

    const remoteInstances = async (): Promise<any[]> =>
      (await remote.api('get', 'app_lcm/v1/app_instances')).body;

    beforeAll(async () => {
      remote = await startRemoteMepm(await databases.init(databaseId), {
        onboard: true,
      });
      stopped.push(() => remote.stop());
      const meoKnex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          authServiceFactory,
          httpAuthServiceFactory,
          mockServices.database.factory({ knex: meoKnex }),
          mockServices.rootConfig.factory({
            data: {
              backend: {
                auth: {
                  externalAccess: [
                    {
                      type: 'static',
                      options: { token: OSS_TOKEN, subject: 'oss' },
                      accessRestrictions: [{ plugin: 'mec' }],
                    },
                    {
                      type: 'static',
                      options: { token: NOTIFY_TOKEN, subject: 'mepm-notify' },
                      accessRestrictions: [{ plugin: 'mec' }],
                    },
                  ],
                },
              },
              mec: {
                role: 'meo',
                clients: [
                  { subject: 'oss', allow: mecPermissions.map(p => p.name) },
                  { subject: 'mepm-notify', allow: ['mec.mepm.notify'] },
                ],
                encryptionKeys: [
                  { id: 'meo', secret: 'meo-e2e-encryption-passphrase-01' },
                ],
                outbound: { allow: [{ host: '127.0.0.1' }] },
                mepms: {
                  notificationToken: NOTIFY_TOKEN,
                  unreachableSeconds: 5,
                },
              },
            },
          }),
        ],
      });
      meo = backend.server;
      stopped.push(() => backend.stop());
      appDId = await onboardExamplePackage(meo, OSS_TOKEN);
      video = [];
      for (const pkg of VIDEO) {
        await onboardExamplePackage(remote.server, MEPM_TOKEN, pkg);
        video.push(await onboardExamplePackage(meo, OSS_TOKEN, pkg));
      }
      const registered = await request(meo)
        .post(`${MEC}/mepms`)
        .set('authorization', `Bearer ${OSS_TOKEN}`)
        .send({
          name: 'mepm-a',
          apiRoot: remote.apiRoot,
          auth: { type: 'token', token: MEPM_TOKEN },
        });
      if (registered.status !== 201) {
        throw new Error(`mepm-a not registered: ${registered.text}`);
      }
    });

    afterAll(async () => {
      for (const stop of stopped.reverse()) {
        await stop().catch(() => undefined);
      }
    });

    it('instantiates, operates and terminates on the MEPM from Mm1', async () => {
      const host = await request(meo)
        .get(`${MEC}/hosts/edge-a`)
        .set('authorization', `Bearer ${OSS_TOKEN}`);
      expect(host.body).toMatchObject({ name: 'edge-a', driver: 'mepm' });
      const before = (await remoteInstances()).length;

      const created = await lcm('post', '/app_instances', '/app_instances', {
        appDId,
        appInstanceName: 'from-the-oss',
      });
      expect(created.status).toBe(201);
      const id = created.body.id;

      expect(
        await task(
          `/app_instances/${id}/instantiate`,
          '/app_instances/{appInstanceId}/instantiate',
          { additionalParams: { replicaCount: 3 } },
        ),
      ).toMatchObject({ operationState: 'COMPLETED' });
      const instantiated = await lcm(
        'get',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(instantiated.body).toMatchObject({
        instantiationState: 'INSTANTIATED',
        instantiatedAppState: { operationalState: 'STARTED' },
      });
      const [there] = (await remoteInstances()).filter(
        i => i.appInstanceName === 'from-the-oss',
      );
      expect(there).toMatchObject({
        appDId,
        instantiationState: 'INSTANTIATED',
      });
      expect(
        [...remote.driver.releases.values()].map(r => r.spec.values),
      ).toContainEqual({ replicaCount: 3 });

      expect(
        await task(
          `/app_instances/${id}/operate`,
          '/app_instances/{appInstanceId}/operate',
          { changeStateTo: 'STOPPED', stopType: 'FORCEFUL' },
        ),
      ).toMatchObject({ operationState: 'COMPLETED' });
      expect(
        (await remote.api('get', `app_lcm/v1/app_instances/${there.id}`)).body,
      ).toMatchObject({
        instantiatedAppState: { operationalState: 'STOPPED' },
      });

      expect(
        await task(
          `/app_instances/${id}/terminate`,
          '/app_instances/{appInstanceId}/terminate',
          { terminationType: 'GRACEFUL', gracefulTerminationTimeout: 30 },
        ),
      ).toMatchObject({ operationState: 'COMPLETED' });
      expect(
        (
          await lcm(
            'get',
            `/app_instances/${id}`,
            '/app_instances/{appInstanceId}',
          )
        ).body,
      ).toMatchObject({ instantiationState: 'NOT_INSTANTIATED' });
      // The MEPM's instance is terminated and deleted with it.
      expect((await remoteInstances()).length).toBe(before);
    });

    it("changes an instance's package on the MEPM and reads its revisions from there", async () => {
      const id = (
        await lcm('post', '/app_instances', '/app_instances', {
          appDId: video[0],
        })
      ).body.id;
      expect(
        await task(
          `/app_instances/${id}/instantiate`,
          '/app_instances/{appInstanceId}/instantiate',
          {},
        ),
      ).toMatchObject({ operationState: 'COMPLETED' });
      expect(
        await task(
          `/app_instances/${id}/change_app_pkg`,
          '/app_instances/{appInstanceId}/change_app_pkg',
          { appDId: video[1], additionalParams: { replicaCount: 1 } },
        ),
      ).toMatchObject({ operationState: 'COMPLETED' });
      expect(
        (
          await lcm(
            'get',
            `/app_instances/${id}`,
            '/app_instances/{appInstanceId}',
          )
        ).body,
      ).toMatchObject({ appDId: video[1] });
      const there = (await remoteInstances()).find(i =>
        [video[0], video[1]].includes(i.appDId),
      );
      expect(there).toMatchObject({ appDId: video[1] });
      const revisions = await lcm(
        'get',
        `/app_instances/${id}/revisions`,
        '/app_instances/{appInstanceId}/revisions',
      );
      expect(revisions.body).toEqual([
        expect.objectContaining({
          revision: 2,
          chartVersion: '1.1.0',
          status: 'deployed',
          appDId: video[1],
        }),
        expect.objectContaining({ revision: 1, appDId: video[0] }),
      ]);
    });
  },
);
