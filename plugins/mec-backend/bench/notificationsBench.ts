/*
 * `npm run bench` (notifications part): how fast the delivery worker sends
 * queued notifications to a local subscriber (10 subscriptions × 1,000
 * events), on better-sqlite3 and on PostgreSQL, against a baseline measured
 * in the same run: a plain Node loop POSTing the same bodies to the same
 * server over kept-alive connections, one request in flight per
 * subscription like the worker. Then the rate of a live subscriber while
 * two dead ones (one refusing connections, one never answering) are
 * subscribed too.
 *
 * PostgreSQL: BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING or
 * HELMMEC_BENCH_POSTGRES when set, otherwise a throwaway server is started
 * (scripts/lib/postgres.mjs) and stopped at the end.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory, { Knex } from 'knex';
import { applyDatabaseMigrations } from '../src/database/migrations';
import {
  NotificationDeliveryWorker,
  NotificationOutbox,
  publishPackageEvent,
  SubscriptionStore,
} from '../src/notifications';
import { DELIVERIES_TABLE } from '../src/notifications/SubscriptionStore';
import { OutboundUrlPolicy } from '../src/outbound/OutboundUrlPolicy';

const SUBSCRIPTIONS = 10;
const EVENTS = 1000;
// eslint-disable-next-line no-restricted-syntax
const repoRoot = resolve(__dirname, '../../..');

/** The subscriber: a plain HTTP server answering 204, in its own process. */
const SUBSCRIBER_SOURCE = `
const http = require('node:http');
const counts = new Map();
const waiters = [];
const check = () => {
  for (let i = waiters.length - 1; i >= 0; i--) {
    const w = waiters[i];
    if ((counts.get(w.path) ?? 0) >= w.count) {
      waiters.splice(i, 1);
      process.send({ type: 'reached', id: w.id });
    }
  }
};
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/hang')) { req.resume(); return; }
  req.on('data', () => {});
  req.on('end', () => {
    counts.set(req.url, (counts.get(req.url) ?? 0) + 1);
    res.writeHead(204).end();
    if (waiters.length) check();
  });
});
server.keepAliveTimeout = 30000;
process.on('message', m => {
  if (m.type === 'wait') { waiters.push(m); check(); }
  if (m.type === 'reset') { counts.clear(); process.send({ type: 'reset' }); }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () =>
  process.send({ type: 'listening', port: server.address().port }));
`;

