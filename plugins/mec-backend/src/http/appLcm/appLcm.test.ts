import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { mecDriversExtensionPoint } from '@helmmec/plugin-mec-node';
import request from 'supertest';
import { EdgeHostStore } from '../../database/EdgeHostStore';
import { InMemoryDriver } from '../../lifecycle/__testUtils__/lifecycleFixture';
import { mecPlugin } from '../../plugin';
import { spec as grantingSpec } from '../../schema/openapi/generated/granting';
import { createTestDatabases } from '../../__testUtils__/databases';
import { appLcmRequests } from '../../__testUtils__/appLcmRequests';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { buildExamplePackage, sha256 } from '../../__testUtils__/packages';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const LCM = `${MEC}/app_lcm/v1`;
const MiB = 2 ** 20;

/**
 * app_lcm/v1 and granting/v1 over HTTP with an in-memory driver: the wire
 * format in, commands and grants in the domain, the wire format out.
 */
describe.each(databases.eachSupportedId())('app_lcm/v1 on %p', databaseId => {
  let server: Parameters<typeof request>[0];
  let appDId: string;

  const { lcm, settled } = appLcmRequests(() => server);

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    const driver = new InMemoryDriver();
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
              hosts: { encryptionKey: 'app-lcm-http-passphrase-0123456789' },
              clients: [
                { subject: 'external:oss', allow: ['mm1'] },
                {
                  subject: 'external:oss-values',
                  allow: ['mm1', 'mec.instance.values.read'],
                },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;

    const zip = await buildExamplePackage('location-service');
    const pkg = await request(server)
      .post(`${MEC}/app_pkgm/v1/app_packages`)
      .send({
        appPkgName: 'location-service',
        appPkgVersion: '0.1.0',
        checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
      });
    await request(server)
      .put(`${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}/package_content`)
      .set('Content-Type', 'application/zip')
      .send(zip)
      .expect(202);
    for (let i = 0; i < 200 && !appDId; i++) {
      const { body } = await request(server).get(
        `${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}`,
      );
      if (body.onboardingState === 'ONBOARDED') appDId = body.appDId;
      else await new Promise(r => setTimeout(r, 100));
    }

    const registered = await request(server)
      .post(`${MEC}/hosts`)
      .send({
        name: 'edge-a',
        url: 'https://127.0.0.1:6443',
        credential: { type: 'serviceAccountToken', token: 'not-used' },
        driver: driver.id,
      });
    if (registered.status !== 201) {
      throw new Error(`edge-a not registered: ${registered.text}`);
    }
    await EdgeHostStore.create({ knex }).setStatus('edge-a', {
      reachable: true,
      readyNodes: 1,
      totalNodes: 1,
      allocatable: { cpuMillicores: 8000, memoryBytes: 8192 * MiB },
      requested: { cpuMillicores: 0, memoryBytes: 0 },
      checkedAt: new Date(),
    });
  });

  async function newInstance() {
    const res = await lcm('post', '/app_instances', '/app_instances', {
      appDId,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  it('answers 400 for malformed host selections', async () => {
    const id = await newInstance();
    for (const selectedMECHostInfo of ['edge-a', [null], [{ hostId: 7 }]]) {
      const res = await lcm(
        'post',
        `/app_instances/${id}/instantiate`,
        '/app_instances/{appInstanceId}/instantiate',
        { selectedMECHostInfo },
      );
      expect(res.status).toBe(400);
    }
    const grant = await request(server)
      .post(`${MEC}/granting/v1/grants`)
      .send({
        appInstanceId: id,
        appLcmOpOccId: 'op-1',
        appDId,
        operation: 'INSTANTIATE',
        additionalParams: { selectedMECHostInfo: 'edge-a' },
        _links: {
          appLcmOpOcc: { href: 'http://mepm.example.com/op-1' },
          appInstance: { href: `http://mepm.example.com/${id}` },
        },
      });
    expect(grant.status).toBe(400);
    expect(grant.body.detail).toMatch(/additionalParams.selectedMECHostInfo/);
  });

  it('instantiates, stops and terminates, echoing each request as operationParams', async () => {
    const id = await newInstance();
    const instantiate = {
      selectedMECHostInfo: [{ hostId: { name: 'edge-a' } }],
      additionalParams: { replicaCount: 2 },
    };
    const started = await lcm(
      'post',
      `/app_instances/${id}/instantiate`,
      '/app_instances/{appInstanceId}/instantiate',
      instantiate,
    );
    expect(started.status).toBe(202);
    const opOcc = await settled(started.headers.location);
    expect(opOcc).toMatchObject({
      operationState: 'COMPLETED',
      lcmOperation: 'INSTANTIATE',
      operationParams: instantiate,
    });
    // Helm values only with mec.instance.values.read, also in lists and filters.
    const as = (subject: string) =>
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service(subject),
        targetPluginId: 'mec',
      });
    const opOccPath = new URL(started.headers.location).pathname;
    const withoutValues = await request(server)
      .get(opOccPath)
      .set('Authorization', as('external:oss'));
    expect(withoutValues.status).toBe(200);
    expect(withoutValues.body.operationParams).toEqual({
      selectedMECHostInfo: instantiate.selectedMECHostInfo,
    });
    const listed = await request(server)
      .get(`${LCM}/app_lcm_op_occs`)
      .query({
        all_fields: '',
        filter: '(eq,operationParams/additionalParams/replicaCount,2)',
      })
      .set('Authorization', as('external:oss'));
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([]);
    const withValues = await request(server)
      .get(opOccPath)
      .set('Authorization', as('external:oss-values'));
    expect(withValues.body.operationParams).toEqual(instantiate);
    const instance = await lcm(
      'get',
      `/app_instances/${id}`,
      '/app_instances/{appInstanceId}',
    );
    expect(instance.body).toMatchObject({
      instantiationState: 'INSTANTIATED',
      instantiatedAppState: { operationalState: 'STARTED' },
      edgeHost: { name: 'edge-a' },
    });

    const stop = {
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 5,
    };
    const stopped = await lcm(
      'post',
      `/app_instances/${id}/operate`,
      '/app_instances/{appInstanceId}/operate',
      stop,
    );
    expect(await settled(stopped.headers.location)).toMatchObject({
      operationState: 'COMPLETED',
      operationParams: stop,
    });
    const again = await lcm(
      'post',
      `/app_instances/${id}/operate`,
      '/app_instances/{appInstanceId}/operate',
      { changeStateTo: 'STOPPED' },
    );
    expect(again.status).toBe(409);

    // an external MEPM's grant for the running instance: where it runs
    const grant = await request(server)
      .post(`${MEC}/granting/v1/grants`)
      .send({
        appInstanceId: id,
        appLcmOpOccId: 'op-external',
        appDId,
        operation: 'TERMINATE',
        _links: {
          appLcmOpOcc: { href: 'http://mepm.example.com/op-external' },
          appInstance: { href: `http://mepm.example.com/${id}` },
        },
      });
    expectConformingResponse(
      grantingSpec,
      { method: 'post', path: '/grants' },
      grant,
    );
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({
      appInstanceId: id,
      vimConnections: { 'edge-a': { vimType: 'KUBERNETES' } },
      zones: [{ zoneId: 'edge-a' }],
      addResources: [],
    });
    const read = await request(server).get(
      new URL(grant.headers.location).pathname,
    );
    expect(read.body).toEqual(grant.body);

    const terminate = { terminationType: 'FORCEFUL' };
    const terminated = await lcm(
      'post',
      `/app_instances/${id}/terminate`,
      '/app_instances/{appInstanceId}/terminate',
      terminate,
    );
    expect(await settled(terminated.headers.location)).toMatchObject({
      operationState: 'COMPLETED',
      operationParams: terminate,
    });
    const list = await lcm('get', '/app_lcm_op_occs', '/app_lcm_op_occs');
    expect(list.body.filter((o: any) => o.operationParams)).toEqual([]);
    expect(
      (
        await lcm(
          'get',
          `/app_instances/${id}`,
          '/app_instances/{appInstanceId}',
        )
      ).body.instantiationState,
    ).toBe('NOT_INSTANTIATED');
  });
  it('keeps subscriptions in V3.1.1 terms, taking v2.1.1 names and selector numbers', async () => {
    const created = await lcm('post', '/subscriptions', '/subscriptions', {
      subscriptionType: 'AppInstanceStateChange',
      callbackUri: 'http://127.0.0.1:9/notify',
      appInstanceState: 'STOPPED',
      appInstanceSubscriptionFilter: {
        appInstSelectorType: 3,
        appInstances: [appDId],
      },
    });
    expect(created.status).toBe(201);
    const info = {
      id: created.body.id,
      subscriptionType: 'AppInstanceStateChangeSubscription',
      callbackUri: 'http://127.0.0.1:9/notify',
      appInstanceState: 'STOPPED',
      appInstanceSubscriptionFilter: {
        appInstSelectorType: 'APP_D_ID',
        appInstances: [appDId],
      },
      _links: { self: { href: created.headers.location } },
    };
    expect(created.body).toEqual(info);
    const path = `/subscriptions/${created.body.id}`;
    const template = '/subscriptions/{subscriptionId}';
    expect((await lcm('get', path, template)).body).toEqual(info);

    const listed = await lcm(
      'get',
      '/subscriptions?subscriptionType=AppInstanceStateChange',
      '/subscriptions',
    );
    expect(listed.body._links.subscriptions).toContainEqual({
      href: created.headers.location,
      subscriptionType: 'AppInstanceStateChangeSubscription',
    });
    const unknown = await lcm(
      'get',
      '/subscriptions?subscriptionType=AppPackageOnBoarding',
      '/subscriptions',
    );
    expect(unknown.status).toBe(400);

    const wrongFilter = await lcm('post', '/subscriptions', '/subscriptions', {
      subscriptionType: 'AppIdentifierCreationSubscription',
      callbackUri: 'http://127.0.0.1:9/notify',
      appInstanceState: 'STARTED',
    });
    expect(wrongFilter.status).toBe(400);

    expect((await lcm('delete', path, template)).status).toBe(204);
    expect((await lcm('get', path, template)).status).toBe(404);
  });
});
