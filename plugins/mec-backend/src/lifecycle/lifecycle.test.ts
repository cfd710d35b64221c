import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { EdgeCluster, startEdgeCluster } from '@internal/edge-cluster';
import request from 'supertest';
import { mecPlugin } from '../plugin';
import { spec as appLcmSpec } from '../schema/openapi/generated/app_lcm';
import { createTestDatabases } from '../__testUtils__/databases';
import { expectConformingResponse } from '../__testUtils__/openApiConformance';
import { buildExamplePackage, sha256 } from '../__testUtils__/packages';
import { helmBinary } from '../__testUtils__/tools';
import {
  NotificationSubscriber,
  startNotificationSubscriber,
} from '../__testUtils__/subscriber';
import { loadKubernetesClient } from '../kubernetes/kubeConfig';

jest.setTimeout(900_000);

const databases = createTestDatabases();
const LCM = '/api/mec/app_lcm/v1';
const PKGM = '/api/mec/app_pkgm/v1';

/**
 * The whole lifecycle on a real edge cluster with the helm driver: create,
 * instantiate without naming a host, stop, start, terminate, delete — with a
 * real subscriber receiving every notification.
 */
describe('application lifecycle on a real edge cluster', () => {
  let cluster: EdgeCluster;

  beforeAll(async () => {
    cluster = await startEdgeCluster({
      name: `lcm-${Math.random().toString(36).slice(2, 8)}`,
      nodes: 2,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function deploymentsIn(namespace: string) {
    const k8s = await loadKubernetesClient();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    return (await apps.listNamespacedDeployment({ namespace })).items;
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let server: Parameters<typeof request>[0];
    let subscriber: NotificationSubscriber;
    let callbackUri: string;
    let received: any[];

    beforeAll(async () => {
      subscriber = await startNotificationSubscriber();
      callbackUri = subscriber.callbackUri;
      received = subscriber.received;
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              mec: {
                outbound: { allow: [{ host: '127.0.0.1' }] },
                notifications: { delivery: { pollInterval: { seconds: 1 } } },
                drivers: { helm: { binary: await helmBinary() } },
                lifecycle: { operationTimeoutSeconds: 180 },
                hosts: {
                  encryptionKey: 'lifecycle-test-passphrase-0123456789',
                  healthCheck: { frequency: { seconds: 2 } },
                  static: [
                    {
                      name: 'edge-a',
                      url: cluster.server,
                      caData: cluster.caData,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: cluster.serviceAccountToken,
                      driver: 'helm',
                      location: { zone: 'zone-a' },
                      namespacePolicy: {
                        mode: 'fixed',
                        namespace: cluster.namespace,
                      },
                    },
                  ],
                },
              },
            },
          }),
        ],
      });
      server = backend.server;
    });

    afterAll(async () => {
      await subscriber?.stop();
    });

    async function lcm(
      method: 'get' | 'post' | 'delete',
      path: string,
      template: string,
      body?: object,
    ) {
      let r = request(server)[method](`${LCM}${path}`);
      if (body) r = r.send(body);
      const res = await r;
      expectConformingResponse(appLcmSpec, { method, path: template }, res);
      return res;
    }

    async function completed(location: string) {
      const path = new URL(location).pathname.replace(LCM, '');
      for (let i = 0; i < 600; i++) {
        const res = await lcm('get', path, '/app_lcm_op_occs/{appLcmOpOccId}');
        const state = res.body.operationState;
        if (state === 'COMPLETED') return res.body;
        if (state === 'FAILED_TEMP' || state === 'FAILED') {
          throw new Error(
            `operation ${state}: ${JSON.stringify(res.body.error)}`,
          );
        }
        await new Promise(r => setTimeout(r, 250));
      }
      throw new Error('operation did not complete');
    }

    it('creates, instantiates, stops, starts, terminates and deletes an instance', async () => {
      for (const subscriptionType of [
        'AppLcmOpOccStateChangeSubscription',
        'AppInstanceStateChangeSubscription',
        'AppIdentifierCreationSubscription',
        'AppIdentifierDeletionSubscription',
      ]) {
        const sub = await lcm('post', '/subscriptions', '/subscriptions', {
          subscriptionType,
          callbackUri,
        });
        expect(sub.status).toBe(201);
      }

      // onboard the example package
      const zip = await buildExamplePackage('video-analytics');
      const pkg = await request(server)
        .post(`${PKGM}/app_packages`)
        .send({
          appPkgName: 'video-analytics',
          appPkgVersion: '0.1.0',
          checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
        });
      await request(server)
        .put(`${PKGM}/app_packages/${pkg.body.id}/package_content`)
        .set('Content-Type', 'application/zip')
        .send(zip)
        .expect(202);
      let onboarded;
      for (let i = 0; i < 100; i++) {
        onboarded = (
          await request(server).get(`${PKGM}/app_packages/${pkg.body.id}`)
        ).body;
        if (onboarded.onboardingState === 'ONBOARDED') break;
        await new Promise(r => setTimeout(r, 100));
      }
      expect(onboarded.onboardingState).toBe('ONBOARDED');

      // a health check (the test backend's scheduler runs no global tasks)
      const host = await request(server).post('/api/mec/hosts/edge-a/check');
      expect(JSON.stringify(host.body)).toContain('"reachable":true');

      const created = await lcm('post', '/app_instances', '/app_instances', {
        appDId: onboarded.appDId,
        appInstanceName: 'video-1',
      });
      expect(created.status).toBe(201);
      expect(created.body.instantiationState).toBe('NOT_INSTANTIATED');
      const id = created.body.id;
      const pkgInUse = (
        await request(server).get(`${PKGM}/app_packages/${pkg.body.id}`)
      ).body;
      expect(pkgInUse.usageState).toBe('IN_USE');

      // no host named: the MEO places it
      const inst = await lcm(
        'post',
        `/app_instances/${id}/instantiate`,
        '/app_instances/{appInstanceId}/instantiate',
        { additionalParams: { replicaCount: 2 } },
      );
      expect(inst.status).toBe(202);
      expect(inst.headers.location).toMatch(/\/app_lcm_op_occs\//);
      const again = await lcm(
        'post',
        `/app_instances/${id}/instantiate`,
        '/app_instances/{appInstanceId}/instantiate',
        {},
      );
      expect(again.status).toBe(409);
      await completed(inst.headers.location);

      const running = await lcm(
        'get',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(running.body).toMatchObject({
        instantiationState: 'INSTANTIATED',
        instantiatedAppState: { operationalState: 'STARTED' },
        edgeHost: { name: 'edge-a', namespace: cluster.namespace },
      });
      const [deployment] = await deploymentsIn(cluster.namespace);
      expect(deployment.status?.availableReplicas).toBe(2);

      const stop = await lcm(
        'post',
        `/app_instances/${id}/operate`,
        '/app_instances/{appInstanceId}/operate',
        {
          changeStateTo: 'STOPPED',
          stopType: 'GRACEFUL',
          gracefulStopTimeout: 60,
        },
      );
      await completed(stop.headers.location);
      expect((await deploymentsIn(cluster.namespace))[0].spec?.replicas).toBe(
        0,
      );
      expect(
        (
          await lcm(
            'get',
            `/app_instances/${id}`,
            '/app_instances/{appInstanceId}',
          )
        ).body.instantiatedAppState.operationalState,
      ).toBe('STOPPED');

      const start = await lcm(
        'post',
        `/app_instances/${id}/operate`,
        '/app_instances/{appInstanceId}/operate',
        {
          changeStateTo: 'STARTED',
        },
      );
      await completed(start.headers.location);
      expect(
        (await deploymentsIn(cluster.namespace))[0].status?.availableReplicas,
      ).toBe(2);

      const deleteRunning = await lcm(
        'delete',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(deleteRunning.status).toBe(409);

      const terminate = await lcm(
        'post',
        `/app_instances/${id}/terminate`,
        '/app_instances/{appInstanceId}/terminate',
        {
          terminationType: 'GRACEFUL',
          gracefulTerminationTimeout: 60,
        },
      );
      await completed(terminate.headers.location);
      expect(await deploymentsIn(cluster.namespace)).toEqual([]);

      const deleted = await lcm(
        'delete',
        `/app_instances/${id}`,
        '/app_instances/{appInstanceId}',
      );
      expect(deleted.status).toBe(204);
      const pkgFree = (
        await request(server).get(`${PKGM}/app_packages/${pkg.body.id}`)
      ).body;
      expect(pkgFree.usageState).toBe('NOT_IN_USE');

      const ops = await lcm('get', '/app_lcm_op_occs', '/app_lcm_op_occs');
      expect(ops.body.map((o: any) => o.operationState)).toEqual([
        'COMPLETED',
        'COMPLETED',
        'COMPLETED',
        'COMPLETED',
      ]);

      // every notification arrives
      for (
        let i = 0;
        i < 100 &&
        !received.some(
          n => n.notificationType === 'AppIdentifierDeletionSubscription',
        );
        i++
      ) {
        await new Promise(r => setTimeout(r, 100));
      }
      const opStates = received
        .filter(
          n => n.notificationType === 'AppLcmOpOccStateChangeSubscription',
        )
        .map(n => `${n.operationType}:${n.operationState}`);
      for (const op of ['INSTANTIATE', 'OPERATE', 'TERMINATE']) {
        expect(opStates).toContain(`${op}:STARTING`);
        expect(opStates).toContain(`${op}:PROCESSING`);
        expect(opStates).toContain(`${op}:COMPLETED`);
      }
      const states = received
        .filter(
          n => n.notificationType === 'AppInstanceStateChangeSubscription',
        )
        .map(n => n.appInstanceState);
      expect(states).toEqual([
        'STARTED',
        'STOPPED',
        'STARTED',
        'NOT_INSTANTIATED',
      ]);
      expect(
        received.filter(
          n => n.notificationType === 'AppIdentifierCreationSubscription',
        ),
      ).toHaveLength(1);
      expect(
        received.filter(
          n => n.notificationType === 'AppIdentifierDeletionSubscription',
        ),
      ).toHaveLength(1);
    });
  });
});
