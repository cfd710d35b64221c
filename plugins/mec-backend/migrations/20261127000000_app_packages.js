/*
 * Application packages (ETSI GS MEC 010-2 AppPkgInfo) known to the MEO, with
 * their onboarded content.
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
      .comment('Where the package is fetched from, if not uploaded');
    table
      .string('app_d_id')
      .nullable()
      .comment('appDId from the AppD, once onboarded');
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
    table
      .timestamp('onboarding_claimed_until', { useTz: true })
      .nullable()
      .comment('Lease of the backend replica that is onboarding the package');
    table
      .string('onboarding_claim', 36)
      .nullable()
      .comment(
        'Token of the current lease; writes of an expired holder are ignored',
      );
    table.text('appd').nullable().comment('The AppD as JSON, once onboarded');
    table
      .text('appd_derivation')
      .nullable()
      .comment('JSON list of AppD attributes derived from Chart.yaml');
    table.string('chart_name').nullable();
    table.string('chart_version').nullable();
    table
      .string('chart_digest')
      .nullable()
      .comment('SHA-256 of the chart archive, for the Helm repository index');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['onboarding_state'], 'app_packages_onboarding_state_idx');
    table.index(['app_d_id'], 'app_packages_app_d_id_idx');
  });
  // At most one onboarded package per appDId (clause 7.2).
  await knex.raw(
    `CREATE UNIQUE INDEX app_packages_onboarded_app_d_id_uq ON app_packages (app_d_id) WHERE onboarding_state = 'ONBOARDED'`,
  );

  await knex.schema.createTable('app_package_contents', table => {
    table.comment(
      'Archives of packages: uploaded or fetched (staged) and, once onboarded, the AppD and chart',
    );
    table
      .string('app_pkg_id', 36)
      .primary()
      .references('id')
      .inTable('app_packages')
      .onDelete('CASCADE');
    table.binary('package_archive').notNullable();
    table
      .string('package_media_type')
      .notNullable()
      .comment(
        'application/zip for a MEC package, application/gzip for a bare chart',
      );
    table.text('appd_text').nullable();
    table.string('appd_file_name').nullable();
    table.binary('chart_archive').nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('app_package_contents');
  await knex.schema.dropTable('app_packages');
};
