import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { createLifecycleFixture } from './__testUtils__/lifecycleFixture';
import { LcmCommand } from './model';
import { releaseNameOf } from './OpOccExecutor';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('OpOccExecutor on %p', id => {
  let knex: Knex;
  let fx: Awaited<ReturnType<typeof createLifecycleFixture>>;

  beforeAll(async () => {
    knex = await databases.init(id);
  });

  beforeEach(async () => {
    fx = await createLifecycleFixture(knex);
  });

  /** Starts an operation and waits until the executor has settled it. */
  async function execute(appInstanceId: string, command: LcmCommand) {
    const opOcc = await fx.lifecycle.startOperation(appInstanceId, command);
    fx.lifecycle.run(opOcc.id);
    await fx.executor.idle();
    return fx.lifecycle.getOpOcc(opOcc.id);
  }

  async function instantiated(values: Record<string, unknown> = {}) {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    const opOcc = await execute(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values,
    });
    expect(opOcc.operationState).toBe('COMPLETED');
    return instance.id;
  }

  const statesOf = (opOccId: string) =>
    fx.notifications.opOccStates.mock.calls
      .filter(([, , o]) => o.id === opOccId)
      .map(([, , o]) => o.operationState);

  it('instantiates on the host with the most free CPU, announcing each state', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    const opOcc = await execute(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: { replicaCount: 2 },
    });

    expect(opOcc).toMatchObject({
      operationState: 'COMPLETED',
      lcmOperation: 'INSTANTIATE',
      grantId: expect.any(String),
    });
    expect(opOcc.error).toBeUndefined();
    expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'INSTANTIATED',
      operationalState: 'STARTED',
      hostName: 'edge-a',
      namespace: 'mec-apps-edge-a',
      releaseName: releaseNameOf(instance.id),
      operationInProgress: undefined,
    });
    const [release] = fx.driver.releases.values();
    expect(release.spec).toMatchObject({
      namespace: 'mec-apps-edge-a',
      values: { replicaCount: 2 },
      chart: { name: 'location-service', version: '0.1.0' },
      labels: { 'mec.etsi.org/app-instance-id': instance.id },
    });
    expect(statesOf(opOcc.id)).toEqual(['STARTING', 'PROCESSING', 'COMPLETED']);
    expect(
      fx.notifications.instanceStates.mock.calls.map(([, , state]) => state),
    ).toEqual(['STARTED']);
    const grant = await fx.granting.getGrant(opOcc.grantId!);
    expect(grant).toMatchObject({
      operation: 'INSTANTIATE',
      hostName: 'edge-a',
      appLcmOpOccId: opOcc.id,
    });
  });

  it('places by the selected host and labels', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    await execute(instance.id, {
      lcmOperation: 'INSTANTIATE',
      hostSelection: { requiredLabels: { zone: 'zone-b' } },
      values: {},
    });
    expect((await fx.lifecycle.getInstance(instance.id)).hostName).toBe(
      'edge-b',
    );
  });

  it('stops and starts an instance', async () => {
    const appInstanceId = await instantiated();
    const stop = await execute(appInstanceId, {
      lcmOperation: 'OPERATE',
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 42,
    });
    expect(stop.operationState).toBe('COMPLETED');
    expect(fx.driver.calls.at(-1)).toMatchObject({
      call: 'operate STOPPED',
      host: 'edge-a',
      options: { timeoutSeconds: 42 },
    });
    expect(
      (await fx.lifecycle.getInstance(appInstanceId)).operationalState,
    ).toBe('STOPPED');

    const start = await execute(appInstanceId, {
      lcmOperation: 'OPERATE',
      changeStateTo: 'STARTED',
    });
    expect(start.operationState).toBe('COMPLETED');
    expect(
      (await fx.lifecycle.getInstance(appInstanceId)).operationalState,
    ).toBe('STARTED');
    expect(
      fx.notifications.instanceStates.mock.calls.map(([, , state]) => state),
    ).toEqual(['STARTED', 'STOPPED', 'STARTED']);
  });

  it('terminates an instance and releases its placement', async () => {
    const appInstanceId = await instantiated();
    const terminate = await execute(appInstanceId, {
      lcmOperation: 'TERMINATE',
      terminationType: 'GRACEFUL',
      gracefulTerminationTimeout: 30,
    });
    expect(terminate.operationState).toBe('COMPLETED');
    expect(fx.driver.calls.at(-1)).toMatchObject({
      call: 'uninstall',
      options: { mode: 'GRACEFUL', timeoutSeconds: 30 },
    });
    expect(fx.driver.releases.size).toBe(0);
    const instance = await fx.lifecycle.getInstance(appInstanceId);
    expect(instance).toMatchObject({
      instantiationState: 'NOT_INSTANTIATED',
      operationalState: undefined,
      hostName: undefined,
      namespace: undefined,
      releaseName: undefined,
      operationInProgress: undefined,
    });
    // terminated on the host it ran on
    const grant = await fx.granting.getGrant(terminate.grantId!);
    expect(grant).toMatchObject({ hostName: 'edge-a', addedResources: [] });
  });

  it('leaves a failed driver call in FAILED_TEMP with the error, holding the instance', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    fx.driver.failWith = new Error('chart values are invalid');
    const opOcc = await execute(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    expect(opOcc.operationState).toBe('FAILED_TEMP');
    expect(opOcc.error).toEqual({
      title: 'Operation failed',
      status: 500,
      detail: 'chart values are invalid',
    });
    expect(statesOf(opOcc.id)).toEqual([
      'STARTING',
      'PROCESSING',
      'FAILED_TEMP',
    ]);
    expect(
      (await fx.lifecycle.getInstance(instance.id)).operationInProgress,
    ).toBe(opOcc.id);

    // the fault clears: retry completes it where it was granted
    fx.driver.failWith = undefined;
    await fx.lifecycle.retry(opOcc.id);
    fx.lifecycle.run(opOcc.id);
    await fx.executor.idle();
    expect((await fx.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
      'COMPLETED',
    );
    expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'INSTANTIATED',
      hostName: 'edge-a',
    });
  });

  it('ends a cancelled operation in FAILED_TEMP', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    fx.driver.hang = true;
    const called = fx.driver.called;
    const opOcc = await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    fx.lifecycle.run(opOcc.id);
    await called;
    await fx.lifecycle.cancel(opOcc.id, 'FORCED');
    await fx.executor.idle();
    const cancelled = await fx.lifecycle.getOpOcc(opOcc.id);
    expect(cancelled).toMatchObject({
      operationState: 'FAILED_TEMP',
      isCancelPending: false,
      error: { title: 'Cancelled', status: 409 },
    });
    expect(cancelled.error?.detail).toMatch(/cancelled/);
  });

  it('refuses placement when no host fits, then completes on retry once one does', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    const opOcc = await execute(instance.id, {
      lcmOperation: 'INSTANTIATE',
      hostSelection: { requiredLabels: { zone: 'zone-x' } },
      values: {},
    });
    expect(opOcc.operationState).toBe('FAILED_TEMP');
    expect(opOcc.error).toMatchObject({
      title: 'No edge host fits',
      status: 403,
    });
    expect(opOcc.error?.detail).toMatch(
      /edge-a: label zone is 'zone-a', 'zone-x' required/,
    );
    expect(opOcc.error?.detail).toMatch(
      /edge-b: label zone is 'zone-b', 'zone-x' required/,
    );
    expect(fx.driver.calls).toEqual([]);

    fx.hosts[1].labels.zone = 'zone-x';
    await fx.lifecycle.retry(opOcc.id);
    fx.lifecycle.run(opOcc.id);
    await fx.executor.idle();
    expect((await fx.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
      'COMPLETED',
    );
    expect((await fx.lifecycle.getInstance(instance.id)).hostName).toBe(
      'edge-b',
    );
  });

  const claimOf = async (opOccId: string) =>
    (await knex('app_lcm_op_occs').where({ id: opOccId }).first()).claim;

  it('runs an operation once when two replicas race for it', async () => {
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    const opOcc = await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: {},
    });
    const replicas = [fx.executor, fx.createExecutor()];

    await Promise.all(replicas.map(replica => replica.execute(opOcc.id)));

    expect(fx.driver.calls.map(c => c.call)).toEqual(['install']);
    expect(statesOf(opOcc.id)).toEqual(['STARTING', 'PROCESSING', 'COMPLETED']);
    expect(await claimOf(opOcc.id)).toBeNull();
  });

  it('resumes an operation whose holder stopped renewing its lease, not one still held', async () => {
    const startInstantiate = async () => {
      const instance = await fx.lifecycle.createInstance({
        appDId: 'appd-location',
      });
      return fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'INSTANTIATE',
        values: {},
      });
    };
    const crashed = await startInstantiate();
    const held = await startInstantiate();
    // a replica that died after claiming, and one that is alive
    await fx.opOccs.leases.claim(crashed.id, 1);
    await fx.opOccs.leases.claim(held.id, 60_000);
    await new Promise(resolve => setTimeout(resolve, 50));

    await fx.executor.resumeUnclaimed();
    await fx.executor.idle();

    expect((await fx.lifecycle.getOpOcc(crashed.id)).operationState).toBe(
      'COMPLETED',
    );
    expect((await fx.lifecycle.getOpOcc(held.id)).operationState).toBe(
      'STARTING',
    );
    expect(statesOf(held.id)).toEqual([]);
  });

  it('runs no more operations at once than its concurrency; stop() hands them back', async () => {
    const executor = fx.createExecutor({ concurrency: 1 });
    fx.driver.hang = true;
    const called = fx.driver.called;
    const opOccIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const instance = await fx.lifecycle.createInstance({
        appDId: 'appd-location',
      });
      const opOcc = await fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'INSTANTIATE',
        values: {},
      });
      opOccIds.push(opOcc.id);
      executor.trigger(opOcc.id);
    }
    await called;
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(fx.driver.calls).toHaveLength(1);

    await executor.stop();

    // nothing written for the aborted call: another replica resumes both at once
    for (const opOccId of opOccIds) {
      expect(await claimOf(opOccId)).toBeNull();
    }
    expect((await fx.lifecycle.getOpOcc(opOccIds[0])).operationState).toBe(
      'PROCESSING',
    );
    fx.driver.hang = false;
    const other = fx.createExecutor();
    await other.resumeUnclaimed();
    await other.idle();
    for (const opOccId of opOccIds) {
      expect((await fx.lifecycle.getOpOcc(opOccId)).operationState).toBe(
        'COMPLETED',
      );
    }
  });
});
