/*
 * Edge hosts: the Kubernetes clusters the MEPM deploys application instances
 * to, with their encrypted credential and latest health status.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edge_hosts', table => {
    table.comment('Registered MEC edge hosts (Kubernetes clusters)');
    table
      .string('name', 63)
      .primary()
      .notNullable()
      .comment('Unique DNS-label name of the host');
    table.string('title').nullable();
    table.text('description').nullable();
    table.text('server_url').notNullable().comment('Kubernetes API server URL');
    table
      .text('ca_data')
      .nullable()
      .comment('Base64 PEM of the API server CA, as in a kubeconfig');
    table
      .string('credential_type', 32)
      .notNullable()
      .comment('serviceAccountToken or clientCertificate');
    table
      .text('credential_encrypted')
      .notNullable()
      .comment(
        'AES-256-GCM ciphertext of the credential (mec.hosts.encryptionKey)',
      );
    table.string('driver', 32).notNullable();
    table.text('labels').notNullable().comment('JSON object of string labels');
    table
      .text('location')
      .notNullable()
      .comment('JSON: zone, site, latitude, longitude');
    table
      .text('namespace_policy')
      .notNullable()
      .comment('JSON: perInstance with prefix, or fixed with namespace');
    table.string('source', 8).notNullable().comment('config or api');
    table.text('status').nullable().comment('JSON of the latest health check');
    table.timestamp('status_checked_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('edge_hosts');
};
