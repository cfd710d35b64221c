import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { mecPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/databases';

jest.setTimeout(120_000);

const databases = createTestDatabases();

// Hostile input that used to reach the database (and fail there with a 500
// on PostgreSQL) or overflow the stack is refused up front with a 400.
describe.each(databases.eachSupportedId())(
  'request limits on %p',
  databaseId => {
    let server: Parameters<typeof request>[0];

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mecPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: { mec: { apiRoot: 'http://meo.example.com/api/mec' } },
          }),
        ],
      });
      server = backend.server;
    });

    const long = 'x'.repeat(300);
    const pkg = {
      appPkgName: 'limits',
      appPkgVersion: '1.0.0',
      checksum: { algorithm: 'SHA-256', hash: 'ab' },
    };
    const host = {
      name: 'edge-limits',
      url: 'https://edge.example.com:6443',
      credential: { type: 'serviceAccountToken', token: 't' },
    };

    /** What a response shows of itself: status, media type and body. */
    const answer = (res: request.Response) => ({
      status: res.status,
      type: res.headers['content-type'],
      body: res.body,
    });

    /** A 400 ProblemDetails whose detail matches. */
    const badRequest = (detail: RegExp) => ({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { status: 400, detail: expect.stringMatching(detail) },
    });

    it('stores strings up to their limit', async () => {
      const res = await request(server)
        .post('/api/mec/app_pkgm/v1/app_packages')
        .send({ ...pkg, appPkgName: 'x'.repeat(255) });
      expect(res.status).toBe(201);
    });

    it.each([
      ['/app_pkgm/v1/app_packages', { ...pkg, appPkgName: long }],
      ['/app_pkgm/v1/app_packages', { ...pkg, appPkgVersion: long }],
      [
        '/app_pkgm/v1/app_packages',
        { ...pkg, checksum: { algorithm: 'SHA-256', hash: long } },
      ],
      ['/app_lcm/v1/app_instances', { appDId: long }],
      ['/app_lcm/v1/app_instances', { appDId: 'd', appInstanceName: long }],
      ['/hosts', { ...host, title: long }],
      ['/hosts', { ...host, driver: long }],
      ['/hosts', { ...host, name: long }],
    ])('refuses a string over its limit: POST %s', async (path, body) => {
      const res = await request(server).post(`/api/mec${path}`).send(body);
      expect(answer(res)).toMatchObject(
        badRequest(/must NOT have more than \d+ characters/),
      );
    });

    it('refuses a host title over its limit in PATCH', async () => {
      const res = await request(server)
        .patch('/api/mec/hosts/edge-limits')
        .send({ title: long });
      expect(answer(res)).toMatchObject(
        badRequest(/must NOT have more than 255 characters/),
      );
    });

    it.each([
      ['/app_pkgm/v1/app_packages', { ...pkg, appPkgName: 'a\u0000b' }],
      [
        '/app_lcm/v1/app_instances',
        { appDId: 'd', appInstanceName: 'a\u0000' },
      ],
      ['/hosts', { ...host, description: '\u0000' }],
    ])('refuses NUL in a string: POST %s', async (path, body) => {
      const res = await request(server).post(`/api/mec${path}`).send(body);
      expect(answer(res)).toMatchObject(badRequest(/NUL/));
    });

    it('refuses NUL in a path parameter', async () => {
      const res = await request(server).get(
        '/api/mec/app_lcm/v1/app_instances/a%00b',
      );
      expect(answer(res)).toMatchObject(badRequest(/NUL/));
    });

    it('refuses userDefinedData nested 8,000 levels deep', async () => {
      const res = await request(server)
        .post('/api/mec/app_pkgm/v1/app_packages')
        .set('Content-Type', 'application/json')
        .send(
          `{"appPkgName":"deep","appPkgVersion":"1","checksum":{"algorithm":"SHA-256","hash":"ab"},` +
            `"userDefinedData":{"a":${'['.repeat(8000)}${']'.repeat(8000)}}}`,
        );
      expect(answer(res)).toMatchObject(badRequest(/deeper than 32 levels/));
    });
  },
);
