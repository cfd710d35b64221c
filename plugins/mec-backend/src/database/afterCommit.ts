import { Knex } from 'knex';

/** Whether `db` is a transaction rather than the plain client. */
export function isTransaction(
  db: Knex | Knex.Transaction,
): db is Knex.Transaction {
  return (db as Knex.Transaction).isTransaction === true;
}

/**
 * Runs `callback` once what was written through `db` is committed: when the
 * transaction commits (never if it rolls back), or at once outside one.
 * Errors of the callback are its own; they never reach the writer.
 */
export function afterCommit(
  db: Knex | Knex.Transaction | undefined,
  callback: () => void,
): void {
  const run = () => {
    try {
      callback();
    } catch {
      // The change is committed; a listener's failure does not undo it.
    }
  };
  if (db && isTransaction(db)) {
    // Resolves when the transaction commits, rejects on rollback.
    db.executionPromise.then(run, () => {});
  } else {
    run();
  }
}
