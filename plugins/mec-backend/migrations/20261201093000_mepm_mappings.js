/*
 * The MEO's side of instances it placed on a MEPM's hosts (the `mepm`
 * edge driver): which instance on which MEPM stands for each of its own
 * instances, and which of the MEPM's op occurrences carries each of its
 * own. Identifiers on the two sides differ (ETSI GS MEC 010-2: each
 * manager names its own resources); the mapping is written before anything
 * depends on it, so a resumed operation never creates or sends twice.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('mepm_app_instances', table => {
    table
      .string('app_instance_id')
      .primary()
      .comment("The MEO's application instance");
    table.string('mepm_name').notNullable().comment('The MEPM that holds it');
    table
      .string('remote_app_instance_id')
      .notNullable()
      .comment("The instance's id on that MEPM");
    table.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('mepm_app_lcm_op_occs', table => {
    table
      .string('app_lcm_op_occ_id')
      .primary()
      .comment("The MEO's op occurrence");
    table
      .string('app_instance_id')
      .notNullable()
      .index()
      .comment("The MEO's application instance it operates");
    table.string('mepm_name').notNullable();
    table
      .string('remote_app_lcm_op_occ_id')
      .notNullable()
      .comment('The op occurrence on the MEPM that carries it');
    table
      .boolean('reported_failed')
      .notNullable()
      .defaultTo(false)
      .comment(
        "The MEO's op occurrence failed since the remote one was sent or retried: the next execution is a retry",
      );
    table.timestamp('created_at', { useTz: true }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('mepm_app_lcm_op_occs');
  await knex.schema.dropTable('mepm_app_instances');
};
