import { Knex } from 'knex';
import { LeaseTable } from '../jobs';

/**
 * The leases of a table of long-running work whose rows are work to do
 * while their state is one of `inFlight`, oldest first: one replica works on
 * each row and another resumes it once a crashed holder's lease runs out.
 */
export function inFlightLeases(
  knex: Knex,
  table: string,
  columns: { state: string; token: string; until: string },
  inFlight: string[],
): LeaseTable {
  return LeaseTable.create(knex, {
    table,
    tokenColumn: columns.token,
    untilColumn: columns.until,
    runnable: query => query.whereIn(columns.state, inFlight),
    orderBy: 'created_at',
  });
}
