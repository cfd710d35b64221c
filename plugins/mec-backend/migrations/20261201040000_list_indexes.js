/*
 * Indexes for paged lists (ETSI GS MEC 009 paging): every list is read in
 * keyset order, creation time then id, and the attribute filters most used
 * on instances and op occurrences are narrowed in SQL.
 */

// @ts-check

/** @type {Array<[string, string[], string]>} table, columns, index name */
const INDEXES = [
  ['app_packages', ['created_at', 'id'], 'app_packages_list_idx'],
  ['app_instances', ['created_at', 'id'], 'app_instances_list_idx'],
  ['app_instances', ['app_d_id'], 'app_instances_app_d_id_idx'],
  ['app_instances', ['app_name'], 'app_instances_app_name_idx'],
  [
    'app_instances',
    ['app_instance_name'],
    'app_instances_app_instance_name_idx',
  ],
  [
    'app_instances',
    ['instantiation_state'],
    'app_instances_instantiation_state_idx',
  ],
  ['app_lcm_op_occs', ['created_at', 'id'], 'app_lcm_op_occs_list_idx'],
  // One instance's operations, in list order (`_links/appInstance/href`).
  [
    'app_lcm_op_occs',
    ['app_instance_id', 'created_at', 'id'],
    'app_lcm_op_occs_instance_list_idx',
  ],
  [
    'mec_subscriptions',
    ['api', 'owner', 'created_at', 'id'],
    'mec_subscriptions_list_idx',
  ],
];

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  for (const [table, columns, name] of INDEXES) {
    await knex.schema.alterTable(table, t => {
      t.index(columns, name);
    });
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  for (const [table, columns, name] of [...INDEXES].reverse()) {
    await knex.schema.alterTable(table, t => {
      t.dropIndex(columns, name);
    });
  }
};
