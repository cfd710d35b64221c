import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { Knex } from 'knex';
import { LeasedJob, LeasedJobRunner, LeaseTable } from '../jobs';
import { OutboundUrlPolicy } from '../outbound/OutboundUrlPolicy';
import { SecretCipher } from '../secrets';
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
  /** Wait before the first retry; default 1000. */
  initialBackoffMs: number;
  /** Each retry waits this many times longer than the previous one; default 2. */
  backoffFactor: number;
  /** Longest wait between two attempts; default 5 minutes. */
  maxBackoffMs: number;
  /** A notification not delivered this long after it was queued is given up ('dead'); default 24 hours. */
  maxAgeMs: number;
  /** Timeout of one notification request (and of a token request); default 10 seconds. */
  requestTimeoutMs: number;
  /** Deliveries claimed and sent concurrently per round (and per replica); default 20. */
  batchSize: number;
  /** Delivered and dead rows are deleted after this long; default 7 days. */
  retentionMs: number;
}

const DEFAULTS: NotificationDeliveryOptions = {
  pollIntervalMs: 2000,
  initialBackoffMs: 1000,
  backoffFactor: 2,
  maxBackoffMs: 5 * 60_000,
  maxAgeMs: 24 * 3600_000,
  requestTimeoutMs: 10_000,
  batchSize: 20,
  retentionMs: 7 * 24 * 3600_000,
};

/** What one {@link NotificationDeliveryWorker.deliverDue} call did. */
export interface DeliveryRunSummary {
  claimed: number;
  delivered: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Failed attempts that were given up. */
  dead: number;
}

type DeliveryOutcome = 'delivered' | 'retrying' | 'dead';

/** The scheduled task id, one per backend instance (scope local). */
export const NOTIFICATION_DELIVERY_TASK_ID = 'mec-notification-delivery';

// Notification responses are not used; read only a little of them.
const MAX_RESPONSE_BYTES = 64 * 1024;
// Rounds per run, so that a long backlog does not hold the task forever.
const MAX_ROUNDS_PER_RUN = 50;

