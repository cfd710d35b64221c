import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { DatabaseClock } from './DatabaseClock';

/** Where the jobs of a {@link LeaseTable} are, and which of them are work to do. */
export interface LeaseTableSpec {
  /** The table; one row per job. */
  table: string;
  /** The job's id column; default `id`. */
  idColumn?: string;
  /** Holds the token of the current claim, so that only its holder writes. */
  tokenColumn: string;
  /** Holds the end of the current claim, in the database's time. */
  untilColumn: string;
  /**
   * Narrows `query` to rows that are work to do (e.g. a state in flight, a
   * due time passed); the lease columns are checked by the table itself.
   * `clock` gives the database's time for due-time conditions.
   */
  runnable: (query: Knex.QueryBuilder, clock: DatabaseClock) => void;
  /** Runnable rows are claimed in this column's ascending order; default the id. */
  orderBy?: string;
}

/** A claim on one job row: valid while the row still holds its token. */
export interface Lease<TRow = Record<string, unknown>> {
  id: string;
  token: string;
  /** The row as it was claimed. */
  row: TRow;
}

/**
 * The claim columns of a job table: claim, renew, confirm and release
 * leases on the database's clock. A job whose holder died becomes claimable
 * again once its lease runs out. Every claim gets a fresh token, and writes
 * of a job's holder should be conditional on it, so that a holder whose
 * lease ran out and was taken over writes nothing.
 */
export class LeaseTable<TRow = Record<string, unknown>> {
  static create<TRow = Record<string, unknown>>(
    knex: Knex,
    spec: LeaseTableSpec,
  ): LeaseTable<TRow> {
    return new LeaseTable<TRow>(knex, spec);
  }

  readonly clock: DatabaseClock;
  private readonly id: string;

  private constructor(
    private readonly knex: Knex,
    private readonly spec: LeaseTableSpec,
  ) {
    this.clock = DatabaseClock.forKnex(knex);
    this.id = spec.idColumn ?? 'id';
  }

  /** Claims one job if it is runnable and nobody holds it. */
  async claim(id: string, leaseMs: number): Promise<Lease<TRow> | undefined> {
    const [lease] = await this.claimWhere(leaseMs, q => q.where(this.id, id));
    return lease;
  }

  /**
   * Claims up to `limit` runnable jobs that nobody holds, in `orderBy`
   * order, leaving out `exclude` (the jobs this runner still runs).
   */
  async claimDue(
    limit: number,
    leaseMs: number,
    exclude: string[] = [],
  ): Promise<Lease<TRow>[]> {
    if (limit <= 0) return [];
    return this.claimWhere(leaseMs, q => {
      q.orderBy(this.spec.orderBy ?? this.id, 'asc').limit(limit);
      if (exclude.length) q.whereNotIn(this.id, exclude);
    });
  }

  /** Extends a lease by `leaseMs` from now; false when it is no longer ours. */
  async renew(
    lease: Pick<Lease, 'id' | 'token'>,
    leaseMs: number,
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<boolean> {
    const count = await db(this.spec.table)
      .where(this.id, lease.id)
      .where(this.spec.tokenColumn, lease.token)
      .update({ [this.spec.untilColumn]: this.clock.now(leaseMs) });
    return count > 0;
  }

  /** Gives a job up, so that anyone may claim it at once; a no-op when it is no longer ours. */
  async release(
    lease: Pick<Lease, 'id' | 'token'>,
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<void> {
    await db(this.spec.table)
      .where(this.id, lease.id)
      .where(this.spec.tokenColumn, lease.token)
      .update({ [this.spec.untilColumn]: null, [this.spec.tokenColumn]: null });
  }

  /** Runnable jobs that nobody holds, in `orderBy` order. */
  async listClaimable(): Promise<string[]> {
    const rows: Array<Record<string, unknown>> = await this.claimable(
      this.knex,
    ).select(this.id);
    return rows.map(row => String(row[this.id]));
  }

  private claimable(db: Knex): Knex.QueryBuilder {
    const query = db(this.spec.table);
    this.spec.runnable(query, this.clock);
    this.clock.whereNullOrPast(query, this.spec.untilColumn);
    return query.orderBy(this.spec.orderBy ?? this.id, 'asc');
  }

  private async claimWhere(
    leaseMs: number,
    narrow: (query: Knex.QueryBuilder) => void,
  ): Promise<Lease<TRow>[]> {
    const token = randomUUID();
    const candidates = this.claimable(this.knex).select(this.id);
    candidates.clearOrder();
    narrow(candidates);
    if (this.clock.dialect === 'pg') {
      // Rows another replica is claiming right now are skipped, not waited for.
      candidates.forUpdate().skipLocked();
    }
    // The outer conditions repeat the lease check: on PostgreSQL a row that
    // was claimed between the subquery's snapshot and its lock stays out.
    const update = this.knex(this.spec.table).whereIn(this.id, candidates);
    this.clock.whereNullOrPast(update, this.spec.untilColumn);
    const changes = {
      [this.spec.untilColumn]: this.clock.now(leaseMs),
      [this.spec.tokenColumn]: token,
    };
    let rows: TRow[];
    if (this.clock.dialect === 'pg') {
      rows = (await update.update(changes).returning('*')) as TRow[];
    } else {
      // SQLite runs one write at a time, so the UPDATE is the claim.
      const count = await update.update(changes);
      rows =
        count > 0
          ? await this.knex(this.spec.table)
              .where(this.spec.tokenColumn, token)
              .orderBy(this.spec.orderBy ?? this.id, 'asc')
          : [];
    }
    return rows.map(row => ({
      id: String((row as Record<string, unknown>)[this.id]),
      token,
      row,
    }));
  }
}
