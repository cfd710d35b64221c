/*
 * Notification subscriptions of the ETSI MEC APIs (app_pkgm now, app_lcm
 * later) and the outbox of notification deliveries the background worker
 * posts to subscribers' callbackUri.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('mec_subscriptions', table => {
    table.comment('Subscriptions to ETSI MEC notifications');
    table.string('id', 36).primary().notNullable().comment('subscriptionId');
    table
      .string('api', 16)
      .notNullable()
      .comment('The API the subscription belongs to: app_pkgm or app_lcm');
    table
      .string('subscription_type', 64)
      .notNullable()
      .comment('V3.1.1 subscriptionType value');
    table.text('callback_uri').notNullable();
    table
      .text('filter')
      .nullable()
      .comment('JSON of the type-specific filter attributes');
    table
      .text('authentication')
      .nullable()
      .comment(
        'JSON SubscriptionAuthentication with secrets; never returned or logged',
      );
    table
      .string('owner')
      .nullable()
      .comment('Principal that created the subscription');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['api', 'subscription_type'], 'mec_subscriptions_type_idx');
    table.index(['api', 'owner'], 'mec_subscriptions_owner_idx');
  });

  await knex.schema.createTable('mec_notification_deliveries', table => {
    table.comment('Outbox: one row per notification and subscription');
    table.string('id', 36).primary().notNullable();
    table
      .string('notification_id', 36)
      .notNullable()
      .comment('Notification id, shared by every copy of one event');
    table.string('subscription_id', 36).notNullable();
    table.text('payload').notNullable().comment('JSON notification body');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable();
    table
      .string('state', 16)
      .notNullable()
      .comment('pending, delivered or dead');
    table.text('last_error').nullable();
    table
      .timestamp('claimed_until', { useTz: true })
      .nullable()
      .comment('A worker is delivering the row until then');
    table
      .string('claimed_by', 36)
      .nullable()
      .comment('Token of the claim, so that only its holder settles the row');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('delivered_at', { useTz: true }).nullable();
    table.index(['state', 'next_attempt_at'], 'mec_deliveries_due_idx');
    table.index(['subscription_id'], 'mec_deliveries_subscription_idx');
    table.index(['notification_id'], 'mec_deliveries_notification_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('mec_notification_deliveries');
  await knex.schema.dropTable('mec_subscriptions');
};
