import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { Knex } from 'knex';
import { performance } from 'node:perf_hooks';
import { DatabaseClock, LeasedJob, LeasedJobRunner, LeaseTable } from '../jobs';
import { OutboundUrlPolicy } from '../outbound/OutboundUrlPolicy';
import { SecretCipher } from '../secrets';
import { CallbackAgents } from './CallbackAgents';
import { CallbackAuthenticator } from './CallbackAuthenticator';
import { DeliveryRow } from './NotificationOutbox';
import {
  DELIVERIES_TABLE,
  readSubscriptionAuthentication,
  SubscriptionAuthentication,
  SubscriptionRow,
  SUBSCRIPTIONS_TABLE,
} from './SubscriptionStore';

/** Tuning of {@link NotificationDeliveryWorker}; all durations in milliseconds. */
export interface NotificationDeliveryOptions {
  /** How often the scheduled task looks for due deliveries; default 2000. */
  pollIntervalMs: number;
  /** Wait before the first retry of a subscriber; default 1000. */
  initialBackoffMs: number;
  /** Each retry waits this many times longer than the previous one; default 2. */
  backoffFactor: number;
  /** Longest wait between two attempts; default 5 minutes. */
  maxBackoffMs: number;
  /**
   * A notification not delivered this long after it was queued is given up
   * ('dead'): how long a subscriber may be down without losing any;
   * default 24 hours.
   */
  maxAgeMs: number;
  /** Timeout of one notification request (and of a token request); default 10 seconds. */
  requestTimeoutMs: number;
  /** Timeout of opening a connection to a subscriber; default 2 seconds. */
  connectTimeoutMs: number;
  /** Subscriptions one replica delivers to at once, one request in flight each; default 20. */
  concurrency: number;
  /** Notifications of one subscription read, and settled, per database round trip; default 100. */
  batchSize: number;
  /** Kept-alive connections to one callback origin; default 8. */
  maxSocketsPerOrigin: number;
}

const DEFAULTS: NotificationDeliveryOptions = {
  pollIntervalMs: 2000,
  initialBackoffMs: 1000,
  backoffFactor: 2,
  maxBackoffMs: 5 * 60_000,
  maxAgeMs: 24 * 3600_000,
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 2_000,
  concurrency: 20,
  batchSize: 100,
  maxSocketsPerOrigin: 8,
};

/** What one {@link NotificationDeliveryWorker.deliverDue} call did. */
export interface DeliveryRunSummary {
  /** Notifications taken for sending. */
  claimed: number;
  delivered: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Notifications given up. */
  dead: number;
}

/** What one subscription's turn did, and whether it left more to send. */
type TurnSummary = DeliveryRunSummary & { more: boolean };

/** A subscription's batch, sent and waiting to be recorded. */
interface UnrecordedBatch {
  job: LeasedJob<SubscriptionRow>;
  delivered: DeliveryRow[];
  failed: { row: DeliveryRow; failure: string } | undefined;
  /** The turn's summary, counted once recorded. */
  summary: DeliveryRunSummary;
  /** Whether the subscription was parked. */
  resolve: (parked: boolean) => void;
  reject: (error: unknown) => void;
}

/** The scheduled task id, one per backend instance (scope local). */
export const NOTIFICATION_DELIVERY_TASK_ID = 'mec-notification-delivery';

// Notification responses are not used; read only a little of them.
const MAX_RESPONSE_BYTES = 64 * 1024;
// Batches per subscription before its slot goes to the next one in line.
const MAX_BATCHES_PER_TURN = 10;
// Sent notifications are recorded when this many wait, when a turn ends,
// or after this delay: each commit waits for the disk on SQLite, and a
// crash sends again at most what was not recorded yet.
const RECORD_THRESHOLD = 1000;
const RECORD_DELAY_MS = 500;
// How long an origin's outbound check (and DNS answer) serves its notifications.
const VERDICT_REUSE_MS = 2_000;
// How long one run keeps claiming, so that a long backlog does not hold
// the task forever; the next run goes on.
const MAX_RUN_MS = 30_000;

const emptySummary = (): DeliveryRunSummary => ({
  claimed: 0,
  delivered: 0,
  retrying: 0,
  dead: 0,
});

