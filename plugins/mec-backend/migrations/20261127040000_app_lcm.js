/*
 * Application lifecycle management (app_lcm): application instances, their
 * lifecycle operation occurrences, and the grants the MEO gave for them.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('app_instances', table => {
    table.comment('MEC application instances (AppInstanceInfo)');
    table.string('id', 36).primary().notNullable();
    table.string('app_instance_name').nullable();
    table.text('app_instance_description').nullable();
    table.string('app_pkg_id', 36).notNullable();
    table.string('app_d_id').notNullable();
    table.string('app_provider').notNullable();
    table.string('app_name').notNullable();
    table.string('app_soft_version').notNullable();
    table.string('app_d_version').notNullable();
    table.string('instantiation_state', 20).notNullable();
    table.string('operational_state', 10).nullable();
    table.string('host_name').nullable().comment('Edge host it runs on');
    table.string('namespace').nullable();
    table.string('release_name').nullable();
    table
      .string('operation_in_progress', 36)
      .nullable()
      .comment('The op occurrence that holds the instance: one at a time');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['app_pkg_id'], 'app_instances_app_pkg_id_idx');
    table.index(['host_name'], 'app_instances_host_name_idx');
  });

  await knex.schema.createTable('app_lcm_op_occs', table => {
    table.comment(
      'Lifecycle operation occurrences (AppLcmOpOcc), a persisted state machine',
    );
    table.string('id', 36).primary().notNullable();
    table.string('app_instance_id', 36).notNullable();
    table.string('lcm_operation', 12).notNullable();
    table.string('operation_state', 12).notNullable();
    table.timestamp('state_entered_time', { useTz: true }).notNullable();
    table.timestamp('start_time', { useTz: true }).notNullable();
    table.text('operation_params').notNullable().comment('JSON request');
    table.boolean('is_cancel_pending').notNullable().defaultTo(false);
    table.string('cancel_mode', 10).nullable();
    table
      .text('error')
      .nullable()
      .comment('JSON ProblemDetails of the last failure');
    table.string('grant_id', 36).nullable();
    table.boolean('start_notified').notNullable().defaultTo(false);
    table.timestamp('claimed_until', { useTz: true }).nullable();
    table.string('claim', 36).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['app_instance_id'], 'app_lcm_op_occs_instance_idx');
    table.index(['operation_state'], 'app_lcm_op_occs_state_idx');
  });

  await knex.schema.createTable('grants', table => {
    table.comment('Grants of the MEO for lifecycle operations (granting/v1)');
    table.string('id', 36).primary().notNullable();
    table.string('app_instance_id', 36).notNullable();
    table.string('app_lcm_op_occ_id', 36).notNullable();
    table.string('operation', 12).notNullable();
    table.string('host_name').notNullable();
    table.string('container_namespace').notNullable();
    table.text('grant').notNullable().comment('JSON Grant as returned');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['app_lcm_op_occ_id'], 'grants_op_occ_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('grants');
  await knex.schema.dropTable('app_lcm_op_occs');
  await knex.schema.dropTable('app_instances');
};
