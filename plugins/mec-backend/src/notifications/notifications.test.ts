import { mockServices } from '@backstage/backend-test-utils';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Knex } from 'knex';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { applyDatabaseMigrations } from '../database/migrations';
import { OutboundUrlPolicy } from '../outbound/OutboundUrlPolicy';
import { SecretCipher } from '../secrets';
import { spec } from '../schema/openapi/generated/app_pkgm';
import { createTestDatabases } from '../__testUtils__/databases';
import { TestSubscriber } from './__testUtils__/subscriber';
import { AppPackageEvent, publishPackageEvent } from './appPkgm';
import {
  NotificationDeliveryOptions,
  NotificationDeliveryWorker,
} from './NotificationDeliveryWorker';
import { NotificationOutbox } from './NotificationOutbox';
import {
  DELIVERIES_TABLE,
  NewSubscription,
  SubscriptionStore,
  SUBSCRIPTIONS_TABLE,
} from './SubscriptionStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(JSON.parse(JSON.stringify(spec)), 'spec');
const validateNotification = ajv.getSchema(
  'spec#/components/schemas/AppPkgNotification',
)!;

const apiBase = 'http://meo.example.com/api/mec/app_pkgm/v1';

function event(overrides: Partial<AppPackageEvent> = {}): AppPackageEvent {
  return {
    notificationType: 'AppPackageOnBoarded',
    appPkgId: 'pkg-1',
    appDId: 'appd-1',
    appProvider: 'HelmMEC examples',
    appName: 'video-analytics',
    appSoftwareVersion: '1.0.0',
    appDVersion: '1.0',
    operationalState: 'ENABLED',
    usageState: 'NOT_IN_USE',
    apiBase,
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe.each(databases.eachSupportedId())('notifications on %p', id => {
  let knex: Knex;
  let subscriber: TestSubscriber;
  let tokenServer: TestSubscriber;
  let store: SubscriptionStore;
  let outbox: NotificationOutbox;
  const policy = OutboundUrlPolicy.create({
    allow: [{ host: '127.0.0.1', schemes: ['http'] }],
  });
  const logger = mockServices.logger.mock();
  // Callback credentials are stored encrypted; the worker decrypts them.
  const cipher = SecretCipher.fromKeys([
    { id: 'test', secret: 'notification tests passphrase' },
  ]);

  const fastRetries: Partial<NotificationDeliveryOptions> = {
    initialBackoffMs: 30,
    backoffFactor: 2,
    maxBackoffMs: 200,
    maxAgeMs: 60_000,
    requestTimeoutMs: 2_000,
  };
  const worker = (options: Partial<NotificationDeliveryOptions> = {}) =>
    NotificationDeliveryWorker.create({
      knex,
      outboundPolicy: policy,
      logger,
      cipher,
      options: { ...fastRetries, ...options },
    });

  const subscribe = (overrides: Partial<NewSubscription> = {}) =>
    store.createSubscription({
      api: 'app_pkgm',
      subscriptionType: 'AppPackageOnBoardingSubscription',
      callbackUri: subscriber.url(),
      owner: 'user:default/alice',
      ...overrides,
    });

  const deliveries = () =>
    knex(DELIVERIES_TABLE).select().orderBy('created_at', 'asc');

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    store = SubscriptionStore.create({ knex, cipher });
    outbox = NotificationOutbox.create({ knex });
    subscriber = await TestSubscriber.start();
    tokenServer = await TestSubscriber.start();
  });

  afterAll(async () => {
    await subscriber.stop();
    await tokenServer.stop();
  });

  beforeEach(async () => {
    await knex(DELIVERIES_TABLE).delete();
    await knex(SUBSCRIPTIONS_TABLE).delete();
    subscriber.received.length = 0;
    subscriber.respond = () => ({ status: 204 });
    if (!(await fetch(subscriber.url()).catch(() => undefined))) {
      await subscriber.restart();
    }
    subscriber.received.length = 0;
  });

  it('delivers one event to two subscribers with the same notification id', async () => {
    const a = await subscribe({ callbackUri: subscriber.url('/a') });
    const b = await subscribe({ callbackUri: subscriber.url('/b') });
    await subscribe({ subscriptionType: 'AppPackageDeletionSubscription' });

    const published = await knex.transaction(trx =>
      publishPackageEvent(outbox, trx, event()),
    );
    expect(published.deliveries).toBe(2);

    const summary = await worker().deliverDue();
    expect(summary).toEqual({ claimed: 2, delivered: 2, retrying: 0, dead: 0 });

    const [toA] = subscriber.bodies('/a');
    const [toB] = subscriber.bodies('/b');
    expect(subscriber.received).toHaveLength(2);
    for (const [body, subscription] of [
      [toA, a],
      [toB, b],
    ] as const) {
      expect(validateNotification(body)).toBe(true);
      expect(body).toEqual({
        id: published.notificationId,
        notificationType: 'AppPackageOnBoarded',
        subscriptionId: subscription.id,
        timeStamp: {
          seconds: expect.any(Number),
          nanoSeconds: expect.any(Number),
        },
        appPkgId: 'pkg-1',
        appDId: 'appd-1',
        operationalState: 'ENABLED',
        _links: {
          subscription: { href: `${apiBase}/subscriptions/${subscription.id}` },
        },
      });
    }
    expect(toA.timeStamp).toEqual(toB.timeStamp);
    expect(subscriber.received[0].headers['content-type']).toBe(
      'application/json',
    );
    expect((await deliveries()).map(d => d.state)).toEqual([
      'delivered',
      'delivered',
    ]);
    // Nothing is sent twice.
    expect((await worker().deliverDue()).claimed).toBe(0);
  });

  it('routes by subscription type and honours appPkgFilter', async () => {
    const change = await subscribe({
      subscriptionType: 'AppPackageChangeSubscription',
      filter: [{ appDId: 'appd-1', operationalState: 'DISABLED' }],
    });
    await subscribe({
      subscriptionType: 'AppPackageChangeSubscription',
      filter: [{ appName: 'other-app' }],
    });
    const deletion = await subscribe({
      subscriptionType: 'AppPackageDeletionSubscription',
    });

    await publishPackageEvent(outbox, knex, event());
    await publishPackageEvent(
      outbox,
      knex,
      event({ notificationType: 'AppPackageEnabled' }),
    );
    await publishPackageEvent(
      outbox,
      knex,
      event({
        notificationType: 'AppPackageDisabled',
        operationalState: 'DISABLED',
      }),
    );
    await publishPackageEvent(
      outbox,
      knex,
      event({
        notificationType: 'AppPackageDeleted',
        operationalState: 'DISABLED',
      }),
    );
    await worker().deliverDue();
    const got = subscriber
      .bodies()
      .map(b => [b.subscriptionId, b.notificationType])
      .sort();
    expect(got).toEqual(
      [
        [change.id, 'AppPackageDisabled'],
        [deletion.id, 'AppPackageDeleted'],
      ].sort(),
    );
  });

  it('queues nothing when the publishing transaction rolls back', async () => {
    await subscribe();
    await expect(
      knex.transaction(async trx => {
        await publishPackageEvent(outbox, trx, event());
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await deliveries()).toEqual([]);
  });

  it('wakes the worker after the publishing transaction commits', async () => {
    await subscribe();
    const w = worker({ pollIntervalMs: 60_000 });
    const wake = jest.spyOn(w, 'wake');
    outbox.onPublished(() => w.wake());
    await knex.transaction(async trx => {
      await publishPackageEvent(outbox, trx, event());
      expect(wake).not.toHaveBeenCalled();
    });
    expect(wake).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 100 && subscriber.received.length === 0; i++) {
      await sleep(20);
    }
    expect(subscriber.bodies()).toHaveLength(1);
    // The listener stays registered for later tests; make it harmless.
    wake.mockImplementation(() => {});
  });

  it('tells listeners of an event that no one subscribed to, after commit', async () => {
    const seen: unknown[] = [];
    outbox.onPublished(e => seen.push(e));
    await knex.transaction(async trx => {
      await publishPackageEvent(outbox, trx, event());
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([
      expect.objectContaining({
        api: 'app_pkgm',
        subject: { appPkgId: expect.any(String) },
        deliveries: 0,
      }),
    ]);
    seen.length = 0;
    await expect(
      knex.transaction(async trx => {
        await publishPackageEvent(outbox, trx, event());
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(seen).toEqual([]);
  });

  it('retries a subscriber that is down until it comes back', async () => {
    await subscribe();
    await subscriber.stop();
    await publishPackageEvent(outbox, knex, event());
    const w = worker();

    const first = await w.deliverDue();
    expect(first).toMatchObject({ claimed: 1, retrying: 1 });
    let [row] = await deliveries();
    expect(row.state).toBe('pending');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/ECONNREFUSED/);

    await sleep(40);
    expect(await w.deliverDue()).toMatchObject({ retrying: 1 });
    // Not yet due: the second retry waits 60 ms.
    expect((await w.deliverDue()).claimed).toBe(0);

    await subscriber.restart();
    await sleep(80);
    expect(await w.deliverDue()).toMatchObject({ delivered: 1 });
    [row] = await deliveries();
    expect(row.state).toBe('delivered');
    expect(row.attempts).toBe(3);
    expect(subscriber.bodies()).toHaveLength(1);
  });

  it('retries after an error status and gives up after maxAge', async () => {
    await subscribe();
    let failures = 1;
    subscriber.respond = () =>
      failures-- > 0 ? { status: 500, body: 'oops' } : { status: 204 };
    await publishPackageEvent(outbox, knex, event());
    const w = worker();
    expect(await w.deliverDue()).toMatchObject({ retrying: 1 });
    expect((await deliveries())[0].last_error).toBe(
      'The subscriber answered HTTP 500',
    );
    await sleep(40);
    expect(await w.deliverDue()).toMatchObject({ delivered: 1 });
    expect(subscriber.received).toHaveLength(2);

    subscriber.respond = () => ({ status: 503 });
    await publishPackageEvent(outbox, knex, event());
    const impatient = worker({ maxAgeMs: 10 });
    expect(await impatient.deliverDue()).toMatchObject({ dead: 1 });
    const dead = (await deliveries()).find(d => d.state === 'dead');
    expect(dead.last_error).toBe('The subscriber answered HTTP 503');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Gave up notification'),
    );
  });

  it('authenticates with HTTP Basic', async () => {
    await subscribe({
      authentication: {
        authType: ['BASIC'],
        paramsBasic: { userName: 'meo', password: 's3cret' },
      },
    });
    await publishPackageEvent(outbox, knex, event());
    await worker().deliverDue();
    expect(subscriber.received[0].headers.authorization).toBe(
      `Basic ${Buffer.from('meo:s3cret').toString('base64')}`,
    );
  });

  it('authenticates with OAuth 2.0 client credentials, caching the token', async () => {
    tokenServer.received.length = 0;
    let issued = 0;
    tokenServer.respond = () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        access_token: `token-${++issued}`,
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    });
    const authentication = {
      authType: ['OAUTH2_CLIENT_CREDENTIALS' as const],
      paramsOauth2ClientCredentials: {
        clientId: 'meo client',
        clientPassword: 'pa:ss',
        tokenEndpoint: tokenServer.url('/token'),
      },
    };
    await subscribe({ authentication });
    subscriber.respond = r =>
      r.headers.authorization === 'Bearer token-1'
        ? { status: 204 }
        : { status: 401 };

    const w = worker();
    await publishPackageEvent(outbox, knex, event());
    await publishPackageEvent(
      outbox,
      knex,
      event({ notificationType: 'AppPackageOnBoarded', appPkgId: 'pkg-2' }),
    );
    expect(await w.deliverDue()).toMatchObject({ delivered: 2 });
    expect(tokenServer.received).toHaveLength(1);
    const tokenRequest = tokenServer.received[0];
    expect(tokenRequest.body).toBe('grant_type=client_credentials');
    expect(tokenRequest.headers['content-type']).toBe(
      'application/x-www-form-urlencoded',
    );
    expect(tokenRequest.headers.authorization).toBe(
      `Basic ${Buffer.from('meo+client:pa%3Ass').toString('base64')}`,
    );

    // A refused token is dropped and a new one fetched for the retry.
    subscriber.respond = r =>
      r.headers.authorization === 'Bearer token-2'
        ? { status: 204 }
        : { status: 401 };
    await publishPackageEvent(outbox, knex, event());
    expect(await w.deliverDue()).toMatchObject({ retrying: 1 });
    await sleep(40);
    expect(await w.deliverDue()).toMatchObject({ delivered: 1 });
    expect(tokenServer.received).toHaveLength(2);
  });

  it('never logs or stores authentication secrets outside the subscription', async () => {
    await subscribe({
      authentication: {
        authType: ['BASIC'],
        paramsBasic: { userName: 'meo', password: 'very-secret-pw' },
      },
    });
    subscriber.respond = () => ({ status: 500 });
    await publishPackageEvent(outbox, knex, event());
    await worker({ maxAgeMs: 10 }).deliverDue();
    const logged = JSON.stringify([
      (logger.warn as jest.Mock).mock.calls,
      (logger.debug as jest.Mock).mock.calls,
      (logger.error as jest.Mock).mock.calls,
    ]);
    expect(logged).not.toContain('very-secret-pw');
    expect(JSON.stringify(await deliveries())).not.toContain('very-secret-pw');
    expect(
      JSON.stringify(await knex(SUBSCRIPTIONS_TABLE).select()),
    ).not.toContain('very-secret-pw');
    const [listed] = await store.listSubscriptions('app_pkgm');
    expect(JSON.stringify(listed)).not.toContain('very-secret-pw');
  });

  it('delivers each notification once when two workers race', async () => {
    for (let i = 0; i < 5; i++) {
      await subscribe({ callbackUri: subscriber.url(`/s${i}`) });
    }
    for (let i = 0; i < 12; i++) {
      await publishPackageEvent(outbox, knex, event({ appPkgId: `pkg-${i}` }));
    }
    // Slow answers keep both workers busy at the same time.
    subscriber.respond = () => ({ status: 204 });
    const one = worker({ batchSize: 7 });
    const two = worker({ batchSize: 7 });
    const [a, b] = await Promise.all([one.deliverDue(), two.deliverDue()]);
    expect(a.delivered + b.delivered).toBe(60);
    expect(subscriber.received).toHaveLength(60);
    const keys = subscriber.received.map(
      r => `${r.path} ${JSON.parse(r.body).id}`,
    );
    expect(new Set(keys).size).toBe(60);
    expect((await deliveries()).every(d => d.state === 'delivered')).toBe(true);
  });

  it('drops undelivered notifications of a deleted subscription', async () => {
    const s = await subscribe();
    await publishPackageEvent(outbox, knex, event());
    expect(await store.deleteSubscription('app_pkgm', s.id)).toBe(true);
    expect(await deliveries()).toEqual([]);
    expect(await store.deleteSubscription('app_pkgm', s.id)).toBe(false);
  });
  it('takes over the subscriptions of a worker that died, and only those', async () => {
    const held = await subscribe({ callbackUri: subscriber.url('/held') });
    const expired = await subscribe({
      callbackUri: subscriber.url('/expired'),
    });
    await publishPackageEvent(outbox, knex, event());
    // A live replica delivers to one; the other's claim ran out.
    await knex(SUBSCRIPTIONS_TABLE)
      .where({ id: held.id })
      .update({
        delivery_claimed_by: 'live',
        delivery_claimed_until: new Date(Date.now() + 60_000),
      });
    await knex(SUBSCRIPTIONS_TABLE)
      .where({ id: expired.id })
      .update({
        delivery_claimed_by: 'dead',
        delivery_claimed_until: new Date(Date.now() - 1),
      });

    expect(await worker().deliverDue()).toMatchObject({
      claimed: 1,
      delivered: 1,
    });
    expect(subscriber.bodies('/expired')).toHaveLength(1);
    expect(subscriber.bodies('/held')).toHaveLength(0);
    const rows = await knex(SUBSCRIPTIONS_TABLE).select();
    expect(rows.find(r => r.id === expired.id)).toMatchObject({
      delivery_claimed_by: null,
    });
    expect(rows.find(r => r.id === held.id)).toMatchObject({
      delivery_claimed_by: 'live',
    });
  });

  it('keeps the order of each subscription, across batches and workers', async () => {
    const paths = ['/o0', '/o1', '/o2'];
    for (const path of paths) {
      await subscribe({ callbackUri: subscriber.url(path) });
    }
    for (let i = 0; i < 40; i++) {
      await publishPackageEvent(outbox, knex, event({ appPkgId: `pkg-${i}` }));
    }
    // Small batches and two racing workers: the order still holds.
    const [a, b] = await Promise.all([
      worker({ batchSize: 7, concurrency: 2 }).deliverDue(),
      worker({ batchSize: 7, concurrency: 2 }).deliverDue(),
    ]);
    expect(a.delivered + b.delivered).toBe(120);
    const expected = Array.from({ length: 40 }, (_, i) => `pkg-${i}`);
    for (const path of paths) {
      expect(subscriber.bodies(path).map(body => body.appPkgId)).toEqual(
        expected,
      );
    }
  });

  it('delivers to a live subscriber at full speed beside dead ones', async () => {
    // One refuses connections, one accepts and never answers.
    const refusing = await TestSubscriber.start();
    const refusingUrl = refusing.url('/refused');
    await refusing.stop();
    const hanging = http.createServer(req => req.resume());
    await new Promise<void>(r => hanging.listen(0, '127.0.0.1', r));
    try {
      const { port } = hanging.address() as AddressInfo;
      await subscribe({ callbackUri: refusingUrl });
      await subscribe({ callbackUri: `http://127.0.0.1:${port}/hang` });
      await subscribe({ callbackUri: subscriber.url('/live') });
      for (let i = 0; i < 200; i++) {
        await publishPackageEvent(
          outbox,
          knex,
          event({ appPkgId: `pkg-${i}` }),
        );
      }
      const started = Date.now();
      let liveDoneAfter: number | undefined;
      const watch = setInterval(() => {
        if (liveDoneAfter === undefined && subscriber.received.length >= 200) {
          liveDoneAfter = Date.now() - started;
        }
      }, 5);
      const summary = await worker({
        initialBackoffMs: 60_000,
        maxBackoffMs: 60_000,
        maxAgeMs: 3600_000,
        requestTimeoutMs: 4_000,
      }).deliverDue();
      clearInterval(watch);
      // Each dead one was tried once and parked; the live one got
      // everything, long before the hanging request timed out.
      expect(summary).toEqual({
        claimed: 202,
        delivered: 200,
        retrying: 2,
        dead: 0,
      });
      expect(liveDoneAfter).toBeLessThan(3_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
      expect(subscriber.bodies('/live').map(b => b.appPkgId)).toEqual(
        Array.from({ length: 200 }, (_, i) => `pkg-${i}`),
      );
      const waiting = await knex(DELIVERIES_TABLE).where({ state: 'pending' });
      expect(waiting).toHaveLength(400);
    } finally {
      hanging.closeAllConnections();
      await new Promise(r => hanging.close(r));
    }
  });

  it('keeps what a subscriber missed while down and sends it in order when it is back', async () => {
    await subscribe({ callbackUri: subscriber.url('/back') });
    await subscriber.stop();
    const w = worker({ initialBackoffMs: 20, maxBackoffMs: 50 });
    for (let i = 0; i < 30; i++) {
      await publishPackageEvent(outbox, knex, event({ appPkgId: `pkg-${i}` }));
      if (i % 10 === 0) await w.deliverDue();
    }
    await sleep(60);
    expect(await w.deliverDue()).toMatchObject({ delivered: 0, retrying: 1 });
    await subscriber.restart();
    await sleep(60);
    expect(await w.deliverDue()).toMatchObject({ delivered: 30, dead: 0 });
    expect(subscriber.bodies('/back').map(b => b.appPkgId)).toEqual(
      Array.from({ length: 30 }, (_, i) => `pkg-${i}`),
    );
  });

  it('reuses connections to a subscriber', async () => {
    const sockets = new Set<unknown>();
    const counting = http.createServer((req, res) => {
      sockets.add(req.socket);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>(r => counting.listen(0, '127.0.0.1', r));
    try {
      const { port } = counting.address() as AddressInfo;
      await subscribe({ callbackUri: `http://127.0.0.1:${port}/a` });
      await subscribe({ callbackUri: `http://127.0.0.1:${port}/b` });
      for (let i = 0; i < 50; i++) {
        await publishPackageEvent(outbox, knex, event({ appPkgId: `p${i}` }));
      }
      const w = worker();
      expect(await w.deliverDue()).toMatchObject({ delivered: 100 });
      // One request in flight per subscription, on kept-alive connections
      // (a socket is back in the pool a moment after its answer, so a
      // second one may open meanwhile): a few, not one per request.
      expect(sockets.size).toBeLessThanOrEqual(4);
      await w.stop();
    } finally {
      counting.closeAllConnections();
      await new Promise(r => counting.close(r));
    }
  });

  it('stop() settles what is on the wire and delivers nothing more', async () => {
    // A subscriber that answers after a while, so that stop() finds the delivery in flight.
    let requests = 0;
    const slow = http.createServer((req, res) => {
      requests++;
      req.resume();
      setTimeout(() => res.writeHead(204).end(), 300);
    });
    await new Promise<void>(r => slow.listen(0, '127.0.0.1', r));
    try {
      const { port } = slow.address() as AddressInfo;
      await subscribe({ callbackUri: `http://127.0.0.1:${port}/slow` });
      await publishPackageEvent(outbox, knex, event());
      const w = worker();
      w.wake();
      for (let i = 0; i < 100 && requests === 0; i++) await sleep(10);
      expect(requests).toBe(1);

      await w.stop();
      expect(await deliveries()).toMatchObject([
        { state: 'delivered', claimed_by: null, claimed_until: null },
      ]);
      await publishPackageEvent(outbox, knex, event({ appPkgId: 'pkg-2' }));
      w.wake();
      expect((await w.deliverDue()).claimed).toBe(0);
      // Another replica takes the new one at once.
      expect(await worker().deliverDue()).toMatchObject({ delivered: 1 });
      expect(requests).toBe(2);
    } finally {
      slow.closeAllConnections();
      await new Promise(r => slow.close(r));
    }
  });

  it('runs as a local scheduled task', async () => {
    await subscribe();
    const scheduler = mockServices.scheduler.mock();
    const w = worker({ pollIntervalMs: 3000 });
    await w.start(scheduler);
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({
        id: 'mec-notification-delivery',
        frequency: { seconds: 3 },
        scope: 'local',
      }),
    );
    await publishPackageEvent(outbox, knex, event());
    const task = scheduler.scheduleTask.mock.calls[0][0];
    await task.fn(new AbortController().signal);
    expect(subscriber.bodies()).toHaveLength(1);
  });
});
