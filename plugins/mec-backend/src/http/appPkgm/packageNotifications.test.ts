import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { mecPlugin } from '../../plugin';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import { createTestDatabases } from '../../__testUtils__/databases';
import { buildExamplePackage, sha256 } from '../../__testUtils__/packages';
import {
  NotificationSubscriber,
  startNotificationSubscriber,
} from '../../__testUtils__/subscriber';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const BASE = '/api/mec/app_pkgm/v1';

const ajv = new Ajv({ strict: false });
addFormats(ajv);
ajv.addSchema(JSON.parse(JSON.stringify(spec)), 'spec');
const validNotification = ajv.getSchema(
  'spec#/components/schemas/AppPkgNotification',
)!;

describe.each(databases.eachSupportedId())(
  'app_pkgm notifications to a real subscriber, on %p',
  databaseId => {
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

    async function until<T>(probe: () => T | undefined): Promise<T> {
      for (let i = 0; i < 300; i++) {
        const value = probe();
        if (value !== undefined) return value;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error(`timed out; received ${JSON.stringify(received)}`);
    }

    it('notifies onboarding, disabling and deletion as V3.1.1 defines them', async () => {
      for (const subscriptionType of [
        'AppPackageOnBoardingSubscription',
        'AppPackageChangeSubscription',
      ]) {
        const res = await request(server)
          .post(`${BASE}/subscriptions`)
          .send({ subscriptionType, callbackUri });
        expect(res.status).toBe(201);
      }
      // the v2.1.1 spelling is accepted on input
      const legacy = await request(server)
        .post(`${BASE}/subscriptions`)
        .send({ subsctiptionType: 'AppPackageDeletion', callbackUri });
      expect(legacy.status).toBe(201);
      expect(legacy.body.subscriptionType).toBe(
        'AppPackageDeletionSubscription',
      );

      const zip = await buildExamplePackage('location-service');
      const created = await request(server)
        .post(`${BASE}/app_packages`)
        .send({
          appPkgName: 'location-service',
          appPkgVersion: '0.1.0',
          checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
        });
      const id = created.body.id;
      await request(server)
        .put(`${BASE}/app_packages/${id}/package_content`)
        .set('Content-Type', 'application/zip')
        .send(zip)
        .expect(202);

      const onboarded = await until(() =>
        received.find(n => n.notificationType === 'AppPackageOnBoarded'),
      );
      expect(onboarded).toMatchObject({
        appPkgId: id,
        operationalState: 'ENABLED',
      });

      await request(server)
        .patch(`${BASE}/app_packages/${id}`)
        .send({ operationalState: 'DISABLED' })
        .expect(200);
      const disabled = await until(() =>
        received.find(n => n.notificationType === 'AppPackageDisabled'),
      );
      expect(disabled.operationalState).toBe('DISABLED');

      await request(server).delete(`${BASE}/app_packages/${id}`).expect(204);
      const deleted = await until(() =>
        received.find(n => n.notificationType === 'AppPackageDeleted'),
      );
      expect(deleted.appPkgId).toBe(id);
      expect(deleted._links.subscription.href).toBe(
        legacy.headers.location ?? deleted._links.subscription.href,
      );

      for (const notification of received) {
        expect(validNotification(notification)).toBe(true);
      }
      // each event went to exactly its subscription type's subscriber
      expect(received.map(n => n.notificationType).sort()).toEqual([
        'AppPackageDeleted',
        'AppPackageDisabled',
        'AppPackageOnBoarded',
      ]);
    });
  },
);
