import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
// The plugin this module extends, started beside it as in a real backend.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import mecPlugin from '@helmmec/plugin-mec-backend';
import {
  cachedBinaries,
  EdgeCluster,
  loadClientNode,
  startEdgeCluster,
} from '@internal/edge-cluster';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { DRIVER_LABEL, ExampleDriver } from './ExampleDriver';
import { mecModuleExampleDriver } from './module';

jest.setTimeout(600_000);

const PKGM = '/api/mec/app_pkgm/v1';
const LCM = '/api/mec/app_lcm/v1';
const HOST = 'edge-example';
const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});

// A real edge cluster needs the binaries that `npx edge-cluster build`
// leaves in the cache; building them takes long, so without them the test
// follows the same path to the driver against a host that is not there.
const binaries = cachedBinaries();

/**
 * The module adds its driver through mecDriversExtensionPoint, a host
 * registered through the hosts API names it, and instantiating an
 * application instance there goes through it.
 */
describe(`a host with the example driver (${
  binaries ? 'real edge cluster' : 'no edge cluster'
})`, () => {
  let cluster: EdgeCluster | undefined;
  let server: Parameters<typeof request>[0];
  let knex: Awaited<ReturnType<TestDatabases['init']>>;
  const install = jest.spyOn(ExampleDriver.prototype, 'install');

  beforeAll(async () => {
    if (binaries) {
      cluster = await startEdgeCluster({
        name: `example-driver-${Math.random().toString(36).slice(2, 7)}`,
        nodes: 1,
      });
    }
    knex = await databases.init('SQLITE_3');
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mecModuleExampleDriver,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            mec: {
              drivers: {
                helm: { binary: binaries?.bin.helm ?? 'helm-not-built' },
              },
              lifecycle: { operationTimeoutSeconds: 120 },
              hosts: { encryptionKey: 'example-driver-test-passphrase-0123' },
            },
          },
        }),
      ],
    });
    server = backend.server;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('refuses a host naming a driver nobody registered, naming those that are', async () => {
    const res = await request(server)
      .post('/api/mec/hosts')
      .send({
        name: 'edge-nomad',
        url: 'https://127.0.0.1:1',
        credential: { type: 'serviceAccountToken', token: 'x'.repeat(20) },
        driver: 'nomad',
      });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe(
      "Unknown driver 'nomad': the registered drivers are example, flux, helm",
    );
  });

  it('instantiates an application instance through the module driver', async () => {
    const host = await request(server)
      .post('/api/mec/hosts')
      .send({
        name: HOST,
        url: cluster?.server ?? 'https://127.0.0.1:1',
        ...(cluster ? { caData: cluster.caData } : {}),
        credential: {
          type: 'serviceAccountToken',
          token: cluster?.serviceAccountToken ?? 'not-a-real-token',
        },
        driver: ExampleDriver.ID,
        namespacePolicy: {
          mode: 'fixed',
          namespace: cluster?.namespace ?? 'edge-apps',
        },
      });
    expect(host.status).toBe(201);
    expect(host.body.driver).toBe('example');
    await healthy();

    const appDId = await onboard('location-service');
    const created = await request(server)
      .post(`${LCM}/app_instances`)
      .send({ appDId, appInstanceName: 'where-am-i' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const started = await request(server)
      .post(`${LCM}/app_instances/${id}/instantiate`)
      .send({ selectedMECHostInfo: [{ hostId: { name: HOST } }] });
    expect(started.status).toBe(202);
    const occ = await settled(started.headers.location);

    expect(install).toHaveBeenCalledTimes(1);
    const [connection, spec] = install.mock.calls[0];
    expect(connection.name).toBe(HOST);
    expect(spec).toMatchObject({
      namespace: cluster?.namespace ?? 'edge-apps',
      chart: { name: 'location-service' },
      labels: { 'mec.etsi.org/app-instance-id': id },
    });

    const instance = await request(server).get(`${LCM}/app_instances/${id}`);
    const namingTheHost = expect.stringContaining('127.0.0.1:1');
    expect({
      operationState: occ.operationState,
      detail: occ.error?.detail,
      instantiationState: instance.body.instantiationState,
      labelledReleaseRecords: cluster
        ? await labelledReleaseRecords(cluster)
        : undefined,
    }).toEqual(
      cluster
        ? {
            operationState: 'COMPLETED',
            detail: undefined,
            instantiationState: 'INSTANTIATED',
            labelledReleaseRecords: 1,
          }
        : {
            // The driver ran the built-in Helm behaviour, which found no host.
            operationState: 'FAILED_TEMP',
            detail: namingTheHost,
            instantiationState: 'NOT_INSTANTIATED',
            labelledReleaseRecords: undefined,
          },
    );
  });

  /** Helm's release records that carry the label the example driver adds. */
  async function labelledReleaseRecords(on: EdgeCluster): Promise<number> {
    const k8s = await loadClientNode();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(on.kubeconfigPath);
    const secrets = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({
      namespace: on.namespace,
      labelSelector: `owner=helm,${DRIVER_LABEL}=example`,
    });
    return secrets.items.length;
  }

  /** Makes the host count as healthy for placement. */
  async function healthy() {
    if (cluster) {
      // The test backend's scheduler runs no global tasks: check at once.
      const res = await request(server).post(`/api/mec/hosts/${HOST}/check`);
      expect(res.body.status?.reachable).toBe(true);
      return;
    }
    // No check can succeed without a cluster: store a successful one, as
    // the health checker would.
    const checkedAt = new Date();
    await knex('edge_hosts')
      .where({ name: HOST })
      .update({
        status: JSON.stringify({
          reachable: true,
          readyNodes: 1,
          totalNodes: 1,
          checkedAt,
        }),
        status_checked_at: checkedAt,
      });
  }

  async function onboard(name: string): Promise<string> {
    const zip = readFileSync(
      resolve(__dirname, `../../../examples/packages/${name}.zip`),
    );
    const pkg = await request(server)
      .post(`${PKGM}/app_packages`)
      .send({
        appPkgName: name,
        appPkgVersion: '0.1.0',
        checksum: {
          algorithm: 'SHA-256',
          hash: createHash('sha256').update(zip).digest('hex'),
        },
      });
    expect(pkg.status).toBe(201);
    await request(server)
      .put(`${PKGM}/app_packages/${pkg.body.id}/package_content`)
      .set('Content-Type', 'application/zip')
      .send(zip)
      .expect(202);
    for (let i = 0; i < 100; i++) {
      const info = await request(server).get(
        `${PKGM}/app_packages/${pkg.body.id}`,
      );
      if (info.body.onboardingState === 'ONBOARDED') return info.body.appDId;
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`package ${name} was not onboarded`);
  }

  async function settled(location: string) {
    const path = new URL(location).pathname;
    for (let i = 0; i < 600; i++) {
      const occ = (await request(server).get(path)).body;
      if (
        occ.operationState !== 'PROCESSING' &&
        occ.operationState !== 'STARTING'
      ) {
        return occ;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error('the operation did not settle');
  }
});
