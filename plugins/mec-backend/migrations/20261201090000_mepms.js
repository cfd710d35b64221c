/*
 * The MEO's registry of MEPMs (`/mepms`): each MEPM's apiRoot, its
 * encrypted credentials, its latest health and the MEO's subscription to
 * its lifecycle notifications. The hosts a MEPM reports join `edge_hosts`
 * with source `mepm`, naming their MEPM in the new column `mepm`.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('mepms', table => {
    table.comment('MEC Platform Managers registered with this MEO');
    table
      .string('name', 63)
      .primary()
      .notNullable()
      .comment('Unique DNS-label name of the MEPM');
    table.string('title').nullable();
    table.text('description').nullable();
    table.text('api_root').notNullable().comment("The MEPM's ETSI {apiRoot}");
    table
      .string('auth_type', 32)
      .notNullable()
      .comment('token or oauth2ClientCredentials');
    table
      .text('auth_encrypted')
      .notNullable()
      .comment('Ciphertext (mec.encryptionKeys) of the JSON auth settings');
    table.text('status').nullable().comment('JSON of the latest check');
    table
      .text('subscription_href')
      .nullable()
      .comment("The MEO's app_lcm subscription on the MEPM");
    table.timestamp('notified_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.alterTable('edge_hosts', table => {
    table
      .string('mepm', 63)
      .nullable()
      .comment('The MEPM that reports the host (source mepm)');
    table.index(['mepm'], 'edge_hosts_mepm_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edge_hosts', table => {
    table.dropIndex(['mepm'], 'edge_hosts_mepm_idx');
    table.dropColumn('mepm');
  });
  await knex.schema.dropTable('mepms');
};
