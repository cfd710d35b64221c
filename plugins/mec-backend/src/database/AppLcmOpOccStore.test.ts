import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { AppLcmOpOccStore } from './AppLcmOpOccStore';
import { GrantStore } from './GrantStore';
import { applyDatabaseMigrations } from './migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('AppLcmOpOccStore on %p', id => {
  let store: AppLcmOpOccStore;
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(id);
    await applyDatabaseMigrations(knex);
    store = AppLcmOpOccStore.create({ knex });
  });

  const insert = async (opId: string) => {
    const now = new Date();
    await store.insert({
      id: opId,
      appInstanceId: 'instance-1',
      lcmOperation: 'INSTANTIATE',
      operationState: 'STARTING',
      stateEnteredTime: now,
      startTime: now,
      command: { lcmOperation: 'INSTANTIATE', values: {} },
      isCancelPending: false,
      startNotified: false,
    });
  };

  it('lets exactly one of many racing replicas take an operation', async () => {
    await insert('race');
    const wins = await Promise.all(
      Array.from({ length: 10 }, () => store.leases.claim('race', 60_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await store.leases.listClaimable()).not.toContain('race');
  });

  it('lets another replica resume once the lease ran out, and fences the old one', async () => {
    await insert('lease');
    const dead = (await store.leases.claim('lease', 1))!;
    expect(dead).toBeDefined();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(await store.leases.listClaimable()).toContain('lease');
    const alive = (await store.leases.claim('lease', 60_000))!;
    expect(alive).toBeDefined();
    expect(await store.leases.renew(dead, 60_000)).toBe(false);
    expect(
      await store.transition('lease', ['STARTING'], 'PROCESSING', {
        claim: dead.token,
      }),
    ).toBe(false);
    expect(
      await store.transition('lease', ['STARTING'], 'PROCESSING', {
        claim: alive.token,
      }),
    ).toBe(true);
  });

  it('leases only occurrences in flight', async () => {
    await insert('settled');
    await store.transition('settled', ['STARTING'], 'FAILED_TEMP');
    expect(await store.leases.claim('settled', 60_000)).toBeUndefined();
    expect(await store.leases.listClaimable()).not.toContain('settled');
  });

  it('moves only from the expected states', async () => {
    await insert('states');
    expect(
      await store.transition('states', ['FAILED_TEMP'], 'PROCESSING'),
    ).toBe(false);
    expect(await store.requestCancel('states', 'GRACEFUL')).toBe(false);
    expect(await store.transition('states', ['STARTING'], 'PROCESSING')).toBe(
      true,
    );
    expect(await store.requestCancel('states', 'FORCED')).toBe(true);
    const op = await store.get('states');
    expect(op).toMatchObject({ isCancelPending: true, cancelMode: 'FORCED' });
  });

  it('converts stored requests and wire grants to commands and domain grants, and back', async () => {
    const migration = {
      directory: resolvePackagePath(
        '@helmmec/plugin-mec-backend',
        'migrations',
      ),
      name: '20261128010000_lcm_commands.js',
    };
    await knex.migrate.down(migration);
    const now = new Date();
    const legacy = (opId: string, operation: string, params: object) => ({
      id: opId,
      app_instance_id: 'instance-legacy',
      lcm_operation: operation,
      operation_state: 'COMPLETED',
      state_entered_time: now,
      start_time: now,
      operation_params: JSON.stringify(params),
      is_cancel_pending: false,
      start_notified: true,
      created_at: now,
    });
    await knex('app_lcm_op_occs').insert([
      legacy('legacy-inst', 'INSTANTIATE', {
        selectedMECHostInfo: [
          { hostName: 'edge-a', hostId: { name: 'edge-a', zone: 'z' } },
          { hostId: 'edge-b' },
        ],
        locationConstraints: {
          countryCode: 'FI',
          area: { type: 'Polygon', coordinates: [[[24, 60]]] },
        },
        additionalParams: { replicaCount: 2 },
      }),
      legacy('legacy-op', 'OPERATE', {
        changeStateTo: 'STOPPED',
        stopType: 'GRACEFUL',
        gracefulStopTimeout: 60,
      }),
      legacy('legacy-term', 'TERMINATE', { terminationType: 'FORCEFUL' }),
    ]);
    await knex('grants').insert({
      id: 'legacy-grant',
      app_instance_id: 'instance-legacy',
      app_lcm_op_occ_id: 'legacy-inst',
      operation: 'INSTANTIATE',
      host_name: 'edge-a',
      container_namespace: 'ns-a',
      grant: JSON.stringify({
        id: 'legacy-grant',
        vimConnections: { 'edge-a': { id: 'edge-a' } },
        addResources: [
          {
            resourceDefinitionId: 'mciop',
            vimConnectionId: 'edge-a',
            zoneId: 'edge-a',
            containerNamespace: 'ns-a',
          },
        ],
      }),
      created_at: now,
    });
    await knex.migrate.up(migration);

    expect((await store.get('legacy-inst'))?.command).toEqual({
      lcmOperation: 'INSTANTIATE',
      hostSelection: {
        candidates: ['edge-a', 'edge-b'],
        requiredLabels: { zone: 'z' },
      },
      locationConstraints: { countryCode: 'FI', area: [[[24, 60]]] },
      values: { replicaCount: 2 },
    });
    expect((await store.get('legacy-op'))?.command).toEqual({
      lcmOperation: 'OPERATE',
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 60,
    });
    expect((await store.get('legacy-term'))?.command).toEqual({
      lcmOperation: 'TERMINATE',
      terminationType: 'FORCEFUL',
    });
    const grants = GrantStore.create({ knex });
    expect(await grants.get('legacy-grant')).toMatchObject({
      hostName: 'edge-a',
      containerNamespace: 'ns-a',
      addedResources: [
        { resourceDefinitionId: 'mciop', containerNamespace: 'ns-a' },
      ],
    });

    // and back: the requests as ETSI bodies again
    await knex.migrate.down(migration);
    const row = await knex('app_lcm_op_occs')
      .where({ id: 'legacy-op' })
      .first();
    expect(JSON.parse(row.operation_params)).toEqual({
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 60,
    });
    const grantRow = await knex('grants').where({ id: 'legacy-grant' }).first();
    expect(JSON.parse(grantRow.grant).addResources).toEqual([
      {
        resourceDefinitionId: 'mciop',
        vimConnectionId: 'edge-a',
        zoneId: 'edge-a',
        containerNamespace: 'ns-a',
      },
    ]);
    await knex.migrate.up(migration);
  });
});
