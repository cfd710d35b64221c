/*
 * Who asked: the principal that created an application instance and the
 * one that requested each lifecycle operation, as a user entity ref
 * (`user:default/jane`) or `service:<subject>` for an MEO/OSS client. The
 * portal notifies them of an operation's outcome. Rows from before stay
 * null: nobody is known to notify but the instance's catalog owner.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('app_instances', table => {
    table
      .string('created_by')
      .nullable()
      .comment(
        'Principal that created the instance (user entity ref or service:<subject>)',
      );
  });
  await knex.schema.alterTable('app_lcm_op_occs', table => {
    table
      .string('requested_by')
      .nullable()
      .comment(
        'Principal that requested the operation (user entity ref or service:<subject>)',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('app_lcm_op_occs', table => {
    table.dropColumn('requested_by');
  });
  await knex.schema.alterTable('app_instances', table => {
    table.dropColumn('created_by');
  });
};
