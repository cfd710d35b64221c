/*
 * Notifications are delivered in order per subscription, one subscription
 * at a time per replica: a subscription is claimed for delivery (a lease on
 * its row) and parked until its next retry when its callback fails, so that
 * one dead subscriber holds no one else up.
 *
 * The order of a subscription's notifications is their insertion order:
 * `seq` (bigserial) on PostgreSQL, the rowid on SQLite.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  const pg = /^(pg|postgres)/.test(String(knex.client.config.client ?? ''));
  await knex.schema.alterTable('mec_subscriptions', table => {
    table
      .timestamp('delivery_due_at', { useTz: true })
      .nullable()
      .comment(
        'Notifications to this subscriber may be sent from then on: parked until the next retry after a failure',
      );
    table
      .string('delivery_claimed_by', 36)
      .nullable()
      .comment('Token of the replica delivering to this subscriber');
    table
      .timestamp('delivery_claimed_until', { useTz: true })
      .nullable()
      .comment('A replica delivers to this subscriber until then');
  });
  await knex('mec_subscriptions').update({
    delivery_due_at: knex.ref('created_at'),
  });
  await knex.schema.alterTable('mec_subscriptions', table => {
    table.index(['delivery_due_at'], 'mec_subscriptions_delivery_due_idx');
  });
  if (pg) {
    await knex.raw(
      'ALTER TABLE mec_notification_deliveries ADD COLUMN seq bigserial',
    );
    await knex.schema.alterTable('mec_notification_deliveries', table => {
      table.index(
        ['subscription_id', 'state', 'seq'],
        'mec_deliveries_subscription_order_idx',
      );
    });
  } else {
    // SQLite appends the rowid to every index: this one is in rowid order.
    await knex.schema.alterTable('mec_notification_deliveries', table => {
      table.index(
        ['subscription_id', 'state'],
        'mec_deliveries_subscription_order_idx',
      );
    });
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  const pg = /^(pg|postgres)/.test(String(knex.client.config.client ?? ''));
  await knex.schema.alterTable('mec_notification_deliveries', table => {
    table.dropIndex([], 'mec_deliveries_subscription_order_idx');
    if (pg) table.dropColumn('seq');
  });
  await knex.schema.alterTable('mec_subscriptions', table => {
    table.dropIndex([], 'mec_subscriptions_delivery_due_idx');
    table.dropColumn('delivery_due_at');
    table.dropColumn('delivery_claimed_by');
    table.dropColumn('delivery_claimed_until');
  });
};
