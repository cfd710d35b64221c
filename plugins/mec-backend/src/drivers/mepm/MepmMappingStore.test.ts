import { applyDatabaseMigrations } from '../../database/migrations';
import { createTestDatabases } from '../../__testUtils__/databases';
import { MepmMappingStore } from './MepmMappingStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'MepmMappingStore on %p',
  databaseId => {
    let store: MepmMappingStore;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      store = MepmMappingStore.create({ knex });
    });

    it('maps instances and op occurrences, and forgets them with the instance', async () => {
      await store.insertInstance({
        appInstanceId: 'meo-1',
        mepmName: 'mepm-a',
        remoteAppInstanceId: 'remote-1',
      });
      expect(await store.getInstance('meo-1')).toEqual({
        appInstanceId: 'meo-1',
        mepmName: 'mepm-a',
        remoteAppInstanceId: 'remote-1',
      });
      await store.putOpOcc({
        appLcmOpOccId: 'op-1',
        appInstanceId: 'meo-1',
        mepmName: 'mepm-a',
        remoteAppLcmOpOccId: 'remote-op-1',
      });
      await store.setReportedFailed('op-1', true);
      expect(await store.getOpOcc('op-1')).toEqual({
        appLcmOpOccId: 'op-1',
        appInstanceId: 'meo-1',
        mepmName: 'mepm-a',
        remoteAppLcmOpOccId: 'remote-op-1',
        reportedFailed: true,
      });
      // Sent anew: the new remote op occurrence, not yet failed.
      await store.putOpOcc({
        appLcmOpOccId: 'op-1',
        appInstanceId: 'meo-1',
        mepmName: 'mepm-a',
        remoteAppLcmOpOccId: 'remote-op-2',
      });
      expect(await store.getOpOcc('op-1')).toMatchObject({
        remoteAppLcmOpOccId: 'remote-op-2',
        reportedFailed: false,
      });
      await store.putOpOcc({
        appLcmOpOccId: 'op-2',
        appInstanceId: 'meo-1',
        mepmName: 'mepm-a',
        remoteAppLcmOpOccId: 'remote-op-3',
      });
      await store.deleteOpOccsExcept('meo-1', 'op-2');
      expect(
        (await store.listOpOccs('meo-1')).map(o => o.appLcmOpOccId),
      ).toEqual(['op-2']);

      await store.deleteInstance('meo-1');
      expect(await store.getInstance('meo-1')).toBeUndefined();
      expect(await store.listOpOccs('meo-1')).toEqual([]);
    });
  },
);
