import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import express from 'express';
import { Knex } from 'knex';
import request from 'supertest';
import { applyDatabaseMigrations } from '../../database/migrations';
import { SubscriptionStore } from '../../notifications/SubscriptionStore';
import { OutboundUrlPolicy } from '../../outbound/OutboundUrlPolicy';
import { parseIp } from '../../outbound/addresses';
import { spec } from '../../schema/openapi/generated/app_pkgm';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { problemDetailsErrorHandler } from '../problemDetails';
import { addAppPkgmSubscriptionRoutes } from './subscriptionRoutes';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const apiBase = 'http://meo.example.com/api/mec/app_pkgm/v1';
const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');

describe.each(databases.eachSupportedId())(
  'app_pkgm subscriptions on %p',
  id => {
    let knex: Knex;
    let app: express.Express;
    let store: SubscriptionStore;

    beforeAll(async () => {
      knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      store = SubscriptionStore.create({ knex });
      const router = createValidatedOpenApiRouter<typeof spec>(spec, {
        validatorOptions: { validateSecurity: false },
      });
      addAppPkgmSubscriptionRoutes(router, {
        subscriptions: store,
        outboundPolicy: OutboundUrlPolicy.create({
          allow: [
            { host: '127.0.0.1', schemes: ['http'] },
            { host: '*.example.com', schemes: ['https'] },
          ],
          lookup: async host =>
            host === 'internal.example.com'
              ? [parseIp('192.168.1.10')!]
              : [parseIp('93.184.216.34')!],
        }),
        apiBase: async () => apiBase,
        httpAuth: mockServices.httpAuth(),
      });
      app = express()
        .use(router)
        .use(
          problemDetailsErrorHandler({ logger: mockServices.logger.mock() }),
        );
    });

    beforeEach(async () => {
      await knex('mec_subscriptions').delete();
    });

    const post = (body: object, auth = alice) =>
      request(app).post('/subscriptions').set('authorization', auth).send(body);
    const conformsTo = (method: string, path: string) => (res: any) =>
      expectConformingResponse(spec, { method, path }, res);
    const postConforms = conformsTo('post', '/subscriptions');

    it('creates a subscription: 201, Location, AppPkgSubscriptionInfo', async () => {
      const res = await post({
        callbackUri: 'https://oss.example.com/notify',
        subscriptionType: 'AppPackageChangeSubscription',
        appPkgFilter: [{ appDId: 'appd-1', operationalState: 'DISABLED' }],
        authentication: {
          authType: ['BASIC'],
          paramsBasic: { userName: 'meo', password: 'secret-pw' },
        },
      });
      expect(res.status).toBe(201);
      postConforms(res);
      const self = `${apiBase}/subscriptions/${res.body.id}`;
      expect(res.headers.location).toBe(self);
      expect(res.body).toEqual({
        id: expect.any(String),
        subscriptionType: 'AppPackageChangeSubscription',
        callbackUri: 'https://oss.example.com/notify',
        appPkgFilter: [{ appDId: 'appd-1', operationalState: 'DISABLED' }],
        _links: { self: { href: self } },
      });
      expect(res.text).not.toContain('secret-pw');

      const read = await request(app)
        .get(`/subscriptions/${res.body.id}`)
        .set('authorization', alice);
      expect(read.status).toBe(200);
      conformsTo('get', '/subscriptions/{subscriptionId}')(read);
      expect(read.body).toEqual(res.body);
      expect(read.text).not.toContain('secret-pw');
    });

    it.each([
      ['AppPackageOnBoarding', 'AppPackageOnBoardingSubscription'],
      ['AppPacakgeOperationChange', 'AppPackageChangeSubscription'],
      ['AppPackageDeletion', 'AppPackageDeletionSubscription'],
    ])(
      'accepts the v2.1.1 subsctiptionType %s as %s',
      async (legacy, current) => {
        const res = await post({
          callbackUri: 'http://127.0.0.1:9/notify',
          subsctiptionType: legacy,
        });
        expect(res.status).toBe(201);
        postConforms(res);
        expect(res.body.subscriptionType).toBe(current);
        expect(res.body).not.toHaveProperty('subsctiptionType');
      },
    );

    it.each([
      [
        'no subscription type',
        { callbackUri: 'https://oss.example.com/n' },
        'subscriptionType is required',
      ],
      [
        'both spellings',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageDeletionSubscription',
          subsctiptionType: 'AppPackageDeletion',
        },
        'not both',
      ],
      [
        'operationalState outside a change subscription',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageOnBoardingSubscription',
          appPkgFilter: [{ operationalState: 'ENABLED' }],
        },
        'appPkgFilter[0].operationalState is only allowed with subscriptionType AppPackageChangeSubscription',
      ],
      [
        'appPkgInfoId with appDId',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageDeletionSubscription',
          appPkgFilter: [{}, { appPkgInfoId: 'p', appDId: 'd' }],
        },
        'appPkgFilter[1] may give appPkgInfoId or appDId, not both',
      ],
      [
        'a callback host that is not allowed',
        {
          callbackUri: 'https://attacker.example.net/n',
          subscriptionType: 'AppPackageDeletionSubscription',
        },
        'no mec.outbound.allow rule matches',
      ],
      [
        'a callback resolving to a private address',
        {
          callbackUri: 'https://internal.example.com/n',
          subscriptionType: 'AppPackageDeletionSubscription',
        },
        'resolves to 192.168.1.10, a private address',
      ],
      [
        'BASIC without its parameters',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageDeletionSubscription',
          authentication: { authType: ['BASIC'] },
        },
        'paramsBasic is required',
      ],
      [
        'an OAuth 2.0 token endpoint that is not allowed',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageDeletionSubscription',
          authentication: {
            authType: ['OAUTH2_CLIENT_CREDENTIALS'],
            paramsOauth2ClientCredentials: {
              clientId: 'c',
              clientPassword: 'p',
              tokenEndpoint: 'http://169.254.169.254/token',
            },
          },
        },
        'not allowed',
      ],
      [
        'an unknown attribute',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageDeletionSubscription',
          filter: 'x',
        },
        '',
      ],
      [
        'a wrong enum value',
        {
          callbackUri: 'https://oss.example.com/n',
          subscriptionType: 'AppPackageEverything',
        },
        '',
      ],
    ])('answers 400 for %s', async (_what, body, detail) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      postConforms(res);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.parse(res.text).detail).toContain(detail);
      const [{ n }] = await knex('mec_subscriptions').count({ n: '*' });
      expect(Number(n)).toBe(0);
    });

    it("lists, reads and deletes only the requestor's subscriptions", async () => {
      const mine = await post({
        callbackUri: 'https://oss.example.com/a',
        subscriptionType: 'AppPackageOnBoardingSubscription',
      });
      const theirs = await post(
        {
          callbackUri: 'https://oss.example.com/b',
          subscriptionType: 'AppPackageDeletionSubscription',
        },
        bob,
      );

      const list = await request(app)
        .get('/subscriptions')
        .set('authorization', alice);
      expect(list.status).toBe(200);
      conformsTo('get', '/subscriptions')(list);
      expect(list.body).toEqual({
        _links: {
          self: { href: `${apiBase}/subscriptions` },
          subscriptions: [
            {
              href: `${apiBase}/subscriptions/${mine.body.id}`,
              subscriptionType: 'AppPackageOnBoardingSubscription',
            },
          ],
        },
      });

      const other = await request(app)
        .get(`/subscriptions/${theirs.body.id}`)
        .set('authorization', alice);
      expect(other.status).toBe(404);
      conformsTo('get', '/subscriptions/{subscriptionId}')(other);

      const refused = await request(app)
        .delete(`/subscriptions/${theirs.body.id}`)
        .set('authorization', alice);
      expect(refused.status).toBe(404);
      conformsTo('delete', '/subscriptions/{subscriptionId}')(refused);

      const deleted = await request(app)
        .delete(`/subscriptions/${mine.body.id}`)
        .set('authorization', alice);
      expect(deleted.status).toBe(204);
      conformsTo('delete', '/subscriptions/{subscriptionId}')(deleted);

      const gone = await request(app)
        .get(`/subscriptions/${mine.body.id}`)
        .set('authorization', alice);
      expect(gone.status).toBe(404);

      const empty = await request(app)
        .get('/subscriptions')
        .set('authorization', alice);
      conformsTo('get', '/subscriptions')(empty);
      expect(empty.body._links.subscriptions).toEqual([]);
      expect(
        (await store.listSubscriptions('app_pkgm')).map(s => s.owner),
      ).toEqual(['user:default/bob']);
    });
  },
);
