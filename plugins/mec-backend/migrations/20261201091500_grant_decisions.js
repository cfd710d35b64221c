/*
 * Grants for any MEPM (granting/v1 on Mm3): a grant may be decided in the
 * background (asynchronous mode, 202 and polling), so it has a decision
 * state, the request it decides, the refusal it ended in, and the lease of
 * the replica deciding it. A grant for an instance on another MEPM's host
 * that the MEO does not know names no host: host_name stays '' then (the
 * column keeps NOT NULL, SQLite would rebuild the table to drop it).
 * Instance and op occurrence ids of other MEPMs, and grant ids of other
 * MEOs, need not be UUIDs: PostgreSQL gets room for them (SQLite does not
 * enforce varchar lengths).
 */

// @ts-check

const isPostgres = (/** @type {import('knex').Knex} */ knex) =>
  /^(pg|postgres)/.test(String(knex.client.config.client ?? ''));

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('grants', table => {
    table
      .string('decision_state', 12)
      .notNullable()
      .defaultTo('GRANTED')
      .comment('PROCESSING (asynchronous, undecided), GRANTED or REFUSED');
    table
      .text('request')
      .nullable()
      .comment(
        'JSON GrantRequest (domain form) while it is decided in the background',
      );
    table
      .text('refusal')
      .nullable()
      .comment('JSON ProblemDetails of a refused asynchronous grant');
    table.string('decision_claim', 36).nullable();
    table.timestamp('decision_claimed_until', { useTz: true }).nullable();
    table.index(['app_instance_id'], 'grants_instance_idx');
    table.index(['decision_state'], 'grants_decision_state_idx');
  });
  if (isPostgres(knex)) {
    await knex.raw(
      'ALTER TABLE grants ALTER COLUMN app_instance_id TYPE varchar(255), ALTER COLUMN app_lcm_op_occ_id TYPE varchar(255)',
    );
    await knex.raw(
      'ALTER TABLE app_lcm_op_occs ALTER COLUMN grant_id TYPE varchar(255)',
    );
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex('grants').whereNot('decision_state', 'GRANTED').delete();
  await knex.schema.alterTable('grants', table => {
    table.dropIndex(['decision_state'], 'grants_decision_state_idx');
    table.dropIndex(['app_instance_id'], 'grants_instance_idx');
    table.dropColumn('decision_claimed_until');
    table.dropColumn('decision_claim');
    table.dropColumn('refusal');
    table.dropColumn('request');
    table.dropColumn('decision_state');
  });
};
