import {
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  NotificationSendOptions,
  NotificationService,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { mecDriversExtensionPoint } from '@helmmec/plugin-mec-node';
import request from 'supertest';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { InMemoryDriver } from '../lifecycle/__testUtils__/lifecycleFixture';
import { mecPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';
import { buildExamplePackage, sha256 } from '../__testUtils__/packages';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const LCM = `${MEC}/app_lcm/v1`;
const MiB = 2 ** 20;

/**
 * Backstage's notifications service as the mec plugin sees it, recording
 * what it is asked to send; `down` makes it fail as an unreachable
 * notifications backend does.
 */
class RecordingNotificationService implements NotificationService {
  readonly sent: NotificationSendOptions[] = [];
  down = false;

  async send(options: NotificationSendOptions): Promise<void> {
    if (this.down) {
      throw new Error('Request failed with 503 Service Unavailable');
    }
    this.sent.push(options);
  }
}

const user = (ref: string) => mockCredentials.user.header(ref);
const service = (subject: string) =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'mec',
  });

/**
 * Portal notifications through the whole plugin: requests from users and
 * services, op occurrences run by an in-memory driver, health checks of a
 * host that does not answer; Backstage's notifications service recording.
 */
describe.each(databases.eachSupportedId())(
  'portal notifications on %p',
  databaseId => {
    let server: Parameters<typeof request>[0];
    let appDId: string;
    const driver = new InMemoryDriver();
    const notifications = new RecordingNotificationService();
    const logger = mockServices.logger.mock();

    /** Waits for a condition the backend reaches in the background. */
    async function until<T>(
      what: string,
      probe: () => Promise<T | undefined> | T | undefined,
    ): Promise<T> {
      for (let i = 0; i < 400; i++) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error(`Gave up waiting for ${what}`);
    }

    /** What was sent about an instance, in order. */
    const sentAbout = (appInstanceId: string) =>
      notifications.sent.filter(
        s => s.payload.metadata?.appInstanceId === appInstanceId,
      );
    /** What was sent when an op occurrence entered a state. */
    const sentFor = (opOcc: { id: string }, operationState: string) =>
      notifications.sent.find(
        s =>
          s.payload.metadata?.appLcmOpOccId === opOcc.id &&
          s.payload.metadata?.operationState === operationState,
      );

    async function createInstance(auth: string, appInstanceName?: string) {
      const res = await request(server)
        .post(`${LCM}/app_instances`)
        .set('Authorization', auth)
        .send({ appDId, ...(appInstanceName ? { appInstanceName } : {}) });
      expect(res.status).toBe(201);
      return res.body.id as string;
    }

    /** Starts a task as `auth` and waits for its op occurrence to end. */
    async function run(
      auth: string,
      path: string,
      body: object,
      ends: string[] = ['COMPLETED', 'FAILED_TEMP'],
    ) {
      const started = await request(server)
        .post(`${LCM}${path}`)
        .set('Authorization', auth)
        .send(body);
      expect(started.status).toBe(202);
      const opOccPath = new URL(started.headers.location).pathname;
      return until(`${path} to end`, async () => {
        const { body: opOcc } = await request(server)
          .get(opOccPath)
          .set('Authorization', auth);
        return ends.includes(opOcc.operationState) ? opOcc : undefined;
      });
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
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => notifications,
          }),
          mockServices.database.factory({ knex }),
          // No scheduled health check: the test checks when it wants.
          mockServices.scheduler.mock().factory,
          logger.factory,
          mockServices.rootConfig.factory({
            data: {
              mec: {
                hosts: { encryptionKey: 'portal-notifications-passphrase-01' },
                clients: [
                  {
                    subject: 'external:oss',
                    allow: ['mm1', 'mec.host.register', 'mec.host.check'],
                  },
                ],
                permissions: {
                  roles: {
                    platformAdmin: ['helmmec-maintainers', 'user:default/root'],
                  },
                },
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
      appDId = await until('the package to be onboarded', async () => {
        const { body } = await request(server).get(
          `${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}`,
        );
        return body.onboardingState === 'ONBOARDED' ? body.appDId : undefined;
      });
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

    beforeEach(() => {
      driver.failWith = undefined;
      notifications.down = false;
    });

    it('tells the user who asked and the catalog owner how an operation ended, once', async () => {
      const jane = user('user:default/jane');
      const id = await createInstance(jane, 'notify-a');
      const opOcc = await run(jane, `/app_instances/${id}/instantiate`, {
        selectedMECHostInfo: [{ hostId: { name: 'edge-a' } }],
      });
      expect(opOcc.operationState).toBe('COMPLETED');
      const [sent, ...more] = await until('the notification', () =>
        sentAbout(id).length > 0 ? sentAbout(id) : undefined,
      );
      // STARTING and PROCESSING are no news.
      expect(more).toEqual([]);
      const entityRef = `mecappinstance:default/notify-a-${id
        .replace(/-/g, '')
        .slice(0, 8)}`;
      expect(sent).toEqual({
        recipients: {
          type: 'entity',
          entityRef: ['user:default/jane', entityRef],
        },
        payload: {
          title: "Instantiation of 'notify-a' completed",
          description:
            'MEC application location-service 1.3.0 on edge host edge-a.',
          link: `/mec/instances/${id}`,
          severity: 'normal',
          topic: `mec:instance:${entityRef.split('/')[1]}`,
          scope: `mec:app-lcm-op-occ:${opOcc.id}`,
          metadata: {
            appInstanceId: id,
            appLcmOpOccId: opOcc.id,
            lcmOperation: 'INSTANTIATE',
            operationState: 'COMPLETED',
          },
        },
      });

      // Another user stops it: they and the instance's creator hear of it.
      const stop = await run(
        user('user:default/bob'),
        `/app_instances/${id}/operate`,
        { changeStateTo: 'STOPPED' },
      );
      const stopped = await until('the stop notification', () =>
        sentFor(stop, 'COMPLETED'),
      );
      expect(stopped.recipients).toEqual({
        type: 'entity',
        entityRef: ['user:default/bob', 'user:default/jane', entityRef],
      });
      expect(stopped.payload.title).toBe("Stop of 'notify-a' completed");
    });

    it('tells failures by their severity, one notification per op occurrence, without the driver’s words', async () => {
      const jane = user('user:default/jane');
      const id = await createInstance(jane, 'notify-b');
      await run(jane, `/app_instances/${id}/instantiate`, {});
      driver.failWith = new Error(
        'helm: Kubernetes cluster unreachable: dial tcp 10.1.2.3:6443',
      );
      const failedTemp = await run(jane, `/app_instances/${id}/terminate`, {
        terminationType: 'FORCEFUL',
      });
      expect(failedTemp.operationState).toBe('FAILED_TEMP');
      const temp = await until('the FAILED_TEMP notification', () =>
        sentFor(failedTemp, 'FAILED_TEMP'),
      );
      expect(temp.payload).toMatchObject({
        title: "Termination of 'notify-b' failed",
        severity: 'high',
        scope: `mec:app-lcm-op-occ:${failedTemp.id}`,
      });
      expect(temp.payload.description).toContain('Operation failed.');
      expect(JSON.stringify(temp)).not.toMatch(/10\.1\.2\.3|dial tcp/);

      const failed = await request(server)
        .post(`${LCM}/app_lcm_op_occs/${failedTemp.id}/fail`)
        .set('Authorization', jane);
      expect(failed.body.operationState).toBe('FAILED');
      const final = await until('the FAILED notification', () =>
        sentFor(failedTemp, 'FAILED'),
      );
      expect(final.payload).toMatchObject({
        title: "Termination of 'notify-b' failed for good",
        severity: 'critical',
        // The same notification, updated: the same scope.
        scope: temp.payload.scope,
      });
    });

    it('tells only the catalog owner of what a service asked for', async () => {
      const oss = service('external:oss');
      const id = await createInstance(oss);
      await run(oss, `/app_instances/${id}/instantiate`, {});
      const [sent] = await until('the notification', () =>
        sentAbout(id).length > 0 ? sentAbout(id) : undefined,
      );
      expect(sent.recipients).toEqual({
        type: 'entity',
        entityRef: [
          `mecappinstance:default/location-service-${id
            .replace(/-/g, '')
            .slice(0, 8)}`,
        ],
      });
      expect(sent.payload.title).toBe(
        `Instantiation of location-service instance ${id.slice(
          0,
          8,
        )} completed`,
      );
    });

    it('completes operations while the notifications service is down', async () => {
      notifications.down = true;
      const jane = user('user:default/jane');
      const id = await createInstance(jane, 'notify-c');
      const opOcc = await run(jane, `/app_instances/${id}/instantiate`, {});
      expect(opOcc.operationState).toBe('COMPLETED');
      await until('the warning', () =>
        logger.warn.mock.calls.find(([message]) =>
          String(message).includes(`op occurrence ${opOcc.id}`),
        ),
      );
      expect(sentAbout(id)).toEqual([]);
      const instance = await request(server)
        .get(`${LCM}/app_instances/${id}`)
        .set('Authorization', jane);
      expect(instance.body.instantiationState).toBe('INSTANTIATED');
    });

    it('tells platform admins when an edge host stops answering, in fixed words, once', async () => {
      const oss = service('external:oss');
      // Nothing listens on port 1 of this machine.
      await request(server)
        .post(`${MEC}/hosts`)
        .set('Authorization', oss)
        .send({
          name: 'edge-down',
          url: 'https://127.0.0.1:1',
          credential: { type: 'serviceAccountToken', token: 'not-used' },
          driver: driver.id,
        })
        .expect(201);
      const check = async () => {
        const res = await request(server)
          .post(`${MEC}/hosts/edge-down/check`)
          .set('Authorization', oss);
        expect(res.status).toBe(200);
        expect(res.body.status.reachable).toBe(false);
      };
      await check();
      const about = () =>
        notifications.sent.filter(
          s => s.payload.metadata?.hostName === 'edge-down',
        );
      const [sent] = await until('the notification', () =>
        about().length > 0 ? about() : undefined,
      );
      expect(sent).toEqual({
        recipients: {
          type: 'entity',
          entityRef: ['group:default/helmmec-maintainers', 'user:default/root'],
        },
        payload: {
          title: 'Edge host edge-down is unreachable',
          description:
            "Its Kubernetes API does not answer health checks; no instance is placed there until it does. The backend's log says why.",
          link: '/mec/hosts/edge-down',
          severity: 'high',
          topic: 'mec:edge-host:edge-down',
          scope: 'mec:edge-host-reachability:edge-down',
          metadata: { hostName: 'edge-down', reachable: false },
        },
      });
      // Still unreachable: no news.
      await check();
      await check();
      expect(about()).toHaveLength(1);
    });
  },
);
