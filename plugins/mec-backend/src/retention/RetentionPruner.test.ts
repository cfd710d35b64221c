import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { GrantStore } from '../database/GrantStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { NotificationOutbox } from '../notifications';
import {
  DELIVERIES_TABLE,
  SUBSCRIPTIONS_TABLE,
} from '../notifications/SubscriptionStore';
import { createTestDatabases } from '../__testUtils__/databases';
import { RetentionPruner } from './RetentionPruner';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const DAY = 24 * 3600_000;
const now = Date.now();
const daysAgo = (days: number) => new Date(now - days * DAY);

describe.each(databases.eachSupportedId())('retention on %p', id => {
  let knex: Knex;
  const logger = mockServices.logger.mock();
  const pruner = (
    options: Parameters<typeof RetentionPruner.create>[0]['options'] = {},
  ) =>
    RetentionPruner.create({
      opOccs: AppLcmOpOccStore.create({ knex }),
      grants: GrantStore.create({ knex }),
      outbox: NotificationOutbox.create({ knex }),
      logger,
      options,
      now: () => now,
    });

  const instance = async (operationInProgress?: string) => {
    const instanceId = randomUUID();
    await knex('app_instances').insert({
      id: instanceId,
      app_pkg_id: randomUUID(),
      app_d_id: 'appd',
      app_provider: 'p',
      app_name: 'a',
      app_soft_version: '1',
      app_d_version: '1',
      instantiation_state: 'INSTANTIATED',
      operation_in_progress: operationInProgress ?? null,
      created_at: daysAgo(100),
      updated_at: daysAgo(100),
    });
    return instanceId;
  };
  /** An op occurrence that entered its state `ended` days ago, with a grant as old. */
  const opOcc = async (
    appInstanceId: string,
    state: string,
    ended: number,
    options: { id?: string } = {},
  ) => {
    const opOccId = options.id ?? randomUUID();
    const grantId = randomUUID();
    await knex('app_lcm_op_occs').insert({
      id: opOccId,
      app_instance_id: appInstanceId,
      lcm_operation: 'INSTANTIATE',
      operation_state: state,
      state_entered_time: daysAgo(ended),
      start_time: daysAgo(ended + 0.01),
      operation_params: '{}',
      grant_id: grantId,
      created_at: daysAgo(ended + 0.01),
    });
    await knex('grants').insert({
      id: grantId,
      app_instance_id: appInstanceId,
      app_lcm_op_occ_id: opOccId,
      operation: 'INSTANTIATE',
      host_name: 'edge',
      container_namespace: 'ns',
      grant: '{}',
      created_at: daysAgo(ended + 0.01),
    });
    return { opOccId, grantId };
  };
  const ids = async (table: string) =>
    (await knex(table).select('id')).map(r => r.id).sort();

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
  });

  beforeEach(async () => {
    for (const table of [
      'grants',
      'app_lcm_op_occs',
      'app_instances',
      DELIVERIES_TABLE,
      SUBSCRIPTIONS_TABLE,
    ]) {
      await knex(table).delete();
    }
  });

  it('deletes old ended op occurrences and their grants, keeping what live instances refer to', async () => {
    const live = await instance();
    const oldDone = await opOcc(live, 'COMPLETED', 60);
    const oldFailed = await opOcc(live, 'FAILED', 50);
    const recent = await opOcc(live, 'COMPLETED', 10);
    // The latest operation of a live instance stays, however old.
    const quiet = await instance();
    const quietsLast = await opOcc(quiet, 'COMPLETED', 90);
    const quietsFirst = await opOcc(quiet, 'COMPLETED', 95);
    // Of an instance that is gone, every old one goes.
    const gone = randomUUID();
    const orphan = await opOcc(gone, 'COMPLETED', 40);
    // Not ended: stays, whatever its age.
    const stuck = await opOcc(await instance(), 'FAILED_TEMP', 80);
    const stuckNewer = await opOcc(
      (
        await knex('app_lcm_op_occs').where({ id: stuck.opOccId }).first()
      ).app_instance_id,
      'COMPLETED',
      70,
    );
    // Named by its instance as the operation in progress: stays.
    const heldId = randomUUID();
    const holder = await instance(heldId);
    const held = await opOcc(holder, 'FAILED', 80, { id: heldId });
    const holdersLast = await opOcc(holder, 'COMPLETED', 40);

    const summary = await pruner({ grantsMs: 1000 * DAY }).prune();
    expect(summary).toMatchObject({ opOccurrences: 4, grants: 4 });
    expect(await ids('app_lcm_op_occs')).toEqual(
      [
        recent.opOccId,
        quietsLast.opOccId,
        stuck.opOccId,
        stuckNewer.opOccId,
        held.opOccId,
        holdersLast.opOccId,
      ].sort(),
    );
    expect(await ids('app_lcm_op_occs')).not.toContain(oldDone.opOccId);
    expect(await ids('app_lcm_op_occs')).not.toContain(oldFailed.opOccId);
    expect(await ids('app_lcm_op_occs')).not.toContain(orphan.opOccId);
    expect(await ids('app_lcm_op_occs')).not.toContain(quietsFirst.opOccId);
    // The grants went with their op occurrences.
    expect(await ids('grants')).toEqual(
      [
        recent.grantId,
        quietsLast.grantId,
        stuck.grantId,
        stuckNewer.grantId,
        held.grantId,
        holdersLast.grantId,
      ].sort(),
    );
  });

  it('deletes in chunks until none is left', async () => {
    for (let i = 0; i < 5; i++) await opOcc(randomUUID(), 'COMPLETED', 40);
    expect(
      await AppLcmOpOccStore.create({ knex }).deleteEndedBefore(daysAgo(30), {
        chunk: 2,
      }),
    ).toEqual({ opOccurrences: 5, grants: 5 });
    expect(await ids('app_lcm_op_occs')).toEqual([]);
  });

  it('deletes old grants unless an op occurrence in progress needs them', async () => {
    const inst = await instance();
    const ended = await opOcc(inst, 'COMPLETED', 20);
    const retried = await opOcc(inst, 'FAILED_TEMP', 19);
    const running = await opOcc(inst, 'PROCESSING', 18);
    const fresh = await opOcc(inst, 'COMPLETED', 1);
    const summary = await pruner({ grantsMs: 7 * DAY }).prune();
    expect(summary).toEqual({
      opOccurrences: 0,
      grants: 1,
      deliveredNotifications: 0,
    });
    expect(await ids('grants')).toEqual(
      [retried.grantId, running.grantId, fresh.grantId].sort(),
    );
    // The op occurrences themselves are younger than their retention.
    expect(await ids('app_lcm_op_occs')).toContain(ended.opOccId);
  });

  it('deletes settled notifications after their retention, never pending ones', async () => {
    const subscriptionId = randomUUID();
    await knex(SUBSCRIPTIONS_TABLE).insert({
      id: subscriptionId,
      api: 'app_pkgm',
      subscription_type: 'AppPackageOnBoardingSubscription',
      callback_uri: 'http://127.0.0.1:9/n',
      created_at: daysAgo(10),
      delivery_due_at: daysAgo(10),
    });
    const row = (
      state: string,
      queued: number,
      delivered: number | null,
      subscription = subscriptionId,
    ) => ({
      id: randomUUID(),
      notification_id: randomUUID(),
      subscription_id: subscription,
      payload: '{}',
      attempts: 1,
      next_attempt_at: daysAgo(queued),
      state,
      created_at: daysAgo(queued),
      delivered_at: delivered === null ? null : daysAgo(delivered),
    });
    const oldDelivered = row('delivered', 3, 2);
    const freshDelivered = row('delivered', 3, 0.5);
    const oldDead = row('dead', 2, null);
    const waiting = row('pending', 5, null);
    const orphaned = row('pending', 0.1, null, randomUUID());
    await knex(DELIVERIES_TABLE).insert([
      oldDelivered,
      freshDelivered,
      oldDead,
      waiting,
      orphaned,
    ]);
    const summary = await pruner().prune();
    expect(summary.deliveredNotifications).toBe(3);
    expect(await ids(DELIVERIES_TABLE)).toEqual(
      [freshDelivered.id, waiting.id].sort(),
    );
  });

  it('keeps op occurrences at least as long as a notification may wait', async () => {
    const p = RetentionPruner.create({
      opOccs: AppLcmOpOccStore.create({ knex }),
      grants: GrantStore.create({ knex }),
      outbox: NotificationOutbox.create({ knex }),
      logger,
      options: { opOccurrencesMs: DAY },
      deliveryMaxAgeMs: 3 * DAY,
    });
    expect(p.options.opOccurrencesMs).toBe(3 * DAY);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('mec.retention.opOccurrences'),
    );
  });

  it('runs as a global scheduled task', async () => {
    const scheduler = mockServices.scheduler.mock();
    await pruner().start(scheduler);
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({
        id: 'mec-retention',
        frequency: { hours: 1 },
        scope: 'global',
      }),
    );
  });
});
