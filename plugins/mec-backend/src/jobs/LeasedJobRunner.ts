import { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { Knex } from 'knex';
import { performance } from 'node:perf_hooks';
import { JobCancelledError, LeaseLostError } from './errors';
import { Lease, LeaseTable } from './LeaseTable';

/** One claimed job, as its handler sees it. */
export interface LeasedJob<TRow> {
  readonly id: string;
  /** The claim's token; make the job's writes conditional on it. */
  readonly token: string;
  /** The row as it was claimed. */
  readonly row: TRow;
  /**
   * Aborted when the job must stop: its lease was lost or could not be
   * renewed in time, it was cancelled, or the runner is stopping. The
   * reason is a {@link LeaseLostError} unless the job was cancelled.
   */
  readonly signal: AbortSignal;
  /**
   * Confirms and extends the lease, e.g. inside the transaction of a write
   * (pass it as `db`); throws {@link LeaseLostError} when the lease is gone.
   */
  hold(db?: Knex | Knex.Transaction): Promise<void>;
}

/** How one job ended. */
export type JobOutcome<TResult> =
  | { status: 'completed'; result: TResult }
  /** The job stopped after its signal was aborted, or lost its lease. */
  | { status: 'aborted'; reason: unknown }
  | { status: 'failed'; error: unknown };

/** A job this runner has claimed and started. */
export interface RunningJob<TResult> {
  id: string;
  done: Promise<JobOutcome<TResult>>;
}

/** Options of {@link LeasedJobRunner.create}. */
export interface LeasedJobRunnerOptions<TRow, TResult> {
  /** What a job is, for log messages, e.g. `Lifecycle operation`. */
  jobName: string;
  table: LeaseTable<TRow>;
  handler: (job: LeasedJob<TRow>) => Promise<TResult>;
  logger: LoggerService;
  /** How long a claim lasts without renewal; default 60 s. */
  leaseMs?: number;
  /** How often a running job's lease is renewed; default a quarter of the lease. */
  renewIntervalMs?: number;
  /**
   * A job is aborted when its lease has less than this left and no renewal
   * has succeeded, so that it stops before another replica may claim it;
   * default a quarter of the lease.
   */
  safetyMarginMs?: number;
  /** Jobs run at once by this runner; default 10. */
  concurrency?: number;
  /**
   * How long {@link LeasedJobRunner.stop} waits for aborted jobs; those
   * still running then keep their claims until they run out. Default 30 s.
   */
  stopTimeoutMs?: number;
  /**
   * Called after every renewal; a result other than `undefined` aborts the
   * job with that reason, e.g. a cancel requested through another replica.
   */
  watch?: (job: LeasedJob<TRow>) => Promise<unknown>;
}

interface Entry<TResult> {
  done: Promise<JobOutcome<TResult>>;
  abort: AbortController;
  /** Stops renewing; the claim then runs out. */
  stopHeartbeat: () => void;
}

const now = () => performance.now();

/**
 * Runs jobs kept as rows of a {@link LeaseTable}, each on one replica at a
 * time: claims them (one by id, or the due ones in a batch), renews their
 * leases while they run, aborts a job whose lease is lost or cannot be
 * renewed before it may expire, and releases the claim when the job ends.
 * A replica that dies leaves claims that run out, and any runner then
 * resumes those jobs. At most `concurrency` jobs run at once; jobs
 * triggered beyond that wait in this process for a free slot.
 *
 * Lease times are kept on the database's clock. Locally the runner only
 * counts how long a lease is at least valid, from the moment the claim or
 * renewal was sent, on the monotonic clock.
 */
export class LeasedJobRunner<TRow = Record<string, unknown>, TResult = void> {
  static create<TRow = Record<string, unknown>, TResult = void>(
    options: LeasedJobRunnerOptions<TRow, TResult>,
  ): LeasedJobRunner<TRow, TResult> {
    const leaseMs = options.leaseMs ?? 60_000;
    const renewIntervalMs = options.renewIntervalMs ?? leaseMs / 4;
    const safetyMarginMs = options.safetyMarginMs ?? leaseMs / 4;
    const concurrency = options.concurrency ?? 10;
    if (!(renewIntervalMs > 0 && renewIntervalMs < leaseMs - safetyMarginMs)) {
      throw new Error(
        `${options.jobName}: the lease renewal interval must be positive and shorter than the lease minus its safety margin`,
      );
    }
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new Error(`${options.jobName}: concurrency must be at least 1`);
    }
    return new LeasedJobRunner(options, {
      leaseMs,
      renewIntervalMs,
      safetyMarginMs,
      concurrency,
      stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
    });
  }

  private readonly running = new Map<string, Entry<TResult>>();
  /** Jobs triggered while every slot was taken, in trigger order. */
  private readonly waiting = new Map<
    string,
    Array<(outcome: Promise<JobOutcome<TResult> | undefined>) => void>
  >();
  /** Slots held by claims on their way to the database. */
  private claiming = 0;
  private stopped = false;

  private constructor(
    private readonly options: LeasedJobRunnerOptions<TRow, TResult>,
    private readonly timing: {
      leaseMs: number;
      renewIntervalMs: number;
      safetyMarginMs: number;
      concurrency: number;
      stopTimeoutMs: number;
    },
  ) {}

  /** Runs a job in the background when it can be claimed; errors are logged. */
  trigger(id: string): void {
    this.run(id).catch(error =>
      this.options.logger.warn(
        `${this.options.jobName} ${id} could not be claimed: ${stringifyError(
          error,
        )}`,
      ),
    );
  }

  /**
   * Claims a job and runs it, waiting for a free slot if need be.
   *
   * @returns how it ended, or undefined when it was not runnable or someone
   * else holds it (or the runner stopped before it got a slot)
   */
  async run(id: string): Promise<JobOutcome<TResult> | undefined> {
    if (this.stopped) return undefined;
    const entry = this.running.get(id);
    if (entry) return entry.done;
    if (this.freeSlots() > 0) return this.claimAndStart(id);
    return new Promise<JobOutcome<TResult> | undefined>((resolve, reject) => {
      const waiters = this.waiting.get(id) ?? [];
      waiters.push(outcome => outcome.then(resolve, reject));
      this.waiting.set(id, waiters);
    });
  }

  /**
   * Claims up to `limit` runnable jobs that nobody holds (no more than the
   * free slots) and starts them; a poll for new and orphaned jobs.
   */
  async claimDue(limit = Infinity): Promise<RunningJob<TResult>[]> {
    const count = Math.min(limit, this.freeSlots());
    if (this.stopped || count <= 0) return [];
    const claimedAt = now();
    this.claiming += count;
    let leases: Lease<TRow>[];
    try {
      leases = await this.options.table.claimDue(count, this.timing.leaseMs, [
        ...this.running.keys(),
      ]);
    } finally {
      this.claiming -= count;
    }
    const started = leases.map(lease => ({
      id: lease.id,
      done: this.start(lease, claimedAt),
    }));
    // Slots reserved for rows that were not there go to waiting jobs.
    this.startWaiting();
    return started;
  }

  /**
   * Aborts a job this runner runs, with `reason` (a {@link JobCancelledError}
   * by default). The job keeps its lease until it has stopped.
   *
   * @returns whether the job runs here
   */
  cancel(id: string, reason?: unknown): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    if (!entry.abort.signal.aborted) {
      entry.abort.abort(
        reason ??
          new JobCancelledError(`${this.options.jobName} ${id} was cancelled`),
      );
    }
    return true;
  }

  /** The ids of the jobs running here. */
  runningJobs(): string[] {
    return [...this.running.keys()];
  }

  /** Waits until no job runs, waits or is being claimed here. */
  async idle(): Promise<void> {
    while (this.running.size || this.waiting.size || this.claiming) {
      if (this.running.size) {
        await Promise.all([...this.running.values()].map(e => e.done));
      } else {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
    }
  }

  /**
   * Stops claiming, aborts the running jobs (with a {@link LeaseLostError}),
   * waits for them and releases their claims, so that another replica
   * resumes them at once. For a shutdown hook.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [, waiters] of this.waiting) {
      for (const settle of waiters) settle(Promise.resolve(undefined));
    }
    this.waiting.clear();
    for (const [id, entry] of this.running) {
      if (!entry.abort.signal.aborted) {
        entry.abort.abort(
          new LeaseLostError(
            `${this.options.jobName} ${id} stopped: the backend is shutting down`,
          ),
        );
      }
    }
    const jobs = [...this.running.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(jobs.map(e => e.done)).then(() => false),
      new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(true), this.timing.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const [id, entry] of this.running) {
        entry.stopHeartbeat();
        this.options.logger.warn(
          `${this.options.jobName} ${id} did not stop in time; its claim runs out by itself`,
        );
      }
    }
  }

  private freeSlots(): number {
    return this.timing.concurrency - this.running.size - this.claiming;
  }

  private async claimAndStart(
    id: string,
  ): Promise<JobOutcome<TResult> | undefined> {
    const claimedAt = now();
    this.claiming++;
    let lease: Lease<TRow> | undefined;
    try {
      lease = await this.options.table.claim(id, this.timing.leaseMs);
    } finally {
      this.claiming--;
      if (!lease) this.startWaiting();
    }
    return lease ? this.start(lease, claimedAt) : undefined;
  }

  /** Gives free slots to triggered jobs that wait for one. */
  private startWaiting(): void {
    while (!this.stopped && this.freeSlots() > 0 && this.waiting.size) {
      const [id, waiters] = this.waiting.entries().next().value!;
      this.waiting.delete(id);
      const outcome = this.running.has(id)
        ? this.running.get(id)!.done
        : this.claimAndStart(id);
      for (const settle of waiters) settle(outcome);
    }
  }

  private start(
    lease: Lease<TRow>,
    claimedAt: number,
  ): Promise<JobOutcome<TResult>> {
    const { table, logger, jobName, watch } = this.options;
    const { leaseMs, renewIntervalMs, safetyMarginMs } = this.timing;
    const { id } = lease;
    const abort = new AbortController();
    if (this.stopped) {
      // Claimed while stopping: hand it back rather than start it.
      abort.abort(new LeaseLostError(`${jobName} ${id} stopped`));
    }

    // The lease is valid at least until this moment of the monotonic clock.
    let validUntil = claimedAt + leaseMs;
    let heartbeat = true;
    let renewTimer: NodeJS.Timeout | undefined;
    let guardTimer: NodeJS.Timeout | undefined;
    const stopHeartbeat = () => {
      heartbeat = false;
      clearTimeout(renewTimer);
      clearTimeout(guardTimer);
    };
    const lose = (why: string) => {
      stopHeartbeat();
      if (!abort.signal.aborted) {
        abort.abort(new LeaseLostError(`${jobName} ${id}: ${why}`));
      }
    };
    const armGuard = () => {
      clearTimeout(guardTimer);
      guardTimer = setTimeout(
        () => lose('the lease could not be renewed in time'),
        Math.max(0, validUntil - safetyMarginMs - now()),
      );
    };
    const renewed = (sentAt: number) => {
      validUntil = Math.max(validUntil, sentAt + leaseMs);
      if (heartbeat) armGuard();
    };

    const job: LeasedJob<TRow> = {
      id,
      token: lease.token,
      row: lease.row,
      signal: abort.signal,
      hold: async db => {
        const sentAt = now();
        if (!(await table.renew(lease, leaseMs, db))) {
          lose('another replica took the lease over');
          throw new LeaseLostError(`${jobName} ${id} was taken over`);
        }
        renewed(sentAt);
      },
    };

    const scheduleRenewal = () => {
      renewTimer = setTimeout(async () => {
        const sentAt = now();
        try {
          if (!(await table.renew(lease, leaseMs))) {
            lose('another replica took the lease over');
            return;
          }
          renewed(sentAt);
        } catch (error) {
          logger.warn(
            `Lease renewal of ${jobName} ${id} failed: ${stringifyError(
              error,
            )}`,
          );
        }
        if (!heartbeat) return;
        if (watch && !abort.signal.aborted) {
          try {
            const reason = await watch(job);
            if (reason !== undefined && !abort.signal.aborted) {
              abort.abort(reason);
            }
          } catch (error) {
            logger.warn(
              `Watching ${jobName} ${id} failed: ${stringifyError(error)}`,
            );
          }
        }
        if (heartbeat) scheduleRenewal();
      }, renewIntervalMs);
    };
    armGuard();
    scheduleRenewal();

    const execute = async (): Promise<JobOutcome<TResult>> => {
      try {
        if (abort.signal.aborted) {
          return { status: 'aborted', reason: abort.signal.reason };
        }
        return { status: 'completed', result: await this.options.handler(job) };
      } catch (error) {
        if (abort.signal.aborted) {
          return { status: 'aborted', reason: abort.signal.reason };
        }
        if (error instanceof LeaseLostError) {
          return { status: 'aborted', reason: error };
        }
        logger.error(`${jobName} ${id} failed`, toError(error));
        return { status: 'failed', error };
      } finally {
        stopHeartbeat();
        await table
          .release(lease)
          .catch(error =>
            logger.warn(
              `Could not release the claim of ${jobName} ${id}: ${stringifyError(
                error,
              )}`,
            ),
          );
        this.running.delete(id);
        this.startWaiting();
      }
    };
    // In the map before the handler starts, so that it counts as running at once.
    const entry: Entry<TResult> = { done: undefined!, abort, stopHeartbeat };
    this.running.set(id, entry);
    entry.done = execute();
    return entry.done;
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
