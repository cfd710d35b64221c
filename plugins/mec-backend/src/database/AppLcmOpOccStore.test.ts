import { createTestDatabases } from '../__testUtils__/databases';
import { AppLcmOpOccStore } from './AppLcmOpOccStore';
import { applyDatabaseMigrations } from './migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('AppLcmOpOccStore on %p', id => {
  let store: AppLcmOpOccStore;

  beforeAll(async () => {
    const knex = await databases.init(id);
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
    const until = new Date(Date.now() + 60_000);
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.claim('race', `replica-${i}`, until),
      ),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await store.listUnclaimed()).not.toContain('race');
  });

  it('lets another replica resume once the lease ran out, and fences the old one', async () => {
    await insert('lease');
    const soon = new Date(Date.now() + 60_000);
    expect(await store.claim('lease', 'dead', soon)).toBe(true);
    const later = new Date(Date.now() + 120_000);
    expect(await store.listUnclaimed(later)).toContain('lease');
    expect(await store.claim('lease', 'alive', soon, later)).toBe(true);
    expect(await store.renew('lease', 'dead', soon)).toBe(false);
    expect(
      await store.transition('lease', ['STARTING'], 'PROCESSING', {
        claim: 'dead',
      }),
    ).toBe(false);
    expect(
      await store.transition('lease', ['STARTING'], 'PROCESSING', {
        claim: 'alive',
      }),
    ).toBe(true);
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
});
