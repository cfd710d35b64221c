import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { EdgeHostStore } from '../../database/EdgeHostStore';
import { mecPlugin } from '../../plugin';
import { spec } from '../../schema/openapi/generated/hosts';
import { createTestDatabases } from '../../__testUtils__/databases';
import { buildExamplePackage, sha256 } from '../../__testUtils__/packages';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const MiB = 2 ** 20;

describe.each(databases.eachSupportedId())('/placement on %p', databaseId => {
  let server: Parameters<typeof request>[0];
  let appPkgId: string;
  let appInstanceId: string;

  /** Sends a GET and checks the response against hosts.yaml. */
  async function get(path: string, template: string) {
    const res = await request(server).get(`${MEC}${path}`);
    expectConformingResponse(spec, { method: 'get', path: template }, res);
    return res;
  }

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.database.factory({ knex }),
        // No scheduled health checks: the test sets each host's status.
        mockServices.scheduler.mock().factory,
        mockServices.rootConfig.factory({
          data: {
            mec: {
              outbound: { allow: [{ host: '127.0.0.1' }] },
              hosts: { encryptionKey: 'placement-preview-passphrase-0123' },
            },
          },
        }),
      ],
    });
    server = backend.server;

    // location-service asks for 1 vCPU and 128 MiB
    const zip = await buildExamplePackage('location-service');
    const pkg = await request(server)
      .post(`${MEC}/app_pkgm/v1/app_packages`)
      .send({
        appPkgName: 'location-service',
        appPkgVersion: '0.1.0',
        checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
      });
    appPkgId = pkg.body.id;
    await request(server)
      .put(`${MEC}/app_pkgm/v1/app_packages/${appPkgId}/package_content`)
      .set('Content-Type', 'application/zip')
      .send(zip)
      .expect(202);
    let appDId = '';
    for (let i = 0; i < 200 && !appDId; i++) {
      const { body } = await request(server).get(
        `${MEC}/app_pkgm/v1/app_packages/${appPkgId}`,
      );
      if (body.onboardingState === 'ONBOARDED') appDId = body.appDId;
      else await new Promise(r => setTimeout(r, 100));
    }
    const instance = await request(server)
      .post(`${MEC}/app_lcm/v1/app_instances`)
      .send({ appDId, appInstanceName: 'preview' });
    if (instance.status !== 201) {
      throw new Error(`instance not created: ${instance.text}`);
    }
    appInstanceId = instance.body.id;

    // "placement" is a valid host name: the preview must not shadow it
    const hosts = EdgeHostStore.create({ knex });
    for (const [name, freeCpu, status] of [
      ['edge-mid', 2000, 'healthy'],
      ['edge-small', 500, 'healthy'],
      ['placement', 4000, 'healthy'],
      ['edge-down', 0, 'unchecked'],
    ] as const) {
      const registered = await request(server)
        .post(`${MEC}/hosts`)
        .send({
          name,
          // Loopback, which the development mec.hosts.outbound allows.
          url: 'https://127.0.0.1:6443',
          credential: { type: 'serviceAccountToken', token: 'not-used' },
        });
      if (registered.status !== 201) {
        throw new Error(`${name} not registered: ${registered.text}`);
      }
      if (status === 'healthy') {
        await hosts.setStatus(name, {
          reachable: true,
          readyNodes: 1,
          totalNodes: 1,
          allocatable: { cpuMillicores: 8000, memoryBytes: 8192 * MiB },
          requested: {
            cpuMillicores: 8000 - freeCpu,
            memoryBytes: 1024 * MiB,
          },
          checkedAt: new Date(),
        });
      }
    }
  });

  it('suggests a host for an instance and says why the others do not fit', async () => {
    const res = await get(
      `/placement?appInstanceId=${appInstanceId}`,
      '/placement',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      appInstanceId,
      appPkgId,
      appDId: expect.any(String),
      suggestedHost: 'placement',
      hosts: [
        { name: 'placement', fits: true, reasons: [] },
        { name: 'edge-mid', fits: true, reasons: [] },
        {
          name: 'edge-down',
          fits: false,
          reasons: ['not healthy (no health check yet)'],
        },
        {
          name: 'edge-small',
          fits: false,
          reasons: ['500m CPU free, 1000m needed'],
        },
      ],
    });
  });

  it('previews for a package and grants nothing', async () => {
    const res = await get(`/placement?appPkgId=${appPkgId}`, '/placement');
    expect(res.status).toBe(200);
    expect(res.body.appInstanceId).toBeUndefined();
    expect(res.body.suggestedHost).toBe('placement');
    const instance = await request(server).get(
      `${MEC}/app_lcm/v1/app_instances/${appInstanceId}`,
    );
    expect(instance.body.instantiationState).toBe('NOT_INSTANTIATED');
    expect(
      (await request(server).get(`${MEC}/app_lcm/v1/app_lcm_op_occs`)).body,
    ).toEqual([]);
  });

  it('keeps /hosts/{name} for a host named placement', async () => {
    const res = await get('/hosts/placement', '/hosts/{name}');
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('placement');
    const list = await get('/hosts', '/hosts');
    expect(list.body.items).toHaveLength(4);
  });

  it('answers 404 for an unknown instance or package', async () => {
    const instance = await get(
      '/placement?appInstanceId=00000000-0000-0000-0000-000000000000',
      '/placement',
    );
    expect(instance.status).toBe(404);
    expect(instance.headers['content-type']).toMatch(
      /^application\/problem\+json/,
    );
    expect(instance.body.detail).toMatch(/No application instance/);
    const pkg = await get('/placement?appPkgId=nope', '/placement');
    expect(pkg.status).toBe(404);
  });

  it('answers 400 without exactly one subject, or with an unknown parameter', async () => {
    for (const query of [
      '',
      `?appInstanceId=${appInstanceId}&appPkgId=${appPkgId}`,
      '?host=edge-mid',
    ]) {
      const res = await get(`/placement${query}`, '/placement');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
    }
  });

  it('answers 405 to changes', async () => {
    const res = await request(server).post(`${MEC}/placement`).send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
