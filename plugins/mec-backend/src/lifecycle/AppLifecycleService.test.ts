import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { createLifecycleFixture } from './__testUtils__/lifecycleFixture';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('AppLifecycleService on %p', id => {
  let knex: Knex;
  let fx: Awaited<ReturnType<typeof createLifecycleFixture>>;
  let triggered: string[];

  beforeAll(async () => {
    knex = await databases.init(id);
  });

  beforeEach(async () => {
    triggered = [];
    // Nothing executes: each test moves op occurrences itself.
    fx = await createLifecycleFixture(knex, {
      trigger: { trigger: opOccId => triggered.push(opOccId) },
    });
  });

  const create = () => fx.lifecycle.createInstance({ appDId: 'appd-location' });

  /** An instance the way a completed INSTANTIATE leaves it. */
  async function instantiatedInstance() {
    const instance = await create();
    const opOcc = await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    await fx.opOccs.transition(opOcc.id, ['STARTING'], 'PROCESSING');
    await fx.opOccs.transition(opOcc.id, ['PROCESSING'], 'COMPLETED');
    await fx.instances.release(instance.id, opOcc.id, {
      instantiationState: 'INSTANTIATED',
      operationalState: 'STARTED',
      hostName: 'edge-a',
      namespace: 'mec-apps-edge-a',
      releaseName: 'mec-x',
    });
    return instance;
  }

  async function failedTemp() {
    const instance = await create();
    const opOcc = await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    await fx.opOccs.transition(opOcc.id, ['STARTING'], 'FAILED_TEMP', {
      error: { title: 'Operation failed', status: 500, detail: 'boom' },
    });
    return { instance, opOcc };
  }

  it('creates an instance of an enabled package and marks the package in use', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
      appInstanceName: 'loc-1',
    });
    expect(instance).toMatchObject({
      appInstanceName: 'loc-1',
      appPkgId: 'pkg-1',
      appName: 'location-service',
      appProvider: 'example',
      appSoftVersion: '1.0.0',
      instantiationState: 'NOT_INSTANTIATED',
    });
    expect(await fx.lifecycle.getInstance(instance.id)).toEqual(instance);
    expect(fx.packages.pkg.usageState).toBe('IN_USE');
  });

  it('refuses unknown and disabled packages', async () => {
    await expect(
      fx.lifecycle.createInstance({ appDId: 'no-such-appd' }),
    ).rejects.toThrow(InputError);
    fx.packages.pkg.operationalState = 'DISABLED';
    await expect(create()).rejects.toThrow(ConflictError);
  });

  it('persists an operation in STARTING with its command, holding the instance', async () => {
    const instance = await create();
    const command = {
      lcmOperation: 'INSTANTIATE' as const,
      hostSelection: { candidates: ['edge-b'], requiredLabels: { zone: 'b' } },
      locationConstraints: { countryCode: 'SE' },
      values: { replicaCount: 3 },
    };
    const opOcc = await fx.lifecycle.startOperation(instance.id, command);
    expect(await fx.lifecycle.getOpOcc(opOcc.id)).toMatchObject({
      appInstanceId: instance.id,
      lcmOperation: 'INSTANTIATE',
      operationState: 'STARTING',
      command,
      isCancelPending: false,
    });
    expect(
      (await fx.lifecycle.getInstance(instance.id)).operationInProgress,
    ).toBe(opOcc.id);
    // one operation at a time
    await expect(
      fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'INSTANTIATE',
        values: {},
      }),
    ).rejects.toThrow(/operation in progress/);
    expect(triggered).toEqual([]);
    fx.lifecycle.run(opOcc.id);
    expect(triggered).toEqual([opOcc.id]);
  });

  it('refuses operations in the wrong instantiation state', async () => {
    const instance = await create();
    await expect(
      fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'OPERATE',
        changeStateTo: 'STOPPED',
      }),
    ).rejects.toThrow(ConflictError);
    await expect(
      fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'TERMINATE',
        terminationType: 'FORCEFUL',
      }),
    ).rejects.toThrow(/needs an instance that is INSTANTIATED/);
    const running = await instantiatedInstance();
    await expect(
      fx.lifecycle.startOperation(running.id, {
        lcmOperation: 'INSTANTIATE',
        values: {},
      }),
    ).rejects.toThrow(ConflictError);
    await expect(
      fx.lifecycle.startOperation('no-such-instance', {
        lcmOperation: 'INSTANTIATE',
        values: {},
      }),
    ).rejects.toThrow(NotFoundError);
  });

  it('judges OPERATE commands', async () => {
    const running = await instantiatedInstance();
    await expect(
      fx.lifecycle.startOperation(running.id, {
        lcmOperation: 'OPERATE',
        changeStateTo: 'STARTED',
        stopType: 'GRACEFUL',
      }),
    ).rejects.toThrow(InputError);
    await expect(
      fx.lifecycle.startOperation(running.id, {
        lcmOperation: 'OPERATE',
        changeStateTo: 'STOPPED',
        stopType: 'FORCEFUL',
        gracefulStopTimeout: 10,
      }),
    ).rejects.toThrow(/GRACEFUL stop only/);
    await expect(
      fx.lifecycle.startOperation(running.id, {
        lcmOperation: 'OPERATE',
        changeStateTo: 'STARTED',
      }),
    ).rejects.toThrow(/already STARTED/);
    const stop = await fx.lifecycle.startOperation(running.id, {
      lcmOperation: 'OPERATE',
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 10,
    });
    expect(stop.operationState).toBe('STARTING');
  });

  it('retries only FAILED_TEMP operations', async () => {
    const { opOcc } = await failedTemp();
    await fx.lifecycle.retry(opOcc.id);
    expect((await fx.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
      'PROCESSING',
    );
    await expect(fx.lifecycle.retry(opOcc.id)).rejects.toThrow(ConflictError);
    expect(
      fx.notifications.opOccStates.mock.calls.map(([, , o]) => o),
    ).toContainEqual({
      id: opOcc.id,
      operationType: 'INSTANTIATE',
      operationState: 'PROCESSING',
    });
  });

  it('fails FAILED_TEMP operations for good and frees the instance', async () => {
    const { instance, opOcc } = await failedTemp();
    const failed = await fx.lifecycle.fail(opOcc.id);
    expect(failed).toMatchObject({
      operationState: 'FAILED',
      error: { detail: 'boom' },
    });
    expect(
      (await fx.lifecycle.getInstance(instance.id)).operationInProgress,
    ).toBeUndefined();
    await expect(fx.lifecycle.fail(opOcc.id)).rejects.toThrow(ConflictError);
    await expect(fx.lifecycle.retry(opOcc.id)).rejects.toThrow(ConflictError);
    // a new operation may start
    await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
  });

  /** A FAILED_TEMP INSTANTIATE whose partial release is on edge-a. */
  async function failedTempPlaced() {
    const { instance, opOcc } = await failedTemp();
    await fx.instances.setPlacement(instance.id, {
      hostName: 'edge-a',
      namespace: 'mec-apps-edge-a',
      releaseName: 'mec-partial',
    });
    return { instance, opOcc };
  }

  it('fail on an INSTANTIATE removes its release, frees and unplaces the instance', async () => {
    const { instance, opOcc } = await failedTempPlaced();
    const failed = await fx.lifecycle.fail(opOcc.id);
    expect(failed).toMatchObject({
      operationState: 'FAILED',
      error: { detail: 'boom' },
    });
    expect(fx.driver.calls).toEqual([
      {
        call: 'uninstall',
        host: 'edge-a',
        options: expect.objectContaining({ mode: 'FORCEFUL' }),
      },
    ]);
    const freed = await fx.lifecycle.getInstance(instance.id);
    expect(freed).toMatchObject({ instantiationState: 'NOT_INSTANTIATED' });
    expect(freed.operationInProgress).toBeUndefined();
    expect(freed.hostName).toBeUndefined();
    expect(freed.releaseName).toBeUndefined();
    expect(
      fx.notifications.opOccStates.mock.calls
        .map(([, , o]) => o)
        .filter(o => o.id === opOcc.id),
    ).toEqual([
      expect.objectContaining({
        operationState: 'FAILED',
        error: failed.error,
      }),
    ]);
  });

  it('fail on an INSTANTIATE whose release cannot be removed leaves the instance INSTANTIATED and says what is left', async () => {
    const { instance, opOcc } = await failedTempPlaced();
    fx.driver.failWith = new Error('edge-a is unreachable');
    const failed = await fx.lifecycle.fail(opOcc.id);
    expect(failed.operationState).toBe('FAILED');
    expect(failed.error?.detail).toMatch(
      /^boom\. The partial release was not removed: release mec-partial in namespace mec-apps-edge-a on edge host edge-a \(edge-a is unreachable; remove it with `helm uninstall mec-partial --namespace mec-apps-edge-a` on that host\)/,
    );
    expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'INSTANTIATED',
      hostName: 'edge-a',
      releaseName: 'mec-partial',
      operationInProgress: undefined,
    });
    await expect(fx.lifecycle.deleteInstance(instance.id)).rejects.toThrow(
      /terminate it first/,
    );
    await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'TERMINATE',
      terminationType: 'FORCEFUL',
    });
  });

  it('a fail interrupted after FAILED is finished by the next fail', async () => {
    const { instance, opOcc } = await failedTempPlaced();
    // As if the replica died after the first step of a fail.
    await fx.opOccs.transition(opOcc.id, ['FAILED_TEMP'], 'FAILED');
    await expect(
      fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'INSTANTIATE',
        values: {},
      }),
    ).rejects.toThrow(ConflictError);
    await fx.lifecycle.fail(opOcc.id);
    expect(fx.driver.calls.map(c => c.call)).toEqual(['uninstall']);
    expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'NOT_INSTANTIATED',
      operationInProgress: undefined,
    });
    await expect(fx.lifecycle.fail(opOcc.id)).rejects.toThrow(ConflictError);
  });

  it('deleting an instance that still names a placement removes the release first, or refuses', async () => {
    const { instance, opOcc } = await failedTemp();
    // An instance a fail freed before fail removed releases.
    await fx.opOccs.transition(opOcc.id, ['FAILED_TEMP'], 'FAILED');
    await fx.instances.release(instance.id, opOcc.id, {
      hostName: 'edge-a',
      namespace: 'mec-apps-edge-a',
      releaseName: 'mec-left',
    });
    fx.driver.failWith = new Error('edge-a is unreachable');
    await expect(fx.lifecycle.deleteInstance(instance.id)).rejects.toThrow(
      /may still have workloads: release mec-left in namespace mec-apps-edge-a on edge host edge-a/,
    );
    fx.driver.failWith = undefined;
    await fx.lifecycle.deleteInstance(instance.id);
    expect(fx.driver.calls.map(c => c.call)).toEqual([
      'uninstall',
      'uninstall',
    ]);
    await expect(fx.lifecycle.getInstance(instance.id)).rejects.toThrow(
      NotFoundError,
    );
  });

  it('cancels only PROCESSING operations', async () => {
    const { opOcc } = await failedTemp();
    await expect(fx.lifecycle.cancel(opOcc.id, 'GRACEFUL')).rejects.toThrow(
      ConflictError,
    );
    await fx.lifecycle.retry(opOcc.id);
    await fx.lifecycle.cancel(opOcc.id, 'GRACEFUL');
    expect(await fx.lifecycle.getOpOcc(opOcc.id)).toMatchObject({
      isCancelPending: true,
      cancelMode: 'GRACEFUL',
    });
    await expect(fx.lifecycle.cancel('no-such-op', 'FORCED')).rejects.toThrow(
      NotFoundError,
    );
  });

  it('deletes only NOT_INSTANTIATED instances, freeing the package', async () => {
    const running = await instantiatedInstance();
    await expect(fx.lifecycle.deleteInstance(running.id)).rejects.toThrow(
      /terminate it first/,
    );
    const idle = await create();
    const busy = await fx.lifecycle.startOperation(idle.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    await expect(fx.lifecycle.deleteInstance(idle.id)).rejects.toThrow(
      new RegExp(busy.id),
    );
  });

  it('marks the package unused when its last instance is deleted', async () => {
    const instance = await create();
    expect(fx.packages.pkg.usageState).toBe('IN_USE');
    const others = (await fx.lifecycle.listInstances()).filter(
      i => i.appPkgId === 'pkg-1' && i.id !== instance.id,
    );
    await fx.lifecycle.deleteInstance(instance.id);
    await expect(fx.lifecycle.getInstance(instance.id)).rejects.toThrow(
      NotFoundError,
    );
    // the database is shared by the tests: only its last instance frees it
    expect(fx.packages.pkg.usageState).toBe(
      others.length ? 'IN_USE' : 'NOT_IN_USE',
    );
  });
});