/**
 * Sends queued notifications to subscribers' callbackUri: at least once,
 * in order per subscription, retried with exponential backoff until they
 * are too old.
 *
 * The unit of work is a subscription: a replica claims it (a leased job on
 * its row), reads its pending notifications in batches, in the order they
 * were queued, sends them one after the other over a kept-alive connection
 * and marks them delivered in one write per batch. When the subscriber
 * fails, the subscription is parked until its next retry, and its later
 * notifications wait behind the failed one; the other subscriptions keep
 * flowing in the other slots. A crashed replica's subscriptions are taken
 * over once their claims run out (what it sent but had not recorded is
 * sent again). Due times and claims are on the database's clock.
 *
 * @public
 */
export class NotificationDeliveryWorker {
  /** Reads `mec.notifications.delivery` (see config.d.ts). */
  static fromConfig(
    config: Config,
    deps: {
      knex: Knex;
      outboundPolicy: OutboundUrlPolicy;
      logger: LoggerService;
      /** Decrypts subscriptions' callback credentials (`mec.encryptionKeys`). */
      cipher?: SecretCipher;
    },
  ): NotificationDeliveryWorker {
    const delivery = config.getOptionalConfig('mec.notifications.delivery');
    const duration = (key: string) =>
      delivery?.has(key)
        ? durationToMilliseconds(readDurationFromConfig(delivery, { key }))
        : undefined;
    const options: Partial<NotificationDeliveryOptions> = {
      pollIntervalMs: duration('pollInterval'),
      initialBackoffMs: duration('initialBackoff'),
      backoffFactor: delivery?.getOptionalNumber('backoffFactor'),
      maxBackoffMs: duration('maxBackoff'),
      maxAgeMs: duration('maxAge'),
      requestTimeoutMs: duration('requestTimeout'),
      connectTimeoutMs: duration('connectTimeout'),
      concurrency: delivery?.getOptionalNumber('concurrency'),
      batchSize: delivery?.getOptionalNumber('batchSize'),
      maxSocketsPerOrigin: delivery?.getOptionalNumber('maxSocketsPerOrigin'),
    };
    return NotificationDeliveryWorker.create({ ...deps, options });
  }

  static create(deps: {
    knex: Knex;
    outboundPolicy: OutboundUrlPolicy;
    logger: LoggerService;
    cipher?: SecretCipher;
    options?: Partial<NotificationDeliveryOptions>;
    /** Current time in ms; replaceable in tests. */
    now?: () => number;
  }): NotificationDeliveryWorker {
    const defined = Object.fromEntries(
      Object.entries(deps.options ?? {}).filter(([, v]) => v !== undefined),
    );
    const options = { ...DEFAULTS, ...defined };
    if (options.backoffFactor < 1) {
      throw new Error('mec.notifications.delivery.backoffFactor must be >= 1');
    }
    for (const key of [
      'concurrency',
      'batchSize',
      'maxSocketsPerOrigin',
    ] as const) {
      if (!(Number.isInteger(options[key]) && options[key] >= 1)) {
        throw new Error(
          `mec.notifications.delivery.${key} must be a positive integer`,
        );
      }
    }
    return new NotificationDeliveryWorker(
      deps.knex,
      deps.outboundPolicy,
      deps.logger,
      options,
      deps.now ?? Date.now,
      deps.cipher,
    );
  }

  private readonly authenticator: CallbackAuthenticator;
  private readonly agents: CallbackAgents;
  private readonly subscriptions: LeaseTable<SubscriptionRow>;
  private readonly runner: LeasedJobRunner<SubscriptionRow, TurnSummary>;
  private readonly clock: DatabaseClock;
  /** The column that orders a subscription's notifications: insertion order. */
  private readonly queueOrder: string;
  /** Sent batches waiting to be written, and the write under way. */
  private readonly unrecorded: UnrecordedBatch[] = [];
  private unrecordedCount = 0;
  private recordUrgent = false;
  private recordTimer: NodeJS.Timeout | undefined;
  private recording: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private runAgain = false;
  private stopped = false;

