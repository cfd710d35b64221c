import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { createLifecycleFixture } from './__testUtils__/lifecycleFixture';
import { packageCatalog, videoAnalytics } from './__testUtils__/packageCatalog';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/**
 * Giving up a CHANGE_APP_PKG leaves the release on the instance's own
 * package: a change cancelled mid-upgrade (the new chart's revision failed,
 * not rolled back) is put back by `fail`; one the driver rolled back is
 * left alone.
 */
describe.each(databases.eachSupportedId())('fail of a change on %p', id => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(id);
  });

  async function upgrading() {
    const list = [
      videoAnalytics('va-010', '0.1.0', '2.4.1', Buffer.from('0.1.0')),
      videoAnalytics('va-110', '1.1.0', '2.5.0', Buffer.from('1.1.0')),
    ];
    const fx = await createLifecycleFixture(knex, {
      packages: packageCatalog(list),
    });
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-va-010',
    });
    const instantiate = await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: { replicaCount: 3 },
    });
    fx.lifecycle.run(instantiate.id);
    await fx.executor.idle();
    const [release] = fx.driver.releases.values();
    return { fx, list, instance, release };
  }

  it('puts a cancelled change’s release back on the instance’s package', async () => {
    const { fx, list, instance, release } = await upgrading();
    fx.driver.hang = true;
    const called = fx.driver.called;
    const change = await fx.lifecycle.changeAppPkg(instance.id, {
      appDId: 'appd-va-110',
    });
    fx.lifecycle.run(change.id);
    await called;
    await fx.lifecycle.cancel(change.id, 'FORCED');
    await fx.executor.idle();
    expect(await fx.lifecycle.getOpOcc(change.id)).toMatchObject({
      operationState: 'FAILED_TEMP',
      error: { title: 'Cancelled' },
    });
    expect(release.revisions[0]).toMatchObject({
      chart: { version: '1.1.0' },
      status: 'failed',
    });
    expect(list[1].usageState).toBe('IN_USE');

    fx.driver.hang = false;
    const failed = await fx.lifecycle.fail(change.id);
    expect(failed.operationState).toBe('FAILED');
    // Put back with the values of the instantiation.
    expect(release.revisions[0]).toMatchObject({
      revision: 3,
      chart: { name: 'video-analytics', version: '0.1.0' },
      status: 'deployed',
    });
    expect(release.spec.values).toEqual({ replicaCount: 3 });
    expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
      appDId: 'appd-va-010',
      appSoftVersion: '2.4.1',
      operationInProgress: undefined,
    });
    expect(list[1].usageState).toBe('NOT_IN_USE');
    const states = fx.notifications.opOccStates.mock.calls
      .filter(([, , o]) => o.id === change.id)
      .map(([, , o]) => o.operationState);
    expect(states).toEqual(['STARTING', 'PROCESSING', 'FAILED_TEMP', 'FAILED']);
    // Failing again is refused.
    await expect(fx.lifecycle.fail(change.id)).rejects.toMatchObject({
      name: 'ConflictError',
    });
  });

  it('leaves a rolled-back release alone, and says so when it cannot put one back', async () => {
    const { fx, instance, release } = await upgrading();
    fx.driver.failWith = new Error('pods never ready');
    const change = await fx.lifecycle.changeAppPkg(instance.id, {
      appDId: 'appd-va-110',
    });
    fx.lifecycle.run(change.id);
    await fx.executor.idle();
    expect((await fx.lifecycle.getOpOcc(change.id)).error?.detail).toMatch(
      /Rolled back to revision 1/,
    );
    const calls = fx.driver.calls.length;
    const revisions = release.revisions.length;
    await fx.lifecycle.fail(change.id);
    // The rollback already runs 0.1.0: no driver call, no new revision.
    expect(fx.driver.calls.length).toBe(calls);
    expect(release.revisions.length).toBe(revisions);

    // A change interrupted where the host is gone: fail says what is left.
    const again = await fx.lifecycle.changeAppPkg(instance.id, {
      appDId: 'appd-va-110',
    });
    fx.driver.failWith = undefined;
    fx.driver.hang = true;
    const called = fx.driver.called;
    fx.lifecycle.run(again.id);
    await called;
    await fx.lifecycle.cancel(again.id, 'FORCED');
    await fx.executor.idle();
    fx.driver.hang = false;
    fx.driver.failWith = new Error('edge host unreachable');
    const failed = await fx.lifecycle.fail(again.id);
    expect(failed.operationState).toBe('FAILED');
    expect(failed.error?.detail).toMatch(
      /The release was not put back on video-analytics 2\.4\.1: release mec-\S+ in namespace \S+ on edge host edge-a \(.*edge host unreachable.*\) may run another version/,
    );
    expect(
      (await fx.lifecycle.getInstance(instance.id)).operationInProgress,
    ).toBeUndefined();
  });
});
