import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  mecDriversExtensionPoint,
  type MecEdgeDriver,
} from '@helmmec/plugin-mec-node';
import request from 'supertest';
import { mecPlugin } from '../../plugin';
import { spec } from '../../schema/openapi/generated/hosts';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const MEC = '/api/mec';

// Never called: listing and naming a driver does not deploy anything.
const moduleDriver: MecEdgeDriver = {
  id: 'example',
  install: () => Promise.reject(new Error('not in this test')),
  uninstall: () => Promise.reject(new Error('not in this test')),
  operate: () => Promise.reject(new Error('not in this test')),
  status: () => Promise.reject(new Error('not in this test')),
};

// External MEO/OSS callers are services: mec.clients gives them permissions.
const asService = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('external:mec-api-client'),
  targetPluginId: 'mec',
});

describe.each(databases.eachSupportedId())(
  '/edge_drivers on %p',
  databaseId => {
    let server: Parameters<typeof request>[0];

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          createBackendModule({
            pluginId: 'mec',
            moduleId: 'example-driver',
            register(env) {
              env.registerInit({
                deps: { drivers: mecDriversExtensionPoint },
                async init({ drivers }) {
                  drivers.addDriver(moduleDriver);
                },
              });
            },
          }),
          mockServices.database.factory({ knex }),
          mockServices.scheduler.mock().factory,
          // Users: the policy denies everything, reads included.
          mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
          mockServices.rootConfig.factory({
            data: {
              mec: {
                hosts: { encryptionKey: 'edge-drivers-passphrase-0123456789' },
                clients: [
                  {
                    subject: 'external:mec-api-client',
                    allow: ['mec.host.read', 'mec.host.register'],
                  },
                ],
              },
            },
          }),
        ],
      });
      server = backend.server;
    });

    async function listDrivers(authorization: string) {
      const res = await request(server)
        .get(`${MEC}/edge_drivers`)
        .set('Authorization', authorization);
      expectConformingResponse(
        spec,
        { method: 'get', path: '/edge_drivers' },
        res,
      );
      return res;
    }

    it('lists the built-in drivers and those modules add, sorted by id', async () => {
      const res = await listDrivers(asService);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        drivers: [{ id: 'example' }, { id: 'flux' }, { id: 'helm' }],
      });
      // like the hosts, the drivers need mec.host.read
      expect((await listDrivers(mockCredentials.user.header())).status).toBe(
        403,
      );
    });

    it('is authenticated like the list of hosts', async () => {
      const anonymous = await listDrivers(mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ status: 401 });

      const hosts = await request(server)
        .get(`${MEC}/hosts`)
        .set('Authorization', mockCredentials.none.header());
      expect(hosts.status).toBe(401);
    });

    it('answers 405 for other methods', async () => {
      const res = await request(server)
        .post(`${MEC}/edge_drivers`)
        .set('Authorization', asService)
        .send({ id: 'other' });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    });

    it('accepts a listed driver for a host and refuses others, naming the listed ones', async () => {
      const register = (name: string, driver: string) =>
        request(server)
          .post(`${MEC}/hosts`)
          .set('Authorization', asService)
          .send({
            name,
            url: 'https://127.0.0.1:6443',
            credential: { type: 'serviceAccountToken', token: 'not-used' },
            driver,
            probe: false,
          });

      const listed = await register('edge-example', 'example');
      expect(listed.status).toBe(201);
      expect(listed.body.driver).toBe('example');

      const unknown = await register('edge-unknown', 'kustomize');
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toMatch(/example, flux, helm/);
    });
  },
);
