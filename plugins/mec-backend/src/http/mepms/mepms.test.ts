import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import { mecDriversExtensionPoint } from '@helmmec/plugin-mec-node';
import { Knex } from 'knex';
import { createServer } from 'node:net';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { AppInstanceStore } from '../../database/AppInstanceStore';
import { EdgeHostStore } from '../../database/EdgeHostStore';
import { InMemoryDriver } from '../../lifecycle/__testUtils__/lifecycleFixture';
import { MepmNotificationHub } from '../../mepms/MepmNotificationHub';
import { mecPlugin } from '../../plugin';
import { spec as appLcmSpec } from '../../schema/openapi/generated/app_lcm';
import { spec as hostsSpec } from '../../schema/openapi/generated/hosts';
import { spec as mepmsSpec } from '../../schema/openapi/generated/mepms';
import { createTestDatabases } from '../../__testUtils__/databases';
import { expectConformingResponse } from '../../__testUtils__/openApiConformance';
import { buildExamplePackage, sha256 } from '../../__testUtils__/packages';
import { TokenIssuer } from '../../__testUtils__/tokenIssuer';

jest.setTimeout(180_000);

const databases = createTestDatabases();
const MEC = '/api/mec';
const MiB = 2 ** 20;

// The MEO's clients.
const MEO_ADMIN = 'meo-admin-token-5c1e9a7b3d2f';
const MEO_READER = 'meo-reader-token-8a2d4f6b1c3e';
const NOTIFY = 'meo-notify-token-2b7e4c9a1d5f';
// What the MEO presents to the MEPM, and the MEPM's own administrator.
const MEPM_TOKEN = 'mepm-meo-token-9d3b5a7c2e1f';
const MEPM_ADMIN = 'mepm-admin-token-4e6a8c1b3d5f';
const OAUTH_SECRET = 'oauth-client-secret-7f2a';
const SECRETS = [MEPM_TOKEN, OAUTH_SECRET];

const staticToken = (token: string, subject: string) => ({
  type: 'static',
  options: { token, subject },
  accessRestrictions: [{ plugin: 'mec' }],
});

