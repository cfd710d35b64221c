import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import {
  coreServices,
  createBackendModule,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import {
  DriverCallOptions,
  EdgeHostConnection,
  mecDriversExtensionPoint,
  ReleaseSpec,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';
import { Knex } from 'knex';
import type { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { EdgeHostStore } from '../../../database/EdgeHostStore';
import { InMemoryDriver } from '../../../lifecycle/__testUtils__/lifecycleFixture';
import { mecPlugin } from '../../../plugin';
import { buildExamplePackage, sha256 } from '../../../__testUtils__/packages';

/** The bearer token the MEO's client presents to the MEPM. */
export const MEPM_TOKEN = 'mepm-driver-test-token-5d2c9e41a7b3';

const MiB = 2 ** 20;

/**
 * The in-memory driver whose installs wait at a gate the test opens, so
 * that an operation stays PROCESSING on the MEPM as long as a test needs;
 * an abort (cancel, the backend stopping) ends the wait.
 */
export class GatedDriver extends InMemoryDriver {
  #gate?: Promise<void>;
  #open?: () => void;

  close() {
    this.#gate = new Promise(resolve => {
      this.#open = resolve;
    });
  }

  open() {
    this.#open?.();
    this.#gate = undefined;
  }

  async install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    if (this.#gate) {
      await Promise.race([
        this.#gate,
        new Promise((_, reject) => {
          if (options.signal?.aborted) reject(new Error('aborted'));
          options.signal?.addEventListener('abort', () =>
            reject(new Error('aborted')),
          );
        }),
      ]);
    }
    return super.install(host, spec, options);
  }
}

/** A combined-role backend serving the app_lcm a MEPM serves, with Backstage's real auth. */
export interface RemoteMepm {
  apiRoot: string;
  server: Server;
  driver: GatedDriver;
  /** app_lcm/v1 and the rest, authenticated as the MEO. */
  api(
    method: 'get' | 'post' | 'delete',
    path: string,
    body?: object,
  ): Promise<request.Response>;
  /** Resumes the operations that nobody holds, as the scheduled task does. */
  resumeOperations(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the MEPM's backend on `knex` with edge host `edge-a` (the gated
 * in-memory driver). A first start onboards the example package; a start
 * again on the same database finds it, and resumes what was in flight.
 */
export async function startRemoteMepm(
  knex: Knex,
  options: { driver?: GatedDriver; onboard?: boolean } = {},
): Promise<RemoteMepm & { appDId?: string }> {
  const driver = options.driver ?? new GatedDriver();
  // The test backend's scheduler runs tasks when told: the test resumes
  // what was in flight through it.
  let scheduler: SchedulerService | undefined;
  const backend = await startTestBackend({
    features: [
      mecPlugin,
      authServiceFactory,
      httpAuthServiceFactory,
      createBackendModule({
        pluginId: 'mec',
        moduleId: 'gated-driver',
        register(env) {
          env.registerInit({
            deps: {
              drivers: mecDriversExtensionPoint,
              pluginScheduler: coreServices.scheduler,
            },
            async init({ drivers, pluginScheduler }) {
              drivers.addDriver(driver);
              scheduler = pluginScheduler;
            },
          });
        },
      }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            auth: {
              externalAccess: [
                {
                  type: 'static',
                  options: { token: MEPM_TOKEN, subject: 'meo' },
                  accessRestrictions: [{ plugin: 'mec' }],
                },
              ],
            },
          },
          mec: {
            // Notification callbacks of a MEO on this machine.
            outbound: { allow: [{ host: '127.0.0.0/8' }, { host: '::1' }] },
            notifications: { delivery: { pollInterval: { seconds: 1 } } },
            lifecycle: { leaseSeconds: 4 },
            hosts: { encryptionKey: 'mepm-driver-test-passphrase-0123456789' },
            clients: [
              { subject: 'meo', allow: mecPermissions.map(p => p.name) },
            ],
          },
        },
      }),
    ],
  });
  const server = backend.server;
  const { port } = server.address() as AddressInfo;
  const api: RemoteMepm['api'] = (method, path, body) => {
    let r = request(server)
      [method](`/api/mec/${path}`)
      .set('authorization', `Bearer ${MEPM_TOKEN}`);
    if (body !== undefined) r = r.send(body);
    return r;
  };
  let appDId: string | undefined;
  if (options.onboard) {
    appDId = await onboardExamplePackage(server);
    await registerEdgeA(api, knex, driver.id);
  }
  return {
    apiRoot: `http://127.0.0.1:${port}/api/mec`,
    server,
    driver,
    api,
    appDId,
    resumeOperations: () => scheduler!.triggerTask('mec-lifecycle-operations'),
    stop: () => backend.stop(),
  };
}

/**
 * Onboards a package on a backend (by default the location-service
 * example); its appDId.
 */
export async function onboardExamplePackage(
  server: Parameters<typeof request>[0],
  token = MEPM_TOKEN,
  pkgInfo?: { name: string; version: string; zip: Buffer },
): Promise<string> {
  const auth = `Bearer ${token}`;
  const zip = pkgInfo?.zip ?? (await buildExamplePackage('location-service'));
  const pkg = await request(server)
    .post('/api/mec/app_pkgm/v1/app_packages')
    .set('authorization', auth)
    .send({
      appPkgName: pkgInfo?.name ?? 'location-service',
      appPkgVersion: pkgInfo?.version ?? '0.1.0',
      checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
    });
  if (pkg.status !== 201) throw new Error(`package: ${pkg.text}`);
  await request(server)
    .put(`/api/mec/app_pkgm/v1/app_packages/${pkg.body.id}/package_content`)
    .set('authorization', auth)
    .set('Content-Type', 'application/zip')
    .send(zip)
    .expect(202);
  for (let i = 0; i < 600; i++) {
    const { body } = await request(server)
      .get(`/api/mec/app_pkgm/v1/app_packages/${pkg.body.id}`)
      .set('authorization', auth);
    if (body.onboardingState === 'ONBOARDED') return body.appDId;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('the example package was not onboarded');
}

async function registerEdgeA(
  api: RemoteMepm['api'],
  knex: Knex,
  driverId: string,
) {
  const registered = await api('post', 'hosts', {
    name: 'edge-a',
    url: 'https://127.0.0.1:6443',
    credential: { type: 'serviceAccountToken', token: 'not-used' },
    driver: driverId,
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
}
