import { Knex } from 'knex';

// Julian day of 1970-01-01T00:00:00Z, to turn SQLite's julianday() into epoch ms.
const UNIX_EPOCH_JULIAN_DAY = 2440587.5;
const MS_PER_DAY = 86_400_000;

/**
 * The database's clock, as SQL. Leases and due times compare with it rather
 * than with each replica's clock, so replicas whose clocks drift apart still
 * agree on when a lease has run out.
 *
 * Timestamps are stored as knex writes a `Date`: `timestamptz` on
 * PostgreSQL, epoch milliseconds (a number) on better-sqlite3. The SQLite
 * expressions here produce and compare that form; a date that some writer
 * stored as ISO text is read as epoch milliseconds too.
 */
export class DatabaseClock {
  static forKnex(knex: Knex): DatabaseClock {
    const client = String(knex.client.config.client ?? '');
    if (/^(pg|postgres)/.test(client)) return new DatabaseClock(knex, 'pg');
    if (/sqlite/.test(client)) return new DatabaseClock(knex, 'sqlite');
    throw new Error(
      `The mec plugin supports PostgreSQL and SQLite, not the database client '${client}'`,
    );
  }

  private constructor(
    private readonly knex: Knex,
    readonly dialect: 'pg' | 'sqlite',
  ) {}

  /** The database's current time plus `offsetMs`, as a column would hold it. */
  now(offsetMs = 0): Knex.Raw {
    if (this.dialect === 'pg') {
      // clock_timestamp(), not now(): inside a long transaction now() stays
      // at the transaction's start.
      return offsetMs === 0
        ? this.knex.raw('clock_timestamp()')
        : this.knex.raw('(clock_timestamp() + make_interval(secs => ?))', [
            offsetMs / 1000,
          ]);
    }
    return this.knex.raw(
      `(CAST(ROUND((julianday('now') - ${UNIX_EPOCH_JULIAN_DAY}) * ${MS_PER_DAY}) AS INTEGER) + ?)`,
      [Math.round(offsetMs)],
    );
  }

  /** A timestamp column, comparable with {@link DatabaseClock.now}. */
  column(name: string): Knex.Raw {
    if (this.dialect === 'pg') return this.knex.raw('??', [name]);
    return this.knex.raw(
      `(CASE typeof(??) WHEN 'text' THEN CAST(ROUND((julianday(??) - ${UNIX_EPOCH_JULIAN_DAY}) * ${MS_PER_DAY}) AS INTEGER) ELSE ?? END)`,
      [name, name, name],
    );
  }

  /** Adds "`column` is null or before the database's now" to `query`. */
  whereNullOrPast(query: Knex.QueryBuilder, column: string): Knex.QueryBuilder {
    return query.where(q =>
      q.whereNull(column).orWhere(this.column(column), '<', this.now()),
    );
  }
}
