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
