import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@helmmec/plugin-mec-backend',
  'migrations',
);

/**
 * Brings the mec plugin's database schema up to date. Knex holds a migration
 * lock, so concurrent backend replicas starting at once are safe.
 */
export async function applyDatabaseMigrations(knex: Knex): Promise<void> {
  await knex.migrate.latest({ directory: migrationsDir });
}

/**
 * On SQLite (the embedded default of `npm start`), switches the plugin's file
 * to write-ahead logging; the file stays so. better-sqlite3 commits on the
 * event loop: with the rollback journal each commit synced the disk several
 * times and held every request meanwhile. In WAL mode better-sqlite3 syncs at
 * checkpoints (synchronous NORMAL): a commit survives a crash of the process,
 * and only a power loss can take back the last ones, leaving the file
 * consistent. Production runs on PostgreSQL.
 */
export async function useWriteAheadLog(knex: Knex): Promise<void> {
  if (!/sqlite/.test(String(knex.client.config.client ?? ''))) return;
  await knex.raw('PRAGMA journal_mode = WAL');
}
