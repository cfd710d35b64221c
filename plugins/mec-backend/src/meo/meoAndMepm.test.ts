import { createBackendModule } from '@backstage/backend-plugin-api';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecDriversExtensionPoint } from '@helmmec/plugin-mec-node';
import { Knex } from 'knex';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { InMemoryDriver } from '../lifecycle/__testUtils__/lifecycleFixture';
import { mecPlugin } from '../plugin';
import { spec as appLcmSpec } from '../schema/openapi/generated/app_lcm';
import { spec as appPkgmSpec } from '../schema/openapi/generated/app_pkgm';
import { spec as grantingSpec } from '../schema/openapi/generated/granting';
import { createTestDatabases } from '../__testUtils__/databases';
import { expectConformingResponse } from '../__testUtils__/openApiConformance';
import { buildExamplePackage, sha256 } from '../__testUtils__/packages';

jest.setTimeout(180_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const OSS_TOKEN = 'meo-mepm-test-oss-token-5c1d8e2a';
const MEPM_TOKEN = 'meo-mepm-test-mepm-token-9a7f3b6e';
const MiB = 2 ** 20;

type Server = Parameters<typeof request>[0];

/** A backend with Backstage's real auth (static tokens) and an in-memory driver. */
async function startMec(
  knex: Knex,
  mec: Record<string, unknown>,
): Promise<{ server: Server; port: number; stop: () => Promise<void> }> {
  const driver = new InMemoryDriver();
  const backend = await startTestBackend({
    features: [
      mecPlugin,
      authServiceFactory,
      httpAuthServiceFactory,
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
      // No background health checks: the tests set each host's health.
      mockServices.scheduler.mock().factory,
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
                  options: { token: MEPM_TOKEN, subject: 'mepm-a' },
                  accessRestrictions: [{ plugin: 'mec' }],
                },
              ],
            },
          },
          mec: {
            hosts: { encryptionKey: 'meo-mepm-test-passphrase-0123456789' },
            outbound: { allow: [{ host: '127.0.0.1' }] },
            ...mec,
          },
        },
      }),
    ],
  });
  return {
    server: backend.server,
    port: (backend.server.address() as AddressInfo).port,
    stop: () => backend.stop(),
  };
}

/** Registers an edge host for the in-memory driver, healthy with this much free CPU. */
async function registerHost(
  server: Server,
  knex: Knex,
  name: string,
  cpuMillicores = 8000,
) {
  const res = await request(server)
    .post(`${MEC}/hosts`)
    .set('authorization', `Bearer ${OSS_TOKEN}`)
    .send({
      name,
      url: 'https://127.0.0.1:6443',
      credential: { type: 'serviceAccountToken', token: 'not-used' },
      driver: 'in-memory',
    });
  if (res.status !== 201) throw new Error(`${name}: ${res.text}`);
  await EdgeHostStore.create({ knex }).setStatus(name, {
    reachable: true,
    readyNodes: 1,
    totalNodes: 1,
    allocatable: { cpuMillicores, memoryBytes: 8192 * MiB },
    requested: { cpuMillicores: 0, memoryBytes: 0 },
    checkedAt: new Date(),
  });
}

/** Onboards an example package on the MEO; its AppPkgInfo once ONBOARDED. */
async function onboard(meo: Server, chart: string) {
  const zip = await buildExamplePackage(chart);
  const as = (r: request.Test) => r.set('authorization', `Bearer ${OSS_TOKEN}`);
  const created = await as(
    request(meo).post(`${MEC}/app_pkgm/v1/app_packages`),
  ).send({
    appPkgName: chart,
    appPkgVersion: '0.1.0',
    checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
  });
  await as(
    request(meo).put(
      `${MEC}/app_pkgm/v1/app_packages/${created.body.id}/package_content`,
    ),
  )
    .set('content-type', 'application/zip')
    .send(zip)
    .expect(202);
  for (let i = 0; i < 400; i++) {
    const { body } = await as(
      request(meo).get(`${MEC}/app_pkgm/v1/app_packages/${created.body.id}`),
    );
    if (body.onboardingState === 'ONBOARDED') return body;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`${chart} was not onboarded`);
}

