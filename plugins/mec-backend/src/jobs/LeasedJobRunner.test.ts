import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { JobCancelledError, LeaseLostError } from './errors';
import {
  LeasedJob,
  LeasedJobRunner,
  LeasedJobRunnerOptions,
} from './LeasedJobRunner';
import { LeaseTable } from './LeaseTable';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const TABLE = 'test_leased_jobs';

interface JobRow {
  id: string;
  state: 'pending' | 'done';
  claim: string | null;
  claimed_until: unknown;
  runs: number;
  created_at: Date;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Resolves when `signal` aborts, with its reason. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>(resolve => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener('abort', () => resolve(signal.reason), {
      once: true,
    });
  });

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('Timed out');
    await sleep(50);
  }
}

describe.each(databases.eachSupportedId())('LeasedJobRunner on %p', dbId => {
  let knex: Knex;
  let table: LeaseTable<JobRow>;
  const logger = mockServices.logger.mock();
  const runners: LeasedJobRunner<JobRow, string>[] = [];

  beforeAll(async () => {
    knex = await databases.init(dbId);
    await knex.schema.createTable(TABLE, t => {
      t.string('id', 36).primary();
      t.string('state', 16).notNullable();
      t.string('claim', 36).nullable();
      t.timestamp('claimed_until', { useTz: true }).nullable();
      t.integer('runs').notNullable().defaultTo(0);
      t.timestamp('created_at', { useTz: true }).notNullable();
    });
    table = LeaseTable.create<JobRow>(knex, {
      table: TABLE,
      tokenColumn: 'claim',
      untilColumn: 'claimed_until',
      runnable: q => q.where('state', 'pending'),
      orderBy: 'created_at',
    });
  });

  beforeEach(async () => {
    await knex(TABLE).delete();
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map(r => r.stop()));
    jest.restoreAllMocks();
  });

  const insertJobs = async (count: number) => {
    const ids = Array.from({ length: count }, (_, i) => `job-${i}`);
    await knex(TABLE).insert(
      ids.map((id, i) => ({
        id,
        state: 'pending',
        runs: 0,
        created_at: new Date(Date.now() + i),
      })),
    );
    return ids;
  };

  /** Counts its run and marks it done, while the claim is ours. */
  const complete = async (job: LeasedJob<JobRow>) => {
    await knex.transaction(async trx => {
      await job.hold(trx);
      await trx(TABLE)
        .where({ id: job.id, claim: job.token })
        .update({ state: 'done', runs: trx.raw('runs + 1') });
    });
    return job.id;
  };

  const runner = (
    handler: LeasedJobRunnerOptions<JobRow, string>['handler'],
    options: Partial<LeasedJobRunnerOptions<JobRow, string>> = {},
  ) => {
    const r = LeasedJobRunner.create<JobRow, string>({
      jobName: 'Test job',
      table,
      handler,
      logger,
      leaseMs: 1500,
      renewIntervalMs: 300,
      safetyMarginMs: 400,
      concurrency: 3,
      stopTimeoutMs: 5000,
      ...options,
    });
    runners.push(r);
    return r;
  };

  it('runs every job exactly once when two runners race for them', async () => {
    const ids = await insertJobs(20);
    const ran: string[] = [];
    let active = 0;
    let maxActive = 0;
    const handler = async (job: LeasedJob<JobRow>) => {
      ran.push(job.id);
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(15);
      active--;
      return complete(job);
    };
    const one = runner(handler);
    const two = runner(handler);
    const pending = async () =>
      Number(
        (await knex(TABLE).where('state', 'pending').count({ n: '*' }))[0].n,
      );
    const drain = async (r: LeasedJobRunner<JobRow, string>) => {
      while ((await pending()) > 0) {
        await r.claimDue();
        await sleep(5);
      }
      await r.idle();
    };
    // Both poll for due jobs and both are triggered for every job.
    ids.forEach(id => {
      one.trigger(id);
      two.trigger(id);
    });
    await Promise.all([drain(one), drain(two)]);
    await Promise.all([one.idle(), two.idle()]);

    expect([...ran].sort()).toEqual([...ids].sort());
    const rows = await knex<JobRow>(TABLE).select();
    expect(rows.every(r => r.state === 'done' && r.runs === 1)).toBe(true);
    expect(rows.every(r => r.claim === null && r.claimed_until === null)).toBe(
      true,
    );
    // Two runners of three slots each.
    expect(maxActive).toBeLessThanOrEqual(6);
  });

  it('keeps at most `concurrency` jobs running, and runs the rest later', async () => {
    const ids = await insertJobs(7);
    let active = 0;
    let maxActive = 0;
    const r = runner(
      async job => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(30);
        active--;
        return complete(job);
      },
      { concurrency: 2 },
    );
    const outcomes = await Promise.all(ids.map(id => r.run(id)));
    expect(maxActive).toBe(2);
    expect(outcomes.map(o => o?.status)).toEqual(ids.map(() => 'completed'));
    expect(await r.claimDue()).toEqual([]);

    await knex(TABLE).update({ state: 'pending' });
    const started = await r.claimDue();
    expect(started).toHaveLength(2);
    await r.idle();
  });

  it('keeps renewing the lease of a job that runs longer than the lease', async () => {
    const [id] = await insertJobs(1);
    const other = runner(complete);
    const r = runner(async job => {
      await sleep(2500);
      expect(await other.run(id)).toBeUndefined();
      return complete(job);
    });
    const outcome = r.run(id);
    await sleep(1800);
    expect(await other.claimDue()).toEqual([]);
    expect(await outcome).toEqual({ status: 'completed', result: id });
  });

  it('resumes the job of a runner that died once its lease ran out', async () => {
    const [id] = await insertJobs(1);
    // A replica claims the job and dies: nobody renews or releases the claim.
    const dead = await table.claim(id, 1000);
    expect(dead).toBeDefined();

    const r = runner(complete);
    expect(await r.run(id)).toBeUndefined();
    expect(await r.claimDue()).toEqual([]);

    const [resumed] = await eventually(async () => {
      const jobs = await r.claimDue();
      return jobs.length ? jobs : undefined;
    });
    expect(resumed.id).toBe(id);
    expect(await resumed.done).toEqual({ status: 'completed', result: id });
    // The dead holder's late write goes nowhere.
    expect(
      await knex(TABLE)
        .where({ id, claim: dead!.token })
        .update({ state: 'pending' }),
    ).toBe(0);
  });

  it('aborts a job whose lease cannot be renewed, before the lease runs out', async () => {
    const [id] = await insertJobs(1);
    let claimableAtAbort: boolean | undefined;
    const r = runner(async job => {
      const reason = await aborted(job.signal);
      // Nobody else may hold the job yet: it was aborted with time to spare.
      claimableAtAbort = (await table.listClaimable()).includes(id);
      throw reason;
    });
    jest
      .spyOn(table, 'renew')
      .mockRejectedValue(new Error('connection refused'));

    const outcome = await r.run(id);
    expect(outcome).toEqual({
      status: 'aborted',
      reason: expect.any(LeaseLostError),
    });
    expect(claimableAtAbort).toBe(false);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('connection refused'),
    );
    // The claim was released at the end, so the job can be resumed at once.
    expect(await table.listClaimable()).toEqual([id]);
  });

  it('aborts a job whose renewal hangs', async () => {
    const [id] = await insertJobs(1);
    const r = runner(async job => {
      throw await aborted(job.signal);
    });
    jest.spyOn(table, 'renew').mockReturnValue(new Promise(() => {}));
    expect(await r.run(id)).toEqual({
      status: 'aborted',
      reason: expect.any(LeaseLostError),
    });
  });

  it('aborts a job that another replica took over, and its writes go nowhere', async () => {
    const [id] = await insertJobs(1);
    let held: unknown;
    const r = runner(async job => {
      await aborted(job.signal);
      held = await job.hold().catch(e => e);
      return complete(job);
    });
    const outcome = r.run(id);
    await sleep(100);
    await knex(TABLE).where({ id }).update({ claim: 'someone-else' });
    expect(await outcome).toEqual({
      status: 'aborted',
      reason: expect.any(LeaseLostError),
    });
    expect(held).toBeInstanceOf(LeaseLostError);
    expect(await knex(TABLE).where({ id }).first()).toMatchObject({
      state: 'pending',
      runs: 0,
      claim: 'someone-else',
    });
  });

  it('stop() aborts running jobs and releases their claims for another runner', async () => {
    const ids = await insertJobs(2);
    const reasons: unknown[] = [];
    const stopping = runner(async job => {
      reasons.push(await aborted(job.signal));
      return job.id;
    });
    const started = await stopping.claimDue();
    expect(started.map(j => j.id).sort()).toEqual(ids);

    await stopping.stop();
    expect(reasons).toEqual([
      expect.any(LeaseLostError),
      expect.any(LeaseLostError),
    ]);
    expect(await stopping.claimDue()).toEqual([]);
    expect(await stopping.run(ids[0])).toBeUndefined();

    // No waiting for the lease to run out.
    const other = runner(complete);
    const resumed = await other.claimDue();
    expect(resumed.map(j => j.id).sort()).toEqual(ids);
    await other.idle();
    expect(
      (await knex<JobRow>(TABLE).select()).map(r => [r.state, r.runs]),
    ).toEqual([
      ['done', 1],
      ['done', 1],
    ]);
  });

  it('cancels a job, locally or through watch', async () => {
    const [first, second] = await insertJobs(2);
    const handler = async (job: LeasedJob<JobRow>) => {
      throw await aborted(job.signal);
    };
    const r = runner(handler);
    const outcome = r.run(first);
    await eventually(async () => r.runningJobs().includes(first) || undefined);
    expect(r.cancel(first)).toBe(true);
    expect(r.cancel('not-running')).toBe(false);
    expect(await outcome).toEqual({
      status: 'aborted',
      reason: expect.any(JobCancelledError),
    });

    const cancelledElsewhere = new Error('cancel requested');
    const watched = runner(handler, {
      watch: async job => (job.id === second ? cancelledElsewhere : undefined),
    });
    expect(await watched.run(second)).toEqual({
      status: 'aborted',
      reason: cancelledElsewhere,
    });
  });

  it('reports a failing job and releases it', async () => {
    const [id] = await insertJobs(1);
    const r = runner(async () => {
      throw new Error('boom');
    });
    expect(await r.run(id)).toEqual({
      status: 'failed',
      error: new Error('boom'),
    });
    expect(await table.listClaimable()).toEqual([id]);
  });

  it('compares leases with the database clock, whatever form a date was stored in', async () => {
    const [id] = await insertJobs(1);
    const lease = (await table.claim(id, 60_000))!;
    const row = await knex(TABLE).where({ id }).first();
    const until = new Date(row.claimed_until).getTime();
    expect(Math.abs(until - (Date.now() + 60_000))).toBeLessThan(5_000);

    // Dates written as ISO text (SQLite keeps them as text) count too.
    await knex(TABLE)
      .where({ id })
      .update({ claimed_until: new Date(Date.now() + 60_000).toISOString() });
    expect(await table.claim(id, 1000)).toBeUndefined();
    await knex(TABLE)
      .where({ id })
      .update({ claimed_until: new Date(Date.now() - 1000).toISOString() });
    expect(await table.claim(id, 1000)).toBeDefined();
    expect(await table.renew(lease, 1000)).toBe(false);
  });
});