  private constructor(
    private readonly knex: Knex,
    private readonly outboundPolicy: OutboundUrlPolicy,
    private readonly logger: LoggerService,
    private readonly options: NotificationDeliveryOptions,
    private readonly now: () => number,
    private readonly cipher: SecretCipher | undefined,
  ) {
    this.authenticator = CallbackAuthenticator.create({
      outboundPolicy,
      timeoutMs: options.requestTimeoutMs,
      now,
    });
    this.agents = CallbackAgents.create({
      maxSocketsPerOrigin: options.maxSocketsPerOrigin,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    this.clock = DatabaseClock.forKnex(knex);
    this.queueOrder = this.clock.dialect === 'pg' ? 'seq' : 'rowid';
    this.subscriptions = LeaseTable.create<SubscriptionRow>(knex, {
      table: SUBSCRIPTIONS_TABLE,
      tokenColumn: 'delivery_claimed_by',
      untilColumn: 'delivery_claimed_until',
      runnable: (query, clock) => {
        clock.whereNullOrPast(query, 'delivery_due_at');
        query.whereExists(pending =>
          pending
            .select(knex.raw('1'))
            .from(DELIVERIES_TABLE)
            .where(`${DELIVERIES_TABLE}.state`, 'pending')
            .whereRaw('??.?? = ??.??', [
              DELIVERIES_TABLE,
              'subscription_id',
              SUBSCRIPTIONS_TABLE,
              'id',
            ]),
        );
      },
      // Longest waiting first; a subscription goes to the back after its turn.
      orderBy: 'delivery_due_at',
    });
    // A turn is batches of requests, each bounded by the request timeout,
    // and the lease is renewed with every batch's write.
    const leaseMs = options.requestTimeoutMs * 3 + 30_000;
    this.runner = LeasedJobRunner.create({
      jobName: 'Notification delivery to subscription',
      table: this.subscriptions,
      handler: job => this.deliverTo(job),
      logger,
      leaseMs,
      concurrency: options.concurrency,
      stopTimeoutMs: options.requestTimeoutMs * 2 + 5_000,
    });
  }

  /**
   * Schedules delivery every `pollInterval` on this backend instance. Each
   * replica runs its own task; the subscription claims keep them apart.
   */
  async start(scheduler: SchedulerService): Promise<void> {
    const seconds = Math.max(1, Math.round(this.options.pollIntervalMs / 1000));
    await scheduler.scheduleTask({
      id: NOTIFICATION_DELIVERY_TASK_ID,
      frequency: { seconds },
      timeout: {
        milliseconds: Math.max(
          MAX_RUN_MS * 2,
          this.options.requestTimeoutMs * 6,
        ),
      },
      scope: 'local',
      fn: () => this.runOnce(),
    });
  }

  /**
   * Delivers due notifications now, without waiting for the next scheduled
   * run; call it after committing a transaction that published some.
   * Never throws; errors are logged.
   */
  wake(): void {
    if (this.stopped) return;
    this.runOnce().catch(error =>
      this.logger.error('Notification delivery failed', error),
    );
  }

  /**
   * Delivers the due notifications of every subscription that is not
   * parked nor held by another replica, `concurrency` subscriptions at a
   * time, until none is left (or for at most 30 s).
   */
  async deliverDue(): Promise<DeliveryRunSummary> {
    const summary = emptySummary();
    const inFlight = new Set<Promise<void>>();
    const deadline = performance.now() + MAX_RUN_MS;
    // Claim again when a slot frees only if some subscription may still be
    // due: the last claim took every free slot, or a turn ended with more
    // to send. A subscription parked in this run waits for the next one.
    const due = { claimAgain: true };
    for (;;) {
      if (due.claimAgain && !this.stopped && performance.now() < deadline) {
        const free = this.options.concurrency - inFlight.size;
        const jobs = free > 0 ? await this.runner.claimDue(free) : [];
        due.claimAgain = free <= 0 || jobs.length === free;
        for (const job of jobs) {
          const settled: Promise<void> = job.done
            .then(outcome => {
              if (outcome.status !== 'completed') return;
              const { more, ...counts } = outcome.result;
              if (more) due.claimAgain = true;
              for (const key of Object.keys(counts) as Array<
                keyof DeliveryRunSummary
              >) {
                summary[key] += counts[key];
              }
            })
            .finally(() => inFlight.delete(settled));
          inFlight.add(settled);
        }
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    return summary;
  }

  /**
   * Stops delivering: no more claims, a subscription's notifications not
   * yet sent are left, those on the wire are settled, and the claims are
   * released so that another replica takes over at once. For a shutdown
   * hook.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.runner.stop();
    await this.running?.catch(() => {});
    this.agents.destroy();
  }

  /** Single flight per process: a wake during a run makes the run go once more. */
  private runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.runAgain = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.runAgain = false;
          await this.deliverDue();
        } while (this.runAgain && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** One turn of a claimed subscription: its due notifications, in order. */
  private async deliverTo(
    job: LeasedJob<SubscriptionRow>,
  ): Promise<TurnSummary> {
    const summary = emptySummary();
    const subscription = job.row;
    let authentication: SubscriptionAuthentication | undefined;
    let unreadable: string | undefined;
    try {
      authentication = readSubscriptionAuthentication(
        subscription,
        this.cipher,
      );
    } catch (error) {
      // Fails each attempt like an unreachable subscriber would.
      unreadable = (error as Error).message ?? String(error);
    }
    // Batches are recorded in the background while the next ones are
    // sent; the queue is read past the last notification sent.
    const recorded: Array<Promise<boolean>> = [];
    let after: unknown;
    let more = true;
    for (let batch = 0; more && batch < MAX_BATCHES_PER_TURN; batch++) {
      if (job.signal.aborted) break;
      const query = this.knex(DELIVERIES_TABLE)
        .select(
          this.knex.raw('?? as queue_key', [this.queueOrder]),
          `${DELIVERIES_TABLE}.*`,
        )
        .where({ subscription_id: subscription.id, state: 'pending' })
        .orderBy(this.queueOrder, 'asc')
        .limit(this.options.batchSize);
      if (after !== undefined) {
        query.where(this.queueOrder, '>', after as Knex.Value);
      }
      const rows: Array<DeliveryRow & { queue_key: unknown }> = await query;
      const delivered: DeliveryRow[] = [];
      let failed: { row: DeliveryRow; failure: string } | undefined;
      for (const row of rows) {
        // Stopping: what is not on the wire yet is left to another replica.
        if (job.signal.aborted) break;
        summary.claimed++;
        const failure =
          unreadable ?? (await this.send(subscription, authentication, row));
        if (failure === undefined) {
          delivered.push(row);
        } else {
          failed = { row, failure };
          break;
        }
      }
      after = rows[rows.length - 1]?.queue_key;
      more =
        rows.length === this.options.batchSize &&
        !failed &&
        !job.signal.aborted;
      const last = !more || batch === MAX_BATCHES_PER_TURN - 1;
      recorded.push(this.settle(job, delivered, failed, summary, last));
    }
    const parked = (await Promise.all(recorded)).some(Boolean);
    if (more && !parked && !job.signal.aborted) {
      // Its turn is over: to the back of the line, due again at once.
      await this.knex<SubscriptionRow>(SUBSCRIPTIONS_TABLE)
        .where({ id: subscription.id, delivery_claimed_by: job.token })
        .update({ delivery_due_at: this.clock.now() });
    }
    return { ...summary, more: more && !parked && !job.signal.aborted };
  }

  /** Sends one notification; the failure, or undefined when it was accepted. */
  private async send(
    subscription: SubscriptionRow,
    authentication: SubscriptionAuthentication | undefined,
    row: DeliveryRow,
  ): Promise<string | undefined> {
    try {
      const headers = await this.authenticator.headersFor(authentication);
      const response = await this.outboundPolicy.fetch(
        subscription.callback_uri,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            accept: 'application/json, application/problem+json',
          },
          body: row.payload,
        },
        {
          purpose: 'callback',
          timeoutMs: this.options.requestTimeoutMs,
          maxBytes: MAX_RESPONSE_BYTES,
          // A notification is not re-posted to wherever a redirect points.
          maxRedirects: 0,
          agent: this.agents.forUrl(subscription.callback_uri),
          // Resolving and checking the callback origin for every
          // notification would cost more than sending it.
          reuseVerdictMs: VERDICT_REUSE_MS,
        },
      );
      // Read to the end, so that the connection goes back to the pool.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return undefined;
      if (response.status === 401) {
        this.authenticator.invalidate(authentication);
      }
      return `The subscriber answered HTTP ${response.status}`;
    } catch (error) {
      return (error as Error).message ?? String(error);
    }
  }

  /**
   * Records a batch while the claim on the subscription holds: the
   * delivered notifications, and the failed one with the subscription
   * parked until its retry (or given up). The batches of every
   * subscription that finish meanwhile are written in the same transaction
   * (a group commit): on SQLite each commit waits for the disk.
   *
   * @returns whether the subscription was parked
   */
  private settle(
    job: LeasedJob<SubscriptionRow>,
    delivered: DeliveryRow[],
    failed: { row: DeliveryRow; failure: string } | undefined,
    summary: DeliveryRunSummary,
    /** The turn waits for it: write it soon. */
    last: boolean,
  ): Promise<boolean> {
    if (delivered.length === 0 && !failed) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      this.unrecorded.push({
        job,
        delivered,
        failed,
        summary,
        resolve,
        reject,
      });
      this.unrecordedCount += delivered.length;
      if (last || this.unrecordedCount >= RECORD_THRESHOLD) {
        this.recordSoon();
      } else if (!this.recordTimer) {
        this.recordTimer = setTimeout(() => this.recordSoon(), RECORD_DELAY_MS);
      }
    });
  }