/** app_lcm on the MEPM as the OSS, every response checked against app_lcm.yaml. */
function appLcm(server: () => Server) {
  async function lcm(
    method: 'get' | 'post',
    path: string,
    template: string,
    body?: unknown,
  ) {
    let r = request(server())
      [method](`${MEC}/app_lcm/v1${path}`)
      .set('authorization', `Bearer ${OSS_TOKEN}`);
    if (body !== undefined) r = r.send(body as object);
    const res = await r;
    expectConformingResponse(appLcmSpec, { method, path: template }, res);
    return res;
  }
  async function settled(location: string) {
    const path = new URL(location).pathname.replace(`${MEC}/app_lcm/v1`, '');
    for (let i = 0; i < 400; i++) {
      const res = await lcm('get', path, '/app_lcm_op_occs/{appLcmOpOccId}');
      if (['COMPLETED', 'FAILED_TEMP'].includes(res.body.operationState)) {
        return res.body;
      }
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error('operation did not settle');
  }
  async function create(appDId: string) {
    const res = await lcm('post', '/app_instances', '/app_instances', {
      appDId,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  async function run(
    id: string,
    task: 'instantiate' | 'terminate',
    body: object = {},
  ) {
    const res = await lcm(
      'post',
      `/app_instances/${id}/${task}`,
      `/app_instances/{appInstanceId}/${task}`,
      body,
    );
    expect(res.status).toBe(202);
    return settled(res.headers.location);
  }
  return { lcm, create, run };
}

describe.each(databases.eachSupportedId())(
  'a MEPM with its MEO on %p',
  databaseId => {
    let meoKnex: Knex;
    let mepmKnex: Knex;
    let meo: Awaited<ReturnType<typeof startMec>>;
    let mepm: Awaited<ReturnType<typeof startMec>>;
    let location: { id: string; appDId: string; checksum: object };
    const { lcm, create, run } = appLcm(() => mepm.server);

    beforeAll(async () => {
      meoKnex = await databases.init(databaseId);
      mepmKnex = await databases.init(databaseId);
      meo = await startMec(meoKnex, {
        clients: [
          {
            subject: 'oss',
            allow: ['mm1', 'mec.host.register', 'mec.host.read'],
          },
          { subject: 'mepm-a', allow: ['mm3'] },
        ],
      });
      mepm = await startMec(mepmKnex, {
        role: 'mepm',
        mepm: {
          meo: {
            apiRoot: `http://localhost:${meo.port}/api/mec`,
            auth: { token: MEPM_TOKEN },
          },
        },
        clients: [
          {
            subject: 'oss',
            allow: ['mm1', 'mec.host.register', 'mec.host.read'],
          },
        ],
      });
      location = await onboard(meo.server, 'location-service');
      // The MEPM's hosts: edge-m only it knows; the MEO also knows
      // edge-shared (as a MEPM's reported host) and edge-tight, full.
      await registerHost(mepm.server, mepmKnex, 'edge-m');
      await registerHost(mepm.server, mepmKnex, 'edge-shared');
      await registerHost(mepm.server, mepmKnex, 'edge-tight');
      await registerHost(meo.server, meoKnex, 'edge-shared');
      await registerHost(meo.server, meoKnex, 'edge-tight', 100);
    });

    afterAll(async () => {
      await mepm?.stop();
      await meo?.stop();
    });

    /** The grant the MEO recorded for a MEPM op occurrence. */
    async function grantOnMeo(mepmOpOccId: string) {
      const { grant_id: grantId } = await mepmKnex('app_lcm_op_occs')
        .where({ id: mepmOpOccId })
        .first();
      const res = await request(meo.server)
        .get(`${MEC}/granting/v1/grants/${grantId}`)
        .set('authorization', `Bearer ${MEPM_TOKEN}`);
      expectConformingResponse(
        grantingSpec,
        { method: 'get', path: '/grants/{grantId}' },
        res,
      );
      expect(res.status).toBe(200);
      return res.body;
    }

    it('instantiates with the MEO’s grant on the host it chose, from the MEO’s package mirrored here', async () => {
      const id = await create(location.appDId);
      const instantiated = await run(id, 'instantiate', {
        selectedMECHostInfo: ['edge-m', 'edge-shared', 'edge-tight'].map(
          name => ({ hostId: { name } }),
        ),
      });
      expect(instantiated).toMatchObject({ operationState: 'COMPLETED' });
      // Of the candidates the MEO knows edge-shared and edge-tight (full).
      const grant = await grantOnMeo(instantiated.id);
      expect(grant).toMatchObject({
        appInstanceId: id,
        appLcmOpOccId: instantiated.id,
        zones: [{ zoneId: 'edge-shared' }],
        _links: {
          appInstance: {
            href: `http://localhost:${mepm.port}/api/mec/app_lcm/v1/app_instances/${id}`,
          },
        },
      });
      const instance = await lcm(
        'get',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(instance.body).toMatchObject({
        instantiationState: 'INSTANTIATED',
        appPkgId: location.id,
      });
      // Mirrored under the MEO's appPkgId, with its checksum.
      expect(
        await mepmKnex('app_packages').where({ id: location.id }).first(),
      ).toMatchObject({
        onboarding_state: 'ONBOARDED',
        operational_state: 'ENABLED',
        app_d_id: location.appDId,
      });

      const terminated = await run(id, 'terminate', {
        terminationType: 'FORCEFUL',
      });
      expect(terminated).toMatchObject({ operationState: 'COMPLETED' });
      expect(await grantOnMeo(terminated.id)).toMatchObject({
        appInstanceId: id,
        zones: [{ zoneId: 'edge-shared' }],
      });
    });

    it('places here when the MEO’s grant names no host (it knows none of the candidates)', async () => {
      const id = await create(location.appDId);
      const done = await run(id, 'instantiate', {
        selectedMECHostInfo: [{ hostId: { name: 'edge-m' } }],
      });
      expect(done).toMatchObject({ operationState: 'COMPLETED' });
      const grant = await grantOnMeo(done.id);
      expect(grant.zones).toBeUndefined();
      expect(
        await mepmKnex('app_instances').where({ id }).first(),
      ).toMatchObject({ host_name: 'edge-m' });
    });

    it('fails FAILED_TEMP with the MEO’s reason when no host fits', async () => {
      const id = await create(location.appDId);
      const failed = await run(id, 'instantiate', {
        selectedMECHostInfo: [{ hostId: { name: 'edge-tight' } }],
      });
      expect(failed).toMatchObject({
        operationState: 'FAILED_TEMP',
        error: {
          detail: expect.stringMatching(
            /^The MEO refused the grant: No edge host fits the application: .*edge-tight: 100m CPU free/,
          ),
        },
      });
    });

    it('refuses a DISABLED package: the MEO’s granting and this MEPM', async () => {
      const other = await onboard(meo.server, 'video-analytics');
      const id = await create(other.appDId);
      await request(meo.server)
        .patch(`${MEC}/app_pkgm/v1/onboarded_app_packages/${other.appDId}`)
        .set('authorization', `Bearer ${OSS_TOKEN}`)
        .send({ operationState: 'DISABLED' })
        .expect(200);
      // Granting for any MEPM judges the appDId.
      const refused = await request(meo.server)
        .post(`${MEC}/granting/v1/grants`)
        .set('authorization', `Bearer ${MEPM_TOKEN}`)
        .send({
          appInstanceId: id,
          appLcmOpOccId: 'mepm-op-1',
          appDId: other.appDId,
          operation: 'INSTANTIATE',
          _links: {
            appLcmOpOcc: { href: 'http://mepm.test/app_lcm_op_occs/mepm-op-1' },
            appInstance: { href: `http://mepm.test/app_instances/${id}` },
          },
        });
      expectConformingResponse(
        grantingSpec,
        { method: 'post', path: '/grants' },
        refused,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toMatch(/is DISABLED/);
      // The MEPM reads the MEO's state before it asks.
      const instantiate = await lcm(
        'post',
        `/app_instances/${id}/instantiate`,
        '/app_instances/{appInstanceId}/instantiate',
        {},
      );
      expect(instantiate.status).toBe(409);
      expect(instantiate.body.detail).toMatch(/DISABLED/);
    });

    it('says why a package whose content fails verification cannot be used', async () => {
      const tampered = await onboard(meo.server, 'video-analytics-1.1.0');
      const { package_archive: archive } = await meoKnex('app_package_contents')
        .where({ app_pkg_id: tampered.id })
        .first();
      const corrupt = Buffer.from(archive);
      corrupt[corrupt.length - 1] ^= 0xff;
      await meoKnex('app_package_contents')
        .where({ app_pkg_id: tampered.id })
        .update({ package_archive: corrupt });
      const res = await lcm('post', '/app_instances', '/app_instances', {
        appDId: tampered.appDId,
      });
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(
        /from the MEO failed verification: Checksum mismatch/,
      );
      expect(
        await mepmKnex('app_packages').where({ id: tampered.id }).first(),
      ).toBeUndefined();
    });

    it('serves no app_pkgm, granting or Helm repository on the MEPM', async () => {
      for (const [path, spec, template] of [
        ['/app_pkgm/v1/app_packages', appPkgmSpec, '/app_packages'],
        ['/granting/v1/grants/g-1', grantingSpec, '/grants/{grantId}'],
      ] as const) {
        const res = await request(mepm.server)
          .get(`${MEC}${path}`)
          .set('authorization', `Bearer ${OSS_TOKEN}`);
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
        expectConformingResponse(spec, { method: 'get', path: template }, res);
      }
    });
  },
);

describe.each(databases.eachSupportedId())(
  'a MEPM with a MEO that grants asynchronously on %p',
  databaseId => {
    let meoKnex: Knex;
    let mepmKnex: Knex;
    let meo: Awaited<ReturnType<typeof startMec>> | undefined;
    let mepm: Awaited<ReturnType<typeof startMec>>;
    let location: { id: string; appDId: string };
    const { create, run, lcm } = appLcm(() => mepm.server);

    beforeAll(async () => {
      meoKnex = await databases.init(databaseId);
      mepmKnex = await databases.init(databaseId);
      meo = await startMec(meoKnex, {
        granting: { asynchronous: true },
        clients: [
          {
            subject: 'oss',
            allow: ['mm1', 'mec.host.register', 'mec.host.read'],
          },
          { subject: 'mepm-a', allow: ['mm3'] },
        ],
      });
      mepm = await startMec(mepmKnex, {
        role: 'mepm',
        mepm: {
          meo: {
            apiRoot: `http://localhost:${meo.port}/api/mec`,
            auth: { token: MEPM_TOKEN },
          },
        },
        clients: [
          {
            subject: 'oss',
            allow: ['mm1', 'mec.host.register', 'mec.host.read'],
          },
        ],
      });
      location = await onboard(meo.server, 'location-service');
      await registerHost(mepm.server, mepmKnex, 'edge-shared');
      await registerHost(mepm.server, mepmKnex, 'edge-tight');
      await registerHost(meo.server, meoKnex, 'edge-shared');
      await registerHost(meo.server, meoKnex, 'edge-tight', 100);
    });

    afterAll(async () => {
      await mepm?.stop();
      await meo?.stop();
    });

    it('answers 202 with the grant to poll, then 200 with the Grant', async () => {
      const posted = await request(meo!.server)
        .post(`${MEC}/granting/v1/grants`)
        .set('authorization', `Bearer ${MEPM_TOKEN}`)
        .send({
          appInstanceId: 'other-mepm-instance-1',
          appLcmOpOccId: 'other-mepm-op-1',
          appDId: location.appDId,
          operation: 'INSTANTIATE',
          additionalParams: {
            selectedMECHostInfo: [{ hostId: { name: 'edge-shared' } }],
          },
          _links: {
            appLcmOpOcc: { href: 'http://mepm.test/op/other-mepm-op-1' },
            appInstance: { href: 'http://mepm.test/i/other-mepm-instance-1' },
          },
        });
      expectConformingResponse(
        grantingSpec,
        { method: 'post', path: '/grants' },
        posted,
      );
      expect(posted.status).toBe(202);
      const grantPath = new URL(posted.headers.location).pathname;
      let polled: request.Response | undefined;
      for (let i = 0; i < 400; i++) {
        polled = await request(meo!.server)
          .get(grantPath)
          .set('authorization', `Bearer ${MEPM_TOKEN}`);
        expectConformingResponse(
          grantingSpec,
          { method: 'get', path: '/grants/{grantId}' },
          polled,
        );
        if (polled.status !== 202) break;
        expect(polled.headers.location).toBe(posted.headers.location);
        await new Promise(r => setTimeout(r, 50));
      }
      expect(polled!.status).toBe(200);
      expect(polled!.body).toMatchObject({
        appInstanceId: 'other-mepm-instance-1',
        zones: [{ zoneId: 'edge-shared' }],
      });
    });

    it('instantiates once the grant is decided, and fails with the MEO’s reason when it is refused', async () => {
      const id = await create(location.appDId);
      const done = await run(id, 'instantiate', {
        selectedMECHostInfo: [{ hostId: { name: 'edge-shared' } }],
      });
      expect(done).toMatchObject({ operationState: 'COMPLETED' });
      expect(
        await meoKnex('grants').where({ app_instance_id: id }).first(),
      ).toMatchObject({ decision_state: 'GRANTED', host_name: 'edge-shared' });

      const tight = await create(location.appDId);
      const refused = await run(tight, 'instantiate', {
        selectedMECHostInfo: [{ hostId: { name: 'edge-tight' } }],
      });
      expect(refused).toMatchObject({
        operationState: 'FAILED_TEMP',
        error: {
          detail: expect.stringMatching(
            /^The MEO refused the grant: No edge host fits the application: .*edge-tight: 100m CPU free/,
          ),
        },
      });
    });

    it('keeps using the cached package while the MEO is down, and fails what needs a grant readably', async () => {
      const id = await create(location.appDId);
      await meo!.stop();
      meo = undefined;
      // The package is cached: a new instance of it can still be created.
      const cached = await create(location.appDId);
      expect(cached).toEqual(expect.any(String));
      const failed = await run(id, 'instantiate', {
        selectedMECHostInfo: [{ hostId: { name: 'edge-shared' } }],
      });
      expect(failed).toMatchObject({
        operationState: 'FAILED_TEMP',
        error: {
          detail: expect.stringMatching(
            /^The MEO could not be asked for a grant: The MEO is unreachable/,
          ),
        },
      });
      const instance = await lcm(
        'get',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(instance.body.instantiationState).toBe('NOT_INSTANTIATED');
    });
  },
);
