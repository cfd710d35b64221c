import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * The database engines every DB-touching test runs on: better-sqlite3 always,
 * and PostgreSQL through the server that `npm test` starts (it sets
 * BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING). Under CI a
 * missing PostgreSQL is an error, not a silent skip.
 */
export function createTestDatabases(): TestDatabases {
  const postgres = Object.keys(process.env)
    .map(name =>
      /^BACKSTAGE_TEST_DATABASE_POSTGRES(\d+)_CONNECTION_STRING$/.exec(name),
    )
    .filter((m): m is RegExpExecArray => m !== null)
    .map(m => `POSTGRES_${m[1]}` as TestDatabaseId);
  if (postgres.length === 0 && process.env.CI) {
    throw new Error(
      'No PostgreSQL for the database tests: run them through `npm test`, which starts one',
    );
  }
  return TestDatabases.create({
    ids: ['SQLITE_3', ...postgres],
    disableDocker: true,
  });
}