  private recordSoon(): void {
    clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    this.recordUrgent = true;
    if (!this.recording) this.recording = this.recordAll();
  }

  /** Writes queued batches, one transaction per round, while some are awaited. */
  private async recordAll(): Promise<void> {
    try {
      while (
        this.unrecorded.length &&
        (this.recordUrgent || this.unrecordedCount >= RECORD_THRESHOLD)
      ) {
        this.recordUrgent = false;
        // Let the batches finishing at the same moment join this write.
        await new Promise(resolve => setImmediate(resolve));
        const batches = this.unrecorded.splice(0);
        this.unrecordedCount = 0;
        clearTimeout(this.recordTimer);
        this.recordTimer = undefined;
        const now = this.now();
        const outcomes: Array<boolean | Error> = [];
        try {
          await this.knex.transaction(async trx => {
            outcomes.length = 0;
            const delivered: string[] = [];
            const tallies: Array<() => void> = [];
            for (const batch of batches) {
              try {
                await batch.job.hold(trx);
              } catch (error) {
                // Taken over: this batch is not ours to record.
                outcomes.push(error as Error);
                continue;
              }
              delivered.push(...batch.delivered.map(row => row.id));
              tallies.push(() => {
                batch.summary.delivered += batch.delivered.length;
              });
              outcomes.push(
                batch.failed
                  ? await this.recordFailure(trx, batch, now)
                  : false,
              );
            }
            for (let i = 0; i < delivered.length; i += 500) {
              await trx<DeliveryRow>(DELIVERIES_TABLE)
                .whereIn('id', delivered.slice(i, i + 500))
                .update({
                  state: 'delivered',
                  delivered_at: new Date(now),
                  attempts: trx.raw('?? + 1', ['attempts']) as any,
                  last_error: null,
                });
            }
            for (const tally of tallies) tally();
          });
        } catch (error) {
          for (const batch of batches) batch.reject(error);
          continue;
        }
        batches.forEach((batch, i) => {
          const outcome = outcomes[i];
          if (outcome instanceof Error) batch.reject(outcome);
          else batch.resolve(outcome);
        });
      }
    } finally {
      this.recording = undefined;
      if (this.unrecorded.length && !this.recordTimer) {
        this.recordTimer = setTimeout(() => this.recordSoon(), RECORD_DELAY_MS);
      }
    }
  }