/** A port nothing listens on: a MEPM that does not answer. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise(r => server.close(r));
  return port;
}

type Server = Parameters<typeof request>[0];

/** Uploads the location-service package and waits until it is onboarded. */
async function onboard(server: Server, token: string) {
  const zip = await buildExamplePackage('location-service');
  const pkg = await request(server)
    .post(`${MEC}/app_pkgm/v1/app_packages`)
    .set('authorization', `Bearer ${token}`)
    .send({
      appPkgName: 'location-service',
      appPkgVersion: '0.1.0',
      checksum: { algorithm: 'SHA-256', hash: sha256(zip) },
    });
  if (pkg.status !== 201) throw new Error(`package not created: ${pkg.text}`);
  await request(server)
    .put(`${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}/package_content`)
    .set('authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/zip')
    .send(zip)
    .expect(202);
  for (let i = 0; i < 300; i++) {
    const { body } = await request(server)
      .get(`${MEC}/app_pkgm/v1/app_packages/${pkg.body.id}`)
      .set('authorization', `Bearer ${token}`);
    if (body.onboardingState === 'ONBOARDED') {
      return { appPkgId: pkg.body.id as string, appDId: body.appDId as string };
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('package not onboarded');
}

const healthy = () => ({
  reachable: true,
  readyNodes: 1,
  totalNodes: 1,
  allocatable: { cpuMillicores: 8000, memoryBytes: 8192 * MiB },
  requested: { cpuMillicores: 0, memoryBytes: 0 },
  checkedAt: new Date(),
});

/**
 * The MEO's registry of MEPMs against a real second backend playing the
 * MEPM (a combined-role backend: its hosts API and app_lcm subscriptions
 * are a MEPM's), both with Backstage's own authentication and static
 * tokens. Every response of the MEO is validated against its documents.
 */
describe.each(databases.eachSupportedId())('/mepms on %p', databaseId => {
  let meo: Server;
  let meoKnex: Knex;
  let mepm: Server;
  let mepmStop: () => Promise<void>;
  let mepmApiRoot: string;
  let meoApiRoot: string;
  let appPkgId: string;
  let mepmAppDId: string;
  let mepmKnex: Knex;
  // The MEO's scheduler: its tasks run when a test triggers them.
  const meoScheduler = mockServices.scheduler();
  const stopped: Array<() => Promise<void>> = [];
  let issuer: TokenIssuer;

  /** A request to the MEO, its response checked against `spec`. */
  async function call(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    template: string,
    options: { body?: unknown; token?: string; spec?: any } = {},
  ) {
    let r = request(meo)
      [method](`${MEC}${path}`)
      .set('authorization', `Bearer ${options.token ?? MEO_ADMIN}`);
    if (options.body !== undefined) r = r.send(options.body as object);
    const res = await r;
    expectConformingResponse(
      options.spec ?? mepmsSpec,
      { method, path: template },
      res,
    );
    return res;
  }

  const onMepm = (
    method: 'get' | 'post' | 'delete',
    path: string,
    token = MEPM_ADMIN,
  ) =>
    request(mepm)
      [method](path.startsWith(MEC) ? path : `${MEC}${path}`)
      .set('authorization', `Bearer ${token}`);

  const hostOf = async (name: string) =>
    call('get', `/hosts/${name}`, '/hosts/{name}', { spec: hostsSpec });

  beforeAll(async () => {
    // The MEPM: a backend with an in-memory driver and two healthy hosts.
    // The MEPM also accepts OAuth 2.0 tokens of this issuer (ETSI MEC 009).
    issuer = await TokenIssuer.start({
      audience: 'helmmec-mepm',
      clients: [{ id: 'helmmec-meo', secret: OAUTH_SECRET }],
    });
    stopped.push(() => issuer.stop());
    mepmKnex = await databases.init(databaseId);
    const driver = new InMemoryDriver();
    const peer = await startTestBackend({
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
        authServiceFactory,
        httpAuthServiceFactory,
        mockServices.database.factory({ knex: mepmKnex }),
        // No scheduled health checks: the test sets each host's status.
        mockServices.scheduler.mock().factory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              auth: {
                externalAccess: [
                  staticToken(MEPM_TOKEN, 'mec-meo'),
                  staticToken(MEPM_ADMIN, 'mepm-admin'),
                  {
                    type: 'jwks',
                    options: {
                      url: issuer.jwksUrl,
                      issuer: issuer.issuer,
                      audience: 'helmmec-mepm',
                      algorithm: 'RS256',
                      subjectPrefix: 'oauth',
                    },
                    accessRestrictions: [{ plugin: 'mec' }],
                  },
                ],
              },
            },
            mec: {
              clients: [
                { subject: 'mec-meo', allow: ['mm1', 'mec.host.read'] },
                {
                  subject: 'external:oauth:helmmec-meo',
                  allow: ['mm1', 'mec.host.read'],
                },
                {
                  subject: 'mepm-admin',
                  allow: mecPermissions.map(p => p.name),
                },
              ],
              encryptionKeys: [
                { id: 'mepm', secret: 'mepm-encryption-passphrase-0123' },
              ],
              // The MEO's callback listens on this machine.
              outbound: { allow: [{ host: '127.0.0.0/8' }, { host: '::1' }] },
            },
          },
        }),
      ],
    });
    mepm = peer.server;
    mepmStop = () => peer.stop();
    stopped.push(mepmStop);
    const mepmPort = (peer.server.address() as AddressInfo).port;
    mepmApiRoot = `http://localhost:${mepmPort}/api/mec`;
    ({ appDId: mepmAppDId } = await onboard(mepm, MEPM_ADMIN));
    for (const name of ['edge-far', 'edge-shared', 'edge-gone', 'edge-kept']) {
      const registered = await onMepm('post', '/hosts').send({
        name,
        url: 'https://127.0.0.1:6443',
        credential: { type: 'serviceAccountToken', token: 'not-used' },
        driver: driver.id,
        labels: { 'topology.kubernetes.io/zone': 'far-away' },
        location: { site: 'site-far' },
      });
      if (registered.status !== 201) {
        throw new Error(`${name} not registered: ${registered.text}`);
      }
      await EdgeHostStore.create({ knex: mepmKnex }).setStatus(name, healthy());
    }

    // The MEO, with a host of its own named like one of the MEPM's.
    meoKnex = await databases.init(databaseId);
    const backend = await startTestBackend({
      features: [
        mecPlugin,
        authServiceFactory,
        httpAuthServiceFactory,
        mockServices.database.factory({ knex: meoKnex }),
        // No scheduled checks: each test checks when it means to.
        createServiceFactory({
          service: coreServices.scheduler,
          deps: {},
          factory: () => meoScheduler,
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              auth: {
                externalAccess: [
                  staticToken(MEO_ADMIN, 'meo-admin'),
                  staticToken(MEO_READER, 'meo-reader'),
                  staticToken(NOTIFY, 'mec-mepm-notify'),
                ],
              },
            },
            mec: {
              role: 'meo',
              api: { pageSize: 2 },
              clients: [
                {
                  subject: 'meo-admin',
                  allow: mecPermissions.map(p => p.name),
                },
                {
                  subject: 'meo-reader',
                  allow: ['mec.mepm.read', 'mec.host.read'],
                },
                { subject: 'mec-mepm-notify', allow: ['mec.mepm.notify'] },
              ],
              encryptionKeys: [
                { id: 'meo', secret: 'meo-encryption-passphrase-0123' },
              ],
              outbound: { allow: [{ host: '127.0.0.1' }] },
              mepms: { notificationToken: NOTIFY },
            },
          },
        }),
      ],
    });
    meo = backend.server;
    stopped.push(() => backend.stop());
    meoApiRoot = `http://localhost:${
      (backend.server.address() as AddressInfo).port
    }/api/mec`;
    ({ appPkgId } = await onboard(meo, MEO_ADMIN));
    const own = await request(meo)
      .post(`${MEC}/hosts`)
      .set('authorization', `Bearer ${MEO_ADMIN}`)
      .send({
        name: 'edge-shared',
        url: 'https://127.0.0.1:6443',
        credential: { type: 'serviceAccountToken', token: 'not-used' },
      });
    if (own.status !== 201) {
      throw new Error(`edge-shared not registered: ${own.text}`);
    }
  });

  afterAll(async () => {
    for (const stop of stopped.reverse()) await stop().catch(() => undefined);
  });

  it('registers a MEPM, mirrors its hosts and never returns its secret', async () => {
    const res = await call('post', '/mepms', '/mepms', {
      body: {
        name: 'mepm-a',
        title: 'Far site',
        apiRoot: mepmApiRoot,
        auth: { type: 'token', token: MEPM_TOKEN },
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${meoApiRoot}/mepms/mepm-a`);
    expect(res.body).toEqual({
      name: 'mepm-a',
      title: 'Far site',
      apiRoot: mepmApiRoot,
      auth: { type: 'token' },
      status: {
        reachable: true,
        checkedAt: expect.any(String),
        hostCount: 3,
        hostsLeftOut: [
          {
            name: 'edge-shared',
            reason:
              'the name is taken by an edge host of this MEO (source api)',
          },
        ],
        subscribed: true,
      },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    for (const res2 of [
      res,
      await call('get', '/mepms/mepm-a', '/mepms/{name}'),
      await call('get', '/mepms', '/mepms'),
    ]) {
      for (const secret of SECRETS) expect(res2.text).not.toContain(secret);
    }
    // At rest too.
    const [stored] = await meoKnex('mepms').where({ name: 'mepm-a' });
    expect(stored.auth_encrypted).toMatch(/^v2\.meo\./);
    expect(JSON.stringify(stored)).not.toContain(MEPM_TOKEN);

    const again = await call('post', '/mepms', '/mepms', {
      body: {
        name: 'mepm-a',
        apiRoot: mepmApiRoot,
        auth: { type: 'token', token: MEPM_TOKEN },
      },
    });
    expect(again.status).toBe(409);
  });

  it("shows the MEPM's hosts in /hosts and in placement, and keeps them the MEPM's", async () => {
    const host = await hostOf('edge-far');
    expect(host.status).toBe(200);
    expect(host.body).toMatchObject({
      name: 'edge-far',
      source: 'mepm',
      mepm: 'mepm-a',
      driver: 'mepm',
      labels: { 'topology.kubernetes.io/zone': 'far-away' },
      location: { site: 'site-far' },
      status: { reachable: true, readyNodes: 1 },
    });
    // The MEO's own host of the same name stays its own.
    expect((await hostOf('edge-shared')).body.source).toBe('api');

    const preview = await call(
      'get',
      `/placement?appPkgId=${appPkgId}`,
      '/placement',
      { spec: hostsSpec },
    );
    expect(preview.status).toBe(200);
    expect(preview.body.hosts).toEqual(
      expect.arrayContaining([
        { name: 'edge-far', fits: true, reasons: [] },
        { name: 'edge-gone', fits: true, reasons: [] },
      ]),
    );

    const patched = await call('patch', '/hosts/edge-far', '/hosts/{name}', {
      body: { labels: {} },
      spec: hostsSpec,
    });
    expect(patched.status).toBe(409);
    expect(patched.body.detail).toMatch(/reported by MEPM 'mepm-a'/);
    const deleted = await call('delete', '/hosts/edge-far', '/hosts/{name}', {
      spec: hostsSpec,
    });
    expect(deleted.status).toBe(409);
    // The MEO cannot check it itself: the MEPM's status stands.
    const checked = await call(
      'post',
      '/hosts/edge-far/check',
      '/hosts/{name}/check',
      { spec: hostsSpec },
    );
    expect(checked.status).toBe(200);
    expect(checked.body.status.reachable).toBe(true);
    // Nor reach it through the Kubernetes proxy.
    const proxied = await request(meo)
      .get(`${MEC}/kubernetes-proxy/edge-far/api/v1/namespaces/x/pods`)
      .set('authorization', `Bearer ${MEO_ADMIN}`);
    expect(proxied.status).toBe(403);

    const local = await call('post', '/hosts', '/hosts', {
      body: {
        name: 'edge-mine',
        url: 'https://127.0.0.1:6443',
        credential: { type: 'serviceAccountToken', token: 'not-used' },
        driver: 'mepm',
      },
      spec: hostsSpec,
    });
    expect(local.status).toBe(400);
    expect(local.body.detail).toMatch(/Driver 'mepm' is only for/);
  });

  it('refuses apiRoots and token endpoints outside mec.mepms.outbound, and bad input', async () => {
    for (const body of [
      {
        name: 'mepm-x',
        apiRoot: 'http://mepm.example.com/api/mec',
        auth: { type: 'token', token: 't' },
      },
      {
        name: 'mepm-x',
        apiRoot: mepmApiRoot,
        auth: {
          type: 'oauth2ClientCredentials',
          tokenEndpoint: 'https://login.example.com/token',
          clientId: 'meo',
          clientSecret: 'oauth-client-secret-7f2a',
        },
      },
      {
        name: 'Not A Name',
        apiRoot: mepmApiRoot,
        auth: { type: 'token', token: 't' },
      },
      { name: 'mepm-x', apiRoot: mepmApiRoot, auth: { type: 'token' } },
    ]) {
      const res = await call('post', '/mepms', '/mepms', { body });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
      for (const secret of SECRETS) expect(res.text).not.toContain(secret);
    }
    const forbidden = await call('post', '/mepms', '/mepms', {
      token: MEO_READER,
      body: {
        name: 'mepm-x',
        apiRoot: mepmApiRoot,
        auth: { type: 'token', token: 't' },
      },
    });
    expect(forbidden.status).toBe(403);
    expect((await call('get', '/mepms/nope', '/mepms/{name}')).status).toBe(
      404,
    );
  });

  it('registers a MEPM that does not answer, and pages the list', async () => {
    const port = await closedPort();
    for (const name of ['mepm-b', 'mepm-c']) {
      const res = await call('post', '/mepms', '/mepms', {
        body: {
          name,
          apiRoot: `http://127.0.0.1:${port}/api/mec`,
          auth: { type: 'token', token: 'never-sent-anywhere' },
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.status).toEqual({
        reachable: false,
        checkedAt: expect.any(String),
        error: expect.stringMatching(/unreachable/),
        hostCount: 0,
        subscribed: false,
      });
    }
    const first = await call('get', '/mepms', '/mepms', { token: MEO_READER });
    expect(first.body.items.map((m: any) => m.name)).toEqual([
      'mepm-a',
      'mepm-b',
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link)![1];
    expect(next.startsWith(`${meoApiRoot}/mepms?`)).toBe(true);
    const second = await call(
      'get',
      new URL(next).pathname.replace(MEC, '') + new URL(next).search,
      '/mepms',
      { token: MEO_READER },
    );
    expect(second.body.items.map((m: any) => m.name)).toEqual(['mepm-c']);
    expect(second.headers.link).toBeUndefined();
    const bad = await call('get', '/mepms?nextpage_opaque_marker=zz', '/mepms');
    expect(bad.status).toBe(400);

    // Removing one without instances takes it away.
    expect(
      (await call('delete', '/mepms/mepm-c', '/mepms/{name}')).status,
    ).toBe(204);
    expect((await call('get', '/mepms/mepm-c', '/mepms/{name}')).status).toBe(
      404,
    );
  });

  it("holds a subscription on the MEPM, re-creates a lost one, and is woken by the MEPM's notifications", async () => {
    // Subscriptions are their subscriber's: read them as the MEO.
    const subscriptions = await onMepm(
      'get',
      '/app_lcm/v1/subscriptions',
      MEPM_TOKEN,
    );
    const ours = subscriptions.body._links.subscriptions ?? [];
    expect(ours).toHaveLength(1);
    const sub = await onMepm('get', new URL(ours[0].href).pathname, MEPM_TOKEN);
    expect(sub.body).toMatchObject({
      subscriptionType: 'AppLcmOpOccStateChangeSubscription',
      callbackUri: `${meoApiRoot}/mepms/mepm-a/notifications`,
    });
    expect(sub.text).not.toContain(NOTIFY);

    // The MEPM lost it: the next check subscribes again.
    await onMepm('delete', new URL(ours[0].href).pathname, MEPM_TOKEN).expect(
      204,
    );
    const checked = await call(
      'post',
      '/mepms/mepm-a/check',
      '/mepms/{name}/check',
    );
    expect(checked.body.status.subscribed).toBe(true);
    const again = await onMepm('get', '/app_lcm/v1/subscriptions', MEPM_TOKEN);
    expect(again.body._links.subscriptions).toHaveLength(1);
    expect(again.body._links.subscriptions[0].href).not.toBe(ours[0].href);

    // A real operation on the MEPM notifies the MEO, which wakes its hub.
    const changed = jest.spyOn(MepmNotificationHub.prototype, 'changed');
    try {
      const instance = await onMepm('post', '/app_lcm/v1/app_instances').send({
        appDId: mepmAppDId,
      });
      expect(instance.status).toBe(201);
      const started = await onMepm(
        'post',
        `/app_lcm/v1/app_instances/${instance.body.id}/instantiate`,
      ).send({});
      expect(started.status).toBe(202);
      const opOccId = started.headers.location.split('/').pop();
      for (
        let i = 0;
        i < 600 &&
        !changed.mock.calls.some(c => c[0] === 'mepm-a' && c[1] === opOccId);
        i++
      ) {
        await new Promise(r => setTimeout(r, 50));
      }
      expect(changed).toHaveBeenCalledWith('mepm-a', opOccId);
    } finally {
      changed.mockRestore();
    }
    const read = await call('get', '/mepms/mepm-a', '/mepms/{name}');
    expect(read.body.notifiedAt).toEqual(expect.any(String));
  });

  it('accepts notifications only with the notification permission', async () => {
    const path = '/mepms/mepm-a/notifications';
    const body = {
      id: 'n-1',
      notificationType: 'AppLcmOpOccStateChangeNotification',
      subscriptionId: 's-1',
      appLcmOpOccId: 'op-1',
      appInstanceId: 'i-1',
    };
    const basic = (password: string) =>
      `Basic ${Buffer.from(`meo:${password}`).toString('base64')}`;
    const post = (authorization?: string) => {
      const r = request(meo).post(`${MEC}${path}`);
      if (authorization) r.set('authorization', authorization);
      return r.send(body);
    };
    for (const [authorization, status] of [
      [basic(NOTIFY), 204],
      [`Bearer ${NOTIFY}`, 204],
      [undefined, 401],
      [basic('wrong-token'), 401],
      [basic(MEO_READER), 403],
    ] as const) {
      const res = await post(authorization);
      expectConformingResponse(
        mepmsSpec,
        { method: 'post', path: '/mepms/{name}/notifications' },
        res,
      );
      expect(res.status).toBe(status);
    }
    const unknown = await request(meo)
      .post(`${MEC}/mepms/mepm-zz/notifications`)
      .set('authorization', `Bearer ${NOTIFY}`)
      .send(body);
    expect(unknown.status).toBe(404);
    // The notifier may do nothing else.
    expect(
      (await call('get', '/mepms', '/mepms', { token: NOTIFY })).status,
    ).toBe(403);
  });

  it("leaves out a second MEPM's hosts whose names the first one's hold, and unsubscribes when it is removed", async () => {
    const res = await call('post', '/mepms', '/mepms', {
      body: {
        name: 'mepm-d',
        apiRoot: mepmApiRoot,
        auth: { type: 'token', token: MEPM_TOKEN },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toMatchObject({
      reachable: true,
      hostCount: 0,
      subscribed: true,
    });
    expect(res.body.status.hostsLeftOut).toEqual(
      expect.arrayContaining([
        {
          name: 'edge-far',
          reason: "the name is taken by a host of MEPM 'mepm-a'",
        },
      ]),
    );
    expect((await hostOf('edge-far')).body.mepm).toBe('mepm-a');
    const subscriptions = () =>
      onMepm('get', '/app_lcm/v1/subscriptions', MEPM_TOKEN).then(
        r => r.body._links.subscriptions ?? [],
      );
    expect(await subscriptions()).toHaveLength(2);
    expect(
      (await call('delete', '/mepms/mepm-d', '/mepms/{name}')).status,
    ).toBe(204);
    expect(await subscriptions()).toHaveLength(1);
    expect((await hostOf('edge-far')).body.mepm).toBe('mepm-a');
  });

  it('reaches a MEPM with OAuth 2.0 client credentials, and shows no client secret', async () => {
    const res = await call('post', '/mepms', '/mepms', {
      body: {
        name: 'mepm-o',
        apiRoot: mepmApiRoot,
        auth: {
          type: 'oauth2ClientCredentials',
          tokenEndpoint: issuer.tokenEndpoint,
          clientId: 'helmmec-meo',
          clientSecret: OAUTH_SECRET,
          scope: 'mec',
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.auth).toEqual({
      type: 'oauth2ClientCredentials',
      tokenEndpoint: issuer.tokenEndpoint,
      clientId: 'helmmec-meo',
      scope: 'mec',
    });
    // Its hosts API and app_lcm answered the issuer's token.
    expect(res.body.status).toMatchObject({
      reachable: true,
      subscribed: true,
    });
    expect(issuer.requests).toContainEqual(
      expect.objectContaining({ clientId: 'helmmec-meo', status: 200 }),
    );
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
    const [stored] = await meoKnex('mepms').where({ name: 'mepm-o' });
    expect(stored.auth_encrypted).not.toContain(OAUTH_SECRET);
    expect(
      (await call('delete', '/mepms/mepm-o', '/mepms/{name}')).status,
    ).toBe(204);
  });

  it('changes title and credentials, checking a new apiRoot against the rules', async () => {
    const titled = await call('patch', '/mepms/mepm-a', '/mepms/{name}', {
      body: { title: null, description: 'The far site' },
    });
    expect(titled.status).toBe(200);
    expect(titled.body.title).toBeUndefined();
    expect(titled.body.description).toBe('The far site');
    const refused = await call('patch', '/mepms/mepm-a', '/mepms/{name}', {
      body: { apiRoot: 'https://mepm.example.com/api/mec' },
    });
    expect(refused.status).toBe(400);
    const rotated = await call('patch', '/mepms/mepm-a', '/mepms/{name}', {
      body: { auth: { type: 'token', token: MEPM_TOKEN } },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.status).toMatchObject({
      reachable: true,
      subscribed: true,
    });
    expect(rotated.text).not.toContain(MEPM_TOKEN);
    expect(
      (
        await call('patch', '/mepms/nope', '/mepms/{name}', {
          body: { title: 'x' },
        })
      ).status,
    ).toBe(404);
  });

  it('drops a host the MEPM no longer reports, keeps one with instances, and refuses to remove the MEPM meanwhile', async () => {
    // An instance of the MEO placed on edge-kept (as the mepm driver would).
    const instance = await call(
      'post',
      '/app_lcm/v1/app_instances',
      '/app_instances',
      {
        body: { appDId: await onboardedAppDId() },
        spec: appLcmSpec,
      },
    );
    expect(instance.status).toBe(201);
    await AppInstanceStore.create({ knex: meoKnex }).setPlacement(
      instance.body.id,
      { hostName: 'edge-kept', namespace: 'ns', releaseName: 'rel' },
    );
    for (const name of ['edge-gone', 'edge-kept']) {
      await onMepm('delete', `/hosts/${name}`).expect(204);
    }
    const checked = await call(
      'post',
      '/mepms/mepm-a/check',
      '/mepms/{name}/check',
    );
    expect(checked.body.status).toMatchObject({
      reachable: true,
      hostCount: 1,
    });
    expect((await hostOf('edge-gone')).status).toBe(404);
    const kept = await hostOf('edge-kept');
    expect(kept.status).toBe(200);
    expect(kept.body.status).toMatchObject({
      reachable: false,
      error: "no longer reported by MEPM 'mepm-a'",
    });

    const refused = await call('delete', '/mepms/mepm-a', '/mepms/{name}');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/1 application instance/);
  });

  it('checks every MEPM in a scheduled round', async () => {
    expect(await meoScheduler.getScheduledTasks()).toContainEqual(
      expect.objectContaining({ id: 'mec-mepm-check', scope: 'global' }),
    );
    const registered = await onMepm('post', '/hosts').send({
      name: 'edge-new',
      url: 'https://127.0.0.1:6443',
      credential: { type: 'serviceAccountToken', token: 'not-used' },
      driver: 'in-memory',
    });
    expect(registered.status).toBe(201);
    await EdgeHostStore.create({ knex: mepmKnex }).setStatus(
      'edge-new',
      healthy(),
    );
    expect((await hostOf('edge-new')).status).toBe(404);
    await meoScheduler.triggerTask('mec-mepm-check');
    const host = await hostOf('edge-new');
    expect(host.status).toBe(200);
    expect(host.body).toMatchObject({ mepm: 'mepm-a', source: 'mepm' });
    // The unreachable MEPM of the round did not stop it.
    const b = await call('get', '/mepms/mepm-b', '/mepms/{name}');
    expect(b.body.status.reachable).toBe(false);
  });

  it("makes a MEPM's hosts unhealthy for placement when it stops answering", async () => {
    await mepmStop();
    const checked = await call(
      'post',
      '/mepms/mepm-a/check',
      '/mepms/{name}/check',
    );
    expect(checked.status).toBe(200);
    expect(checked.body.status).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/unreachable/),
      subscribed: false,
    });
    const host = await hostOf('edge-far');
    expect(host.body.status).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/^MEPM 'mepm-a' is unreachable/),
    });
    const preview = await call(
      'get',
      `/placement?appPkgId=${appPkgId}`,
      '/placement',
      { spec: hostsSpec },
    );
    const far = preview.body.hosts.find((h: any) => h.name === 'edge-far');
    expect(far.fits).toBe(false);
  });

  /** The appDId of the package onboarded on the MEO. */
  async function onboardedAppDId(): Promise<string> {
    const { body } = await request(meo)
      .get(`${MEC}/app_pkgm/v1/app_packages/${appPkgId}`)
      .set('authorization', `Bearer ${MEO_ADMIN}`);
    return body.appDId;
  }
});
