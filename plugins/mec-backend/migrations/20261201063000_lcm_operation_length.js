/*
 * CHANGE_APP_PKG (our extension of the lifecycle operations) is longer
 * than the 12 characters lcm_operation was made for. PostgreSQL enforces
 * varchar lengths; SQLite does not, so only PostgreSQL needs the change
 * (knex would rebuild the whole table on SQLite for nothing).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  if (!/^(pg|postgres)/.test(String(knex.client.config.client ?? ''))) return;
  await knex.raw(
    'ALTER TABLE app_lcm_op_occs ALTER COLUMN lcm_operation TYPE varchar(32)',
  );
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (!/^(pg|postgres)/.test(String(knex.client.config.client ?? ''))) return;
  await knex.raw(
    'ALTER TABLE app_lcm_op_occs ALTER COLUMN lcm_operation TYPE varchar(12)',
  );
};