  /** Schedules the retry of a failed notification, or gives it up; parks the subscription. */
  private async recordFailure(
    trx: Knex.Transaction,
    batch: UnrecordedBatch,
    now: number,
  ): Promise<true> {
    const { row, failure } = batch.failed!;
    const attempts = row.attempts + 1;
    const delay = Math.min(
      this.options.initialBackoffMs *
        this.options.backoffFactor ** (attempts - 1),
      this.options.maxBackoffMs,
    );
    const age = now - new Date(row.created_at).getTime();
    if (age + delay > this.options.maxAgeMs) {
      // Too old to wait any longer: this one, and every other one of the
      // subscription that is as old.
      const tooOld = new Date(now + delay - this.options.maxAgeMs);
      const given = await trx<DeliveryRow>(DELIVERIES_TABLE)
        .where({ subscription_id: row.subscription_id, state: 'pending' })
        .where(q => q.where('id', row.id).orWhere('created_at', '<', tooOld))
        .update({
          state: 'dead',
          attempts: trx.raw('?? + 1', ['attempts']) as any,
          last_error: failure,
        });
      batch.summary.dead += given;
      const others = given > 1 ? ` (and ${given - 1} queued as long)` : '';
      this.logger.warn(
        `Gave up notification ${row.notification_id} to subscription ${row.subscription_id} after ${attempts} attempts${others}: ${failure}`,
      );
    } else {
      await trx<DeliveryRow>(DELIVERIES_TABLE)
        .where({ id: row.id })
        .update({
          attempts,
          next_attempt_at: this.clock.now(delay) as any,
          last_error: failure,
        });
      batch.summary.retrying++;
      this.logger.debug(
        `Notification ${row.notification_id} to subscription ${row.subscription_id} failed (attempt ${attempts}), retrying in ${delay} ms: ${failure}`,
      );
    }
    await trx<SubscriptionRow>(SUBSCRIPTIONS_TABLE)
      .where({ id: row.subscription_id, delivery_claimed_by: batch.job.token })
      .update({ delivery_due_at: this.clock.now(delay) as any });
    return true;
  }
}
