import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import { AppPackageStore } from './database/AppPackageStore';
import type { AppPackage as AppPackageRecord } from './packages/model';
import { mecPlugin } from './plugin';
import { spec as appPkgmSpec } from './schema/openapi/generated/app_pkgm';
import { createTestDatabases } from './__testUtils__/databases';
import { expectConformingResponse } from './__testUtils__/openApiConformance';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function aPackage(overrides: Partial<AppPackageRecord>): AppPackageRecord {
  const now = new Date('2026-11-27T10:00:00Z');
  return {
    id: 'pkg-1',
    appPkgName: 'video-analytics',
    appPkgVersion: '1.0.0',
    appDId: 'appd-video-analytics',
    appName: 'video-analytics',
    appProvider: 'HelmMEC examples',
    appSoftwareVersion: '1.0.0',
    appDVersion: '1.0',
    checksum: { algorithm: 'SHA-256', hash: 'ab'.repeat(32) },
    onboardingState: 'ONBOARDED',
    operationalState: 'ENABLED',
    usageState: 'NOT_IN_USE',
    mecInfo: ['3.1.1'],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())('mec plugin on %p', databaseId => {
  let server: Parameters<typeof request>[0];
  let store: AppPackageStore;

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            mec: {
              apiRoot: 'http://meo.example.com/api/mec',
              clients: [{ subject: 'external:mec-api-client', allow: ['mm1'] }],
            },
          },
        }),
      ],
    });
    server = backend.server;
    store = AppPackageStore.create({ knex });
  });

  const list = (query = '') =>
    request(server).get(`/api/mec/app_pkgm/v1/app_packages${query}`);
  const conforms = (res: request.Response) =>
    expectConformingResponse(
      appPkgmSpec,
      { method: 'get', path: '/app_packages' },
      res,
    );

  it('lists no packages as an empty array', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    conforms(res);
  });

  it('lists stored packages as AppPkgInfo, without default-excluded attributes', async () => {
    await store.insertAppPackage(aPackage({ id: 'pkg-1' }));
    await store.insertAppPackage(
      aPackage({
        id: 'pkg-2',
        appPkgName: 'location-service',
        appDId: 'appd-location',
        appName: 'location-service',
        operationalState: 'DISABLED',
        createdAt: new Date('2026-11-27T11:00:00Z'),
      }),
    );
    const res = await list();
    expect(res.status).toBe(200);
    conforms(res);
    expect(res.body.map((p: any) => p.id)).toEqual(['pkg-1', 'pkg-2']);
    expect(res.body[0]).toEqual({
      id: 'pkg-1',
      appDId: 'appd-video-analytics',
      appProvider: 'HelmMEC examples',
      appName: 'video-analytics',
      appSoftwareVersion: '1.0.0',
      appDVersion: '1.0',
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      usageState: 'NOT_IN_USE',
      mecInfo: ['3.1.1'],
      _links: {
        self: {
          href: 'http://meo.example.com/api/mec/app_pkgm/v1/app_packages/pkg-1',
        },
        appD: {
          href: 'http://meo.example.com/api/mec/app_pkgm/v1/app_packages/pkg-1/appd',
        },
        appPkgContent: {
          href: 'http://meo.example.com/api/mec/app_pkgm/v1/app_packages/pkg-1/package_content',
        },
      },
    });
  });

  it('honours all_fields and fields', async () => {
    const all = await list('?all_fields');
    conforms(all);
    expect(all.body[0].checksum).toEqual({
      algorithm: 'SHA-256',
      hash: 'ab'.repeat(32),
    });
    expect(all.body[0].softwareImages).toEqual([]);

    const some = await list('?fields=checksum');
    conforms(some);
    expect(some.body[0].checksum).toBeDefined();
    expect(some.body[0].softwareImages).toBeUndefined();
  });

  it('filters with the ETSI attribute filter, written raw or URL-encoded', async () => {
    const raw = await list('?filter=(eq,operationalState,DISABLED)');
    conforms(raw);
    expect(raw.body.map((p: any) => p.id)).toEqual(['pkg-2']);

    const encoded = await list(
      `?filter=${encodeURIComponent(
        "(cont,appName,video);(neq,appDId,'x,y')",
      )}`,
    );
    conforms(encoded);
    expect(encoded.body.map((p: any) => p.id)).toEqual(['pkg-1']);

    const nested = await list('?filter=(eq,_links/self/href,nothing)');
    expect(nested.body).toEqual([]);
  });

  it.each([
    ['(eq,noSuchAttribute,1)', /unknown attribute 'noSuchAttribute'/],
    ['(like,appName,x)', /unknown operator 'like'/],
    ['(eq,appName,x', /missing '\)'/],
    ['(gt,appName,a,b)', /exactly one value/],
  ])('answers 400 ProblemDetails for the filter %s', async (filter, detail) => {
    const res = await list(`?filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(detail);
    conforms(res);
  });

  it('answers 400 for unknown query parameters and bad selectors', async () => {
    const unknown = await list('?page=2');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ status: 400, title: 'Bad Request' });
    conforms(unknown);

    const selector = await list('?fields=noSuch');
    expect(selector.status).toBe(400);
    expect(selector.body.detail).toMatch(/Invalid attribute selector/);
  });

  it('answers 401 ProblemDetails without credentials', async () => {
    const res = await list().set(
      'Authorization',
      mockCredentials.none.header(),
    );
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    conforms(res);

    const unknownRoute = await request(server)
      .get('/api/mec/whatever')
      .set('Authorization', mockCredentials.none.header());
    expect(unknownRoute.status).toBe(401);
  });

  it('accepts service credentials, as an external MEO presents them', async () => {
    const res = await list().set(
      'Authorization',
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('external:mec-api-client'),
        targetPluginId: 'mec',
      }),
    );
    expect(res.status).toBe(200);
  });

  it('answers 404 ProblemDetails for unknown routes and 405 for unsupported methods', async () => {
    const missing = await request(server).get('/api/mec/app_pkgm/v1/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(
      /^application\/problem\+json/,
    );
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });
    expect(JSON.stringify(missing.body)).not.toMatch(/at .*\.ts/);

    const wrongMethod = await request(server).delete(
      '/api/mec/app_pkgm/v1/app_packages',
    );
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST, GET, HEAD');
    expect(wrongMethod.body).toMatchObject({ status: 405 });
  });
});

describe('mec permissions for portal users', () => {
  it('refuses a user whom the permission policy denies, and explains why', async () => {
    const { AuthorizeResult } = await import(
      '@backstage/plugin-permission-common'
    );
    const { server } = await startTestBackend({
      features: [
        mecPlugin,
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
    });
    const denied = await request(server)
      .post('/api/mec/app_pkgm/v1/app_packages')
      .set('Authorization', mockCredentials.user.header())
      .send({
        appPkgName: 'x',
        appPkgVersion: '1',
        checksum: { algorithm: 'SHA-256', hash: 'ab' },
      });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toBe(
      'You do not hold permission mec.package.onboard',
    );

    // reads need their permission too
    const list = await request(server)
      .get('/api/mec/app_pkgm/v1/app_packages')
      .set('Authorization', mockCredentials.user.header());
    expect(list.status).toBe(403);

    // an external MEO is a service: mec.clients governs it, and lists none here
    const asService = await request(server)
      .post('/api/mec/app_pkgm/v1/app_packages')
      .set('Authorization', mockCredentials.service.header())
      .send({
        appPkgName: 'x',
        appPkgVersion: '1',
        checksum: { algorithm: 'SHA-256', hash: 'ab' },
      });
    expect(asService.status).toBe(403);
    expect(asService.body.detail).toMatch(
      /^Client 'external:test-service' does not hold permission mec\.package\.onboard/,
    );
  });
});
