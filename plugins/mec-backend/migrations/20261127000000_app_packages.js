/*
 * Application packages (ETSI GS MEC 010-2 AppPkgInfo) known to the MEO.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('app_packages', table => {
    table.comment('MEC application packages and their onboarding state');
    table
      .string('id', 36)
      .primary()
      .notNullable()
      .comment('appPkgId, allocated by the MEO');
    table.string('app_pkg_name').notNullable();
    table.string('app_pkg_version').notNullable();
    table
      .text('app_pkg_path')
      .nullable()
      .comment('Where the package was fetched from, if by URL');
    table
      .string('app_d_id')
      .nullable()
      .comment('appDId from the AppD, once processed');
    table.string('app_name').nullable();
    table.string('app_provider').nullable();
    table.string('app_software_version').nullable();
    table.string('app_d_version').nullable();
    table.string('checksum_algorithm').notNullable();
    table.string('checksum_hash').notNullable();
    table.string('onboarding_state', 16).notNullable();
    table.string('operational_state', 16).notNullable();
    table.string('usage_state', 16).notNullable();
    table
      .text('mec_info')
      .notNullable()
      .comment('JSON array of compatible MEC versions');
    table.text('user_defined_data').nullable().comment('JSON object');
    table
      .text('onboarding_failure')
      .nullable()
      .comment('JSON ProblemDetails of the last failed onboarding');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['onboarding_state'], 'app_packages_onboarding_state_idx');
    table.index(['app_d_id'], 'app_packages_app_d_id_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('app_packages');
};