/**
 * Sends queued notifications to subscribers' callbackUri: at least once,
 * retried with exponential backoff until they are too old. Every backend
 * replica may run it; a delivery is claimed in the database (a leased job)
 * before it is sent, so two replicas do not send the same row at the same
 * time, and a crashed replica's deliveries are sent again once their
 * claims run out. Due times and claims are on the database's clock.
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
      batchSize: delivery?.getOptionalNumber('batchSize'),
      retentionMs: duration('retention'),
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
  private readonly deliveries: LeaseTable<DeliveryRow>;
  private readonly runner: LeasedJobRunner<DeliveryRow, DeliveryOutcome>;
  private running: Promise<void> | undefined;
  private runAgain = false;
  private stopped = false;
  private lastCleanup = 0;

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
    this.deliveries = LeaseTable.create<DeliveryRow>(knex, {
      table: DELIVERIES_TABLE,
      tokenColumn: 'claimed_by',
      untilColumn: 'claimed_until',
      runnable: (query, clock) =>
        query
          .where('state', 'pending')
          .where(clock.column('next_attempt_at'), '<=', clock.now()),
      orderBy: 'next_attempt_at',
    });
    // One delivery is a token request and a notification request, each
    // bounded by the request timeout; the lease leaves room to spare.
    const leaseMs = options.requestTimeoutMs * 3 + 30_000;
    this.runner = LeasedJobRunner.create({
      jobName: 'Notification delivery',
      table: this.deliveries,
      handler: job => this.deliverClaimed(job),
      logger,
      leaseMs,
      concurrency: options.batchSize,
      stopTimeoutMs: options.requestTimeoutMs * 2 + 5_000,
    });
  }

  /**
   * Schedules delivery every `pollInterval` on this backend instance. Each
   * replica runs its own task; the row claims keep them apart.
   */
  async start(scheduler: SchedulerService): Promise<void> {
    const seconds = Math.max(1, Math.round(this.options.pollIntervalMs / 1000));
    await scheduler.scheduleTask({
      id: NOTIFICATION_DELIVERY_TASK_ID,
      frequency: { seconds },
      timeout: {
        milliseconds: Math.max(60_000, this.options.requestTimeoutMs * 6),
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
   * Claims and sends every due delivery, in rounds of `batchSize`, and
   * settles each as delivered, retrying later, or dead.
   */
  async deliverDue(): Promise<DeliveryRunSummary> {
    const summary: DeliveryRunSummary = {
      claimed: 0,
      delivered: 0,
      retrying: 0,
      dead: 0,
    };
    for (let round = 0; round < MAX_ROUNDS_PER_RUN; round++) {
      const jobs = await this.runner.claimDue(this.options.batchSize);
      summary.claimed += jobs.length;
      if (jobs.length === 0) break;
      for (const outcome of await Promise.all(jobs.map(job => job.done))) {
        if (outcome.status === 'completed') summary[outcome.result]++;
      }
      if (jobs.length < this.options.batchSize) break;
    }
    if (!this.stopped) await this.cleanUpOccasionally();
    return summary;
  }

  /**
   * Stops delivering: no more claims, deliveries not yet sent are given
   * back, those on the wire are settled, and the claims are released so
   * that another replica takes over at once. For a shutdown hook.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.runner.stop();
    await this.running?.catch(() => {});
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
        } while (this.runAgain);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async deliverClaimed(
    job: LeasedJob<DeliveryRow>,
  ): Promise<DeliveryOutcome> {
    const subscription = await this.knex<SubscriptionRow>(SUBSCRIPTIONS_TABLE)
      .where('id', job.row.subscription_id)
      .first();
    // Stopping: what is not on the wire yet is left to another replica.
    if (job.signal.aborted) throw job.signal.reason;
    return this.deliver(job.row, subscription, job.token);
  }

  private async deliver(
    row: DeliveryRow,
    subscription: SubscriptionRow | undefined,
    claimToken: string,
  ): Promise<DeliveryOutcome> {
    if (!subscription) {
      // Deleted after the claim: ETSI sends nothing after unsubscribing.
      await this.settle(row, claimToken, {
        state: 'dead',
        last_error: 'The subscription was deleted',
      });
      return 'dead';
    }
    let authentication: SubscriptionAuthentication | undefined;
    let failure: string;
    try {
      // Credentials that do not decrypt fail the attempt like any other error.
      authentication = readSubscriptionAuthentication(
        subscription,
        this.cipher,
      );
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
        },
      );
      await response.body?.cancel().catch(() => {});
      if (response.ok) {
        await this.settle(row, claimToken, {
          state: 'delivered',
          delivered_at: new Date(this.now()),
          last_error: null,
        });
        return 'delivered';
      }
      if (response.status === 401) {
        this.authenticator.invalidate(authentication);
      }
      failure = `The subscriber answered HTTP ${response.status}`;
    } catch (error) {
      failure = (error as Error).message ?? String(error);
    }
    return this.scheduleRetry(row, claimToken, failure);
  }

  private async scheduleRetry(
    row: DeliveryRow,
    claimToken: string,
    failure: string,
  ): Promise<'retrying' | 'dead'> {
    const attempts = row.attempts + 1;
    const now = this.now();
    const age = now - new Date(row.created_at).getTime();
    const delay = Math.min(
      this.options.initialBackoffMs *
        this.options.backoffFactor ** (attempts - 1),
      this.options.maxBackoffMs,
    );
    if (age + delay > this.options.maxAgeMs) {
      await this.settle(row, claimToken, {
        state: 'dead',
        attempts,
        last_error: failure,
      });
      this.logger.warn(
        `Gave up notification ${row.notification_id} to subscription ${row.subscription_id} after ${attempts} attempts: ${failure}`,
      );
      return 'dead';
    }
    await this.settle(row, claimToken, {
      attempts,
      next_attempt_at: this.deliveries.clock.now(delay),
      last_error: failure,
    });
    this.logger.debug(
      `Notification ${row.notification_id} to subscription ${row.subscription_id} failed (attempt ${attempts}), retrying in ${delay} ms: ${failure}`,
    );
    return 'retrying';
  }

  /** Updates a row only while our claim holds, and releases the claim. */
  private async settle(
    row: DeliveryRow,
    claimToken: string,
    changes: { [K in keyof DeliveryRow]?: DeliveryRow[K] | Knex.Raw },
  ): Promise<void> {
    const attempts = changes.attempts ?? row.attempts + 1;
    await this.knex<DeliveryRow>(DELIVERIES_TABLE)
      .where({ id: row.id, claimed_by: claimToken })
      .update({
        ...changes,
        attempts,
        claimed_until: null,
        claimed_by: null,
      });
  }

  private async cleanUpOccasionally(): Promise<void> {
    const now = this.now();
    if (now - this.lastCleanup < 10 * 60_000) return;
    this.lastCleanup = now;
    await this.knex<DeliveryRow>(DELIVERIES_TABLE)
      .whereIn('state', ['delivered', 'dead'])
      .where('created_at', '<', new Date(now - this.options.retentionMs))
      .delete();
  }
}