class Subscriber {
  static async start(): Promise<Subscriber> {
    const child = spawn(process.execPath, ['-e', SUBSCRIBER_SOURCE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((done, fail) => {
      child.once('message', (m: any) => done(m.port));
      child.once('exit', code => fail(new Error(`subscriber exited ${code}`)));
    });
    return new Subscriber(child, port);
  }

  private next = 0;
  private constructor(readonly child: ChildProcess, readonly port: number) {}

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves when `path` has received `count` requests. */
  waitFor(path: string, count: number): Promise<void> {
    const id = ++this.next;
    return new Promise(done => {
      const listener = (m: any) => {
        if (m.type === 'reached' && m.id === id) {
          this.child.off('message', listener);
          done();
        }
      };
      this.child.on('message', listener);
      this.child.send({ type: 'wait', id, path, count });
    });
  }

  async reset(): Promise<void> {
    await new Promise<void>(done => {
      this.child.once('message', () => done());
      this.child.send({ type: 'reset' });
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

const quiet: LoggerService = {
  error: (message: string) => console.error(message),
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => quiet,
};

/** The baseline: each subscription's bodies POSTed one after another, all subscriptions at once. */
async function plainLoop(
  subscriber: Subscriber,
  bodies: Map<string, string[]>,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const post = (path: string, body: string) =>
    new Promise<void>((done, fail) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: subscriber.port,
          path,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        response => {
          response.resume();
          response.on('end', () => done());
        },
      );
      request.on('error', fail);
      request.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    [...bodies].map(async ([path, list]) => {
      for (const body of list) await post(path, body);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return seconds;
}

interface DbFigures {
  publishPerSecond: number;
  /** Medians of the rounds, in seconds. */
  baselineSeconds: number;
  deliverSeconds: number;
  liveAloneSeconds: number;
  liveWithDeadSeconds: number;
}

const ROUNDS = 3;
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(knex: Knex, subscriber: Subscriber): Promise<DbFigures> {
  await applyDatabaseMigrations(knex);
  const store = SubscriptionStore.create({ knex });
  const outbox = NotificationOutbox.create({ knex });
  const outboundPolicy = OutboundUrlPolicy.create({
    allow: [{ host: '127.0.0.1', schemes: ['http'] }],
  });
  const worker = () =>
    NotificationDeliveryWorker.create({
      knex,
      outboundPolicy,
      logger: quiet,
      options: { requestTimeoutMs: 2000, initialBackoffMs: 60_000 },
    });
  const subscribe = (path: string, port = subscriber.port) =>
    store.createSubscription({
      api: 'app_pkgm',
      subscriptionType: 'AppPackageOnBoardingSubscription',
      callbackUri: `http://127.0.0.1:${port}${path}`,
    });
  const publish = async (count: number) => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      await publishPackageEvent(outbox, knex, {
        notificationType: 'AppPackageOnBoarded',
        appPkgId: `pkg-${i}`,
        appDId: `appd-${i}`,
        appProvider: 'HelmMEC bench',
        appName: 'bench-app',
        appSoftwareVersion: '1.0.0',
        appDVersion: '1.0',
        operationalState: 'ENABLED',
        usageState: 'NOT_IN_USE',
        apiBase: 'http://meo.example.com/api/mec/app_pkgm/v1',
      });
    }
    return count / ((performance.now() - t0) / 1000);
  };
  /** Queues the same notifications again, as if just published. */
  const requeue = async (subscriptionIds: string[], dueInMs = 0) => {
    await knex(DELIVERIES_TABLE)
      .whereIn('subscription_id', subscriptionIds)
      .update({ state: 'pending', attempts: 0, delivered_at: null });
    await knex('mec_subscriptions')
      .whereIn('id', subscriptionIds)
      .update({ delivery_due_at: new Date(Date.now() + dueInMs) });
  };
  await knex(DELIVERIES_TABLE).delete();
  await knex('mec_subscriptions').delete();

  // 10 subscriptions × 1,000 events, queued once, delivered in each round.
  const subscriptions = [];
  for (let s = 0; s < SUBSCRIPTIONS; s++) {
    subscriptions.push(await subscribe(`/s${s}`));
  }
  const publishPerSecond = await publish(EVENTS);
  const rows = await knex(DELIVERIES_TABLE).select(
    'subscription_id',
    'payload',
  );
  const bodies = new Map<string, string[]>();
  for (const [s, subscription] of subscriptions.entries()) {
    bodies.set(
      `/s${s}`,
      rows
        .filter(r => r.subscription_id === subscription.id)
        .map(r => r.payload),
    );
  }
  const ids = subscriptions.map(s => s.id);
  const baseline: number[] = [];
  const deliver: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(await plainLoop(subscriber, bodies));
    await requeue(ids);
    const w = worker();
    const t0 = performance.now();
    const summary = await w.deliverDue();
    deliver.push((performance.now() - t0) / 1000);
    await w.stop();
    if (summary.delivered !== SUBSCRIPTIONS * EVENTS) {
      throw new Error(`delivered ${JSON.stringify(summary)}`);
    }
  }
  await knex(DELIVERIES_TABLE).delete();
  await knex('mec_subscriptions').delete();

  // One live subscriber, alone or beside two dead ones: one that never
  // answers, one where nothing listens (a port just freed).
  const refusing = http.createServer();
  await new Promise<void>(r => refusing.listen(0, '127.0.0.1', r));
  const freedPort = (refusing.address() as { port: number }).port;
  await new Promise(r => refusing.close(r));
  const dead = [
    (await subscribe('/hang')).id,
    (await subscribe('/refused', freedPort)).id,
  ];
  const live = (await subscribe('/live')).id;
  await publish(EVENTS);
  const liveRun = async (withDead: boolean) => {
    await subscriber.reset();
    await requeue([live]);
    // Alone: the dead ones are parked out of the way.
    await requeue(dead, withDead ? 0 : 3600_000);
    const w = worker();
    const t0 = performance.now();
    const reached = subscriber.waitFor('/live', EVENTS);
    const run = w.deliverDue();
    await reached;
    const seconds = (performance.now() - t0) / 1000;
    await run;
    await w.stop();
    return seconds;
  };
  const alone: number[] = [];
  const beside: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    alone.push(await liveRun(false));
    beside.push(await liveRun(true));
  }
  return {
    publishPerSecond,
    baselineSeconds: median(baseline),
    deliverSeconds: median(deliver),
    liveAloneSeconds: median(alone),
    liveWithDeadSeconds: median(beside),
  };
}

/** A PostgreSQL to measure on: the tests' one, or a throwaway server. */
async function postgres(): Promise<{
  connectionString: string;
  stop: () => void;
}> {
  const given =
    process.env.HELMMEC_BENCH_POSTGRES ??
    Object.entries(process.env).find(([name]) =>
      /^BACKSTAGE_TEST_DATABASE_POSTGRES\d+_CONNECTION_STRING$/.test(name),
    )?.[1];
  if (given) return { connectionString: given, stop: () => {} };
  const script = `
    import { startPostgres } from ${JSON.stringify(
      join(repoRoot, 'scripts/lib/postgres.mjs'),
    )};
    const pg = await startPostgres();
    process.send({ connectionString: pg.connectionString });
    process.on('disconnect', async () => { await pg.stop(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const connectionString = await new Promise<string>((done, fail) => {
    child.once('message', (m: any) => done(m.connectionString));
    child.once('exit', code => fail(new Error(`PostgreSQL: exit ${code}`)));
  });
  return { connectionString, stop: () => child.disconnect() };
}

async function main() {
  const subscriber = await Subscriber.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'helmmec-notif-bench-'));
  const pg = await postgres();
  const database = `helmmec_bench_notifications_${Math.random()
    .toString(36)
    .slice(2, 8)}`;
  const admin = knexFactory({
    client: 'pg',
    connection: pg.connectionString,
  });
  await admin.raw('CREATE DATABASE ??', [database]);
  const results: Array<[string, DbFigures]> = [];
  try {
    for (const [name, config] of [
      [
        'better-sqlite3',
        {
          client: 'better-sqlite3',
          connection: { filename: join(dataDir, 'mec.sqlite') },
          useNullAsDefault: true,
        },
      ],
      [
        'PostgreSQL',
        {
          client: 'pg',
          connection: `${pg.connectionString.replace(/\/$/, '')}/${database}`,
        },
      ],
    ] as const) {
      const knex = knexFactory(config as Knex.Config);
      try {
        results.push([name, await measure(knex, subscriber)]);
      } finally {
        await knex.destroy();
      }
    }
  } finally {
    await admin.raw('DROP DATABASE IF EXISTS ??', [database]).catch(() => {});
    await admin.destroy();
    pg.stop();
    subscriber.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const total = SUBSCRIPTIONS * EVENTS;
  const rate = (count: number, seconds: number) =>
    `${Math.round(count / seconds)}/s`.padStart(8);
  const lines = [
    '',
    `HelmMEC notifications benchmark (${SUBSCRIPTIONS} subscriptions × ${EVENTS} events to a local subscriber)`,
    '                                         baseline     HelmMEC    ratio',
  ];
  for (const [name, figures] of results) {
    lines.push(
      `${`deliveries, ${name}`.padEnd(40)} ${rate(
        total,
        figures.baselineSeconds,
      )}    ${rate(total, figures.deliverSeconds)}    ${(
        figures.baselineSeconds / figures.deliverSeconds
      )
        .toFixed(2)
        .padStart(5)}`,
      `${`  one live subscriber, 2 dead ones beside`.padEnd(40)} ${rate(
        EVENTS,
        figures.liveAloneSeconds,
      )}    ${rate(EVENTS, figures.liveWithDeadSeconds)}    ${(
        figures.liveAloneSeconds / figures.liveWithDeadSeconds
      )
        .toFixed(2)
        .padStart(5)}`,
      `${`  events queued, ${name}`.padEnd(40)} ${''.padStart(
        8,
      )}    ${`${Math.round(figures.publishPerSecond)}/s`.padStart(8)}`,
    );
  }
  lines.push(
    `Medians of ${ROUNDS} rounds. Deliveries: baseline = a plain Node loop POSTing the same bodies to the same server`,
    'with keep-alive, one request in flight per subscription; ratio = HelmMEC rate / baseline rate.',
    'Live subscriber: baseline = the same subscriber with no dead one. Events queued: one outbox transaction per event.',
  );
  console.log(lines.join('\n'));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
