import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { EdgeCluster, startEdgeCluster } from '@internal/edge-cluster';
import request from 'supertest';
import { mecPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';
import { buildExamplePackage, sha256 } from '../__testUtils__/packages';
import { helmBinary } from '../__testUtils__/tools';

jest.setTimeout(900_000);

const LCM = '/api/mec/app_lcm/v1';
const PKGM = '/api/mec/app_pkgm/v1';
// Placement and op-occurrence transitions are database logic: one engine
// here keeps the two-cluster test short; lifecycle.test.ts covers both.
const databases = createTestDatabases();
const databaseId = databases.eachSupportedId()[0][0];

/**
 * Two edge clusters: placement by zone label and by host name, a placement
 * failure that clears when hosts are registered (retry completes it), and
 * one that is given up (fail).
 */
describe('placement across two edge clusters, retry and fail', () => {
  let clusters: EdgeCluster[] = [];
  let server: Parameters<typeof request>[0];

  beforeAll(async () => {
    const suffix = Math.random().toString(36).slice(2, 7);
    // one after the other: both share the machine's two cores
    clusters.push(await startEdgeCluster({ name: `pa-${suffix}`, nodes: 1 }));
    clusters.push(await startEdgeCluster({ name: `pb-${suffix}`, nodes: 1 }));
    const knex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            mec: {
              outbound: { allow: [{ host: '127.0.0.1' }] },
              drivers: { helm: { binary: await helmBinary() } },
              hosts: { encryptionKey: 'placement-test-passphrase-0123456789' },
            },
          },
        }),
      ],
    });
    server = backend.server;
  });

  afterAll(async () => {
    await Promise.all(clusters.map(c => c.stop()));
    clusters = [];
  });

  async function settle(location: string) {
    const path = new URL(location).pathname.replace(LCM, '');
    for (let i = 0; i < 600; i++) {
      const { body } = await request(server).get(`${LCM}${path}`);
      if (
        ['COMPLETED', 'FAILED_TEMP', 'FAILED'].includes(body.operationState)
      ) {
        return body;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error('operation did not settle');
  }

  async function newInstance(appDId: string) {
    const res = await request(server)
      .post(`${LCM}/app_instances`)
      .send({ appDId });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  it('places by zone and by name, retries after the fault clears, and fails for good', async () => {
    const zip = await buildExamplePackage('location-service');
    const pkg = await request(server)
      .post(`${PKGM}/app_packages`)
      .send({
        appPkgName: 'location-service',
        appPkgVersion: '0.1.0',
        checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
      });
    await request(server)
      .put(`${PKGM}/app_packages/${pkg.body.id}/package_content`)
      .set('Content-Type', 'application/zip')
      .send(zip)
      .expect(202);
    let appDId = '';
    for (let i = 0; i < 100 && !appDId; i++) {
      const { body } = await request(server).get(
        `${PKGM}/app_packages/${pkg.body.id}`,
      );
      if (body.onboardingState === 'ONBOARDED') appDId = body.appDId;
      else await new Promise(r => setTimeout(r, 100));
    }

    // no hosts yet: the grant is refused and the operation waits in FAILED_TEMP
    const first = await newInstance(appDId);
    const inZoneB = await request(server)
      .post(`${LCM}/app_instances/${first}/instantiate`)
      .send({ selectedMECHostInfo: [{ hostId: { zone: 'zone-b' } }] });
    expect(inZoneB.status).toBe(202);
    const waiting = await settle(inZoneB.headers.location);
    expect(waiting.operationState).toBe('FAILED_TEMP');
    expect(waiting.error.detail).toMatch(/no edge hosts are registered/);

    // the platform team registers both clusters
    for (const [cluster, zone] of [
      [clusters[0], 'zone-a'],
      [clusters[1], 'zone-b'],
    ] as const) {
      const name = zone === 'zone-a' ? 'edge-a' : 'edge-b';
      const registered = await request(server)
        .post('/api/mec/hosts')
        .send({
          name,
          url: cluster.server,
          caData: cluster.caData,
          credential: {
            type: 'serviceAccountToken',
            token: cluster.serviceAccountToken,
          },
          driver: 'helm',
          location: { zone },
          namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
        });
      expect(registered.status).toBe(201);
      expect(JSON.stringify(registered.body)).not.toContain(
        cluster.serviceAccountToken,
      );
      const checked = await request(server).post(
        `/api/mec/hosts/${name}/check`,
      );
      expect(checked.body.status.reachable).toBe(true);
    }

    // the fault has cleared: retry completes it, in zone-b
    const opOccPath = new URL(inZoneB.headers.location).pathname;
    expect((await request(server).post(`${opOccPath}/retry`)).status).toBe(202);
    expect((await settle(inZoneB.headers.location)).operationState).toBe(
      'COMPLETED',
    );
    expect(
      (await request(server).get(`${LCM}/app_instances/${first}`)).body.edgeHost
        .name,
    ).toBe('edge-b');
    expect((await request(server).post(`${opOccPath}/retry`)).status).toBe(409);

    // by host name
    const second = await newInstance(appDId);
    const onA = await request(server)
      .post(`${LCM}/app_instances/${second}/instantiate`)
      .send({
        selectedMECHostInfo: [
          { hostName: 'edge-a', hostId: { name: 'edge-a' } },
        ],
      });
    expect((await settle(onA.headers.location)).operationState).toBe(
      'COMPLETED',
    );
    expect(
      (await request(server).get(`${LCM}/app_instances/${second}`)).body
        .edgeHost.name,
    ).toBe('edge-a');

    // nothing fits zone-x: every host's reason is in the error; then give up
    const third = await newInstance(appDId);
    const nowhere = await request(server)
      .post(`${LCM}/app_instances/${third}/instantiate`)
      .send({ selectedMECHostInfo: [{ hostId: { zone: 'zone-x' } }] });
    const stuck = await settle(nowhere.headers.location);
    expect(stuck.operationState).toBe('FAILED_TEMP');
    expect(stuck.error.detail).toMatch(
      /edge-a: label zone is 'zone-a', 'zone-x' required/,
    );
    expect(stuck.error.detail).toMatch(
      /edge-b: label zone is 'zone-b', 'zone-x' required/,
    );
    const nowherePath = new URL(nowhere.headers.location).pathname;
    expect(
      (
        await request(server)
          .post(`${nowherePath}/cancel`)
          .send({ CancelMode: 'GRACEFUL' })
      ).status,
    ).toBe(409);
    const failed = await request(server).post(`${nowherePath}/fail`);
    expect(failed.status).toBe(200);
    expect(failed.body.operationState).toBe('FAILED');
    expect((await request(server).post(`${nowherePath}/retry`)).status).toBe(
      409,
    );
    const third2 = await request(server).get(`${LCM}/app_instances/${third}`);
    expect(third2.body.instantiationState).toBe('NOT_INSTANTIATED');
    // the instance is free again: a new operation may start
    const againOnA = await request(server)
      .post(`${LCM}/app_instances/${third}/instantiate`)
      .send({ selectedMECHostInfo: [{ hostId: { name: 'edge-a' } }] });
    expect((await settle(againOnA.headers.location)).operationState).toBe(
      'COMPLETED',
    );

    // a chart that never becomes ready (kwok cannot schedule 64 CPUs): cancel it
    const fourth = await newInstance(appDId);
    const stuckInstall = await request(server)
      .post(`${LCM}/app_instances/${fourth}/instantiate`)
      .send({
        selectedMECHostInfo: [{ hostId: { name: 'edge-a' } }],
        additionalParams: {
          resources: { requests: { cpu: '64' }, limits: { cpu: '64' } },
        },
      });
    const stuckPath = new URL(stuckInstall.headers.location).pathname;
    for (let i = 0; i < 100; i++) {
      const { body } = await request(server).get(stuckPath);
      if (body.operationState === 'PROCESSING') break;
      await new Promise(r => setTimeout(r, 100));
    }
    const cancel = await request(server)
      .post(`${stuckPath}/cancel`)
      .send({ CancelMode: 'FORCED' });
    expect(cancel.status).toBe(202);
    const cancelled = await settle(stuckInstall.headers.location);
    expect(cancelled.operationState).toBe('FAILED_TEMP');
    expect(cancelled.error.detail).toMatch(/cancelled/);
    expect((await request(server).post(`${stuckPath}/fail`)).status).toBe(200);

    // a host in use cannot be removed
    expect((await request(server).delete('/api/mec/hosts/edge-a')).status).toBe(
      409,
    );

    // clean up the releases
    for (const id of [first, second, third]) {
      const t = await request(server)
        .post(`${LCM}/app_instances/${id}/terminate`)
        .send({ terminationType: 'FORCEFUL' });
      expect((await settle(t.headers.location)).operationState).toBe(
        'COMPLETED',
      );
    }
  });
});
