import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { applyDatabaseMigrations } from '../../database/migrations';
import {
  createFakePackages,
  createHostDirectory,
  exampleHosts,
} from '../../granting/__testUtils__/fakes';
import { createLifecycleFixture } from '../../lifecycle/__testUtils__/lifecycleFixture';
import type { LcmCommand } from '../../lifecycle/model';
import type { MepmDirectory } from '../../mepms/model';
import { MepmNotificationHub } from '../../mepms/MepmNotificationHub';
import {
  MecApiClient,
  OutboundUrlPolicy,
  staticTokenAuth,
} from '../../outbound';
import { createTestDatabases } from '../../__testUtils__/databases';
import { MepmDriver, MepmDriverOptions } from './MepmDriver';
import { MepmMappingStore } from './MepmMappingStore';
import {
  GatedDriver,
  MEPM_TOKEN,
  RemoteMepm,
  startRemoteMepm,
} from './__testUtils__/remoteMepm';

jest.setTimeout(300_000);

const databases = createTestDatabases();
const LCM = 'app_lcm/v1';

/**
 * The `mepm` driver between a MEO (lifecycle management on real stores,
 * executing through the driver) and a MEPM (a second real backend serving
 * Mm3 app_lcm with Backstage's real authentication and an in-memory driver
 * on its edge host): what the MEO's op occurrences say, and what the MEPM
 * holds, converge.
 */
describe.each(databases.eachSupportedId())('MepmDriver on %p', databaseId => {
  let meoKnex: Knex;
  let mepmKnex: Knex;
  let remote: RemoteMepm;
  let appDId: string;
  let client: MecApiClient;
  const outboundPolicy = OutboundUrlPolicy.create({
    allow: [{ host: '127.0.0.1' }],
  });
  const connectTo = (apiRoot: string) => {
    client = MecApiClient.create({
      peer: 'MEPM mepm-a',
      apiRoot,
      auth: staticTokenAuth(MEPM_TOKEN),
      outboundPolicy,
      timeoutMs: 5_000,
    });
  };
  // The MEO's view of which MEPM manages which host.
  const mepms: MepmDirectory = {
    mepmOfHost: async name =>
      name === 'edge-a' ? { name: 'mepm-a', client } : undefined,
  };

  beforeAll(async () => {
    mepmKnex = await databases.init(databaseId);
    meoKnex = await databases.init(databaseId);
    await applyDatabaseMigrations(meoKnex);
    const started = await startRemoteMepm(mepmKnex, { onboard: true });
    remote = started;
    appDId = started.appDId!;
    connectTo(remote.apiRoot);
  });

  afterAll(async () => {
    await remote?.stop();
  });

  /** A MEO on its own database whose only host, edge-a, is mepm-a's. */
  async function createMeo(
    options: Partial<MepmDriverOptions> = {},
    hub = new MepmNotificationHub(),
  ) {
    const mappings = MepmMappingStore.create({ knex: meoKnex });
    const driver = new MepmDriver(
      { mepms, hub, mappings, logger: mockServices.logger.mock() },
      { pollIntervalMs: 100, unreachableMs: 1_000, ...options },
    );
    const packages = createFakePackages();
    // The MEO's package is the one the MEPM has onboarded.
    packages.pkg.appDId = appDId;
    const meo = await createLifecycleFixture(meoKnex, {
      driver,
      packages,
      hosts: createHostDirectory(exampleHosts().slice(0, 1)),
      executor: { leaseMs: 4_000 },
    });
    const run = async (appInstanceId: string, command: LcmCommand) => {
      const opOcc = await meo.lifecycle.startOperation(appInstanceId, command);
      await meo.executor.execute(opOcc.id);
      return meo.lifecycle.getOpOcc(opOcc.id);
    };
    return { ...meo, driver, mappings, hub, run };
  }

  const instantiate: LcmCommand = {
    lcmOperation: 'INSTANTIATE',
    values: { replicaCount: 2 },
  };

  async function remoteInstances(): Promise<any[]> {
    return (await remote.api('get', `${LCM}/app_instances`)).body;
  }

  async function remoteInstanceOf(
    meo: { mappings: MepmMappingStore },
    id: string,
  ) {
    const mapped = await meo.mappings.getInstance(id);
    if (!mapped) return undefined;
    const res = await remote.api(
      'get',
      `${LCM}/app_instances/${mapped.remoteAppInstanceId}`,
    );
    return res.status === 200 ? res.body : undefined;
  }

  async function remoteOpOccsOf(remoteInstanceId: string): Promise<any[]> {
    const all: any[] = (
      await remote.api('get', `${LCM}/app_lcm_op_occs?all_fields`)
    ).body;
    return all.filter(o =>
      o._links.appInstance.href.endsWith(`/app_instances/${remoteInstanceId}`),
    );
  }

  /** Waits until the MEPM is carrying out an operation of the instance. */
  async function remoteProcessing(
    meo: { mappings: MepmMappingStore },
    id: string,
  ) {
    for (let i = 0; i < 1200; i++) {
      const mapped = await meo.mappings.getInstance(id);
      if (mapped) {
        const occs = await remoteOpOccsOf(mapped.remoteAppInstanceId);
        const busy = occs.find(o => o.operationState === 'PROCESSING');
        if (busy) return busy;
      }
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error('the MEPM never started the operation');
  }

  it('instantiates, operates and terminates through the MEPM, both sides converging', async () => {
    const meo = await createMeo();
    const instance = await meo.lifecycle.createInstance({
      appDId,
      appInstanceName: 'through-mepm',
    });

    const instantiated = await meo.run(instance.id, instantiate);
    expect(instantiated).toMatchObject({ operationState: 'COMPLETED' });
    expect(await meo.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'INSTANTIATED',
      operationalState: 'STARTED',
      hostName: 'edge-a',
    });
    expect(await remoteInstanceOf(meo, instance.id)).toMatchObject({
      appDId,
      appInstanceName: 'through-mepm',
      instantiationState: 'INSTANTIATED',
      instantiatedAppState: { operationalState: 'STARTED' },
    });
    // The Helm values reached the MEPM's driver.
    const [release] = [...remote.driver.releases.values()];
    expect(release.spec.values).toEqual({ replicaCount: 2 });

    const stopped = await meo.run(instance.id, {
      lcmOperation: 'OPERATE',
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 20,
    });
    expect(stopped.operationState).toBe('COMPLETED');
    expect(await meo.lifecycle.getInstance(instance.id)).toMatchObject({
      operationalState: 'STOPPED',
    });
    expect(await remoteInstanceOf(meo, instance.id)).toMatchObject({
      instantiatedAppState: { operationalState: 'STOPPED' },
    });
    const remoteOperate = (
      await remoteOpOccsOf(
        (await meo.mappings.getInstance(instance.id))!.remoteAppInstanceId,
      )
    ).find(o => o.lcmOperation === 'OPERATE');
    expect(remoteOperate.operationParams).toMatchObject({
      changeStateTo: 'STOPPED',
      stopType: 'GRACEFUL',
      gracefulStopTimeout: 20,
    });

    const mapped = (await meo.mappings.getInstance(instance.id))!;
    const terminated = await meo.run(instance.id, {
      lcmOperation: 'TERMINATE',
      terminationType: 'FORCEFUL',
    });
    expect(terminated.operationState).toBe('COMPLETED');
    expect(await meo.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'NOT_INSTANTIATED',
    });
    // Terminated and deleted on the MEPM, and forgotten by the MEO.
    expect(
      (
        await remote.api(
          'get',
          `${LCM}/app_instances/${mapped.remoteAppInstanceId}`,
        )
      ).status,
    ).toBe(404);
    expect(await meo.mappings.getInstance(instance.id)).toBeUndefined();
  });

  it('resumes an interrupted INSTANTIATE without creating or sending anything twice', async () => {
    const meo = await createMeo();
    const instance = await meo.lifecycle.createInstance({ appDId });
    const before = (await remoteInstances()).length;
    remote.driver.close();
    const opOcc = await meo.lifecycle.startOperation(instance.id, instantiate);
    const first = meo.executor.execute(opOcc.id);
    await remoteProcessing(meo, instance.id);
    // This MEO replica stops mid-operation: the MEPM's carries on.
    await meo.executor.stop();
    await first;
    expect((await meo.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
      'PROCESSING',
    );

    const resumed = meo.createExecutor().execute(opOcc.id);
    remote.driver.open();
    await resumed;
    expect((await meo.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
      'COMPLETED',
    );
    expect((await remoteInstances()).length).toBe(before + 1);
    const mapped = (await meo.mappings.getInstance(instance.id))!;
    expect(await remoteOpOccsOf(mapped.remoteAppInstanceId)).toEqual([
      expect.objectContaining({
        lcmOperation: 'INSTANTIATE',
        operationState: 'COMPLETED',
      }),
    ]);
  });

  it('forwards cancel, then fail, of an INSTANTIATE to the MEPM', async () => {
    const meo = await createMeo();
    const instance = await meo.lifecycle.createInstance({ appDId });
    remote.driver.close();
    const opOcc = await meo.lifecycle.startOperation(instance.id, instantiate);
    const running = meo.executor.execute(opOcc.id);
    const remoteOpOcc = await remoteProcessing(meo, instance.id);
    await meo.lifecycle.cancel(opOcc.id, 'GRACEFUL');
    await running;
    remote.driver.open();

    expect(await meo.lifecycle.getOpOcc(opOcc.id)).toMatchObject({
      operationState: 'FAILED_TEMP',
      error: { title: 'Cancelled' },
    });
    expect(
      (await remote.api('get', `${LCM}/app_lcm_op_occs/${remoteOpOcc.id}`))
        .body,
    ).toMatchObject({ operationState: 'FAILED_TEMP' });

    const mapped = (await meo.mappings.getInstance(instance.id))!;
    expect(await meo.lifecycle.fail(opOcc.id)).toMatchObject({
      operationState: 'FAILED',
    });
    expect(
      (await remote.api('get', `${LCM}/app_lcm_op_occs/${remoteOpOcc.id}`))
        .body,
    ).toMatchObject({ operationState: 'FAILED' });
    expect(await meo.lifecycle.getInstance(instance.id)).toMatchObject({
      instantiationState: 'NOT_INSTANTIATED',
    });
    // The MEPM's instance is cleaned up with the failed instantiation.
    expect(
      (
        await remote.api(
          'get',
          `${LCM}/app_instances/${mapped.remoteAppInstanceId}`,
        )
      ).status,
    ).toBe(404);
    expect(await meo.mappings.getInstance(instance.id)).toBeUndefined();
  });

  it("mirrors a MEPM's failed OPERATE with its reason and forwards fail", async () => {
    const meo = await createMeo();
    const instance = await meo.lifecycle.createInstance({ appDId });
    expect((await meo.run(instance.id, instantiate)).operationState).toBe(
      'COMPLETED',
    );
    remote.driver.failWith = new Error('the workloads would not scale down');
    const operate = await meo.run(instance.id, {
      lcmOperation: 'OPERATE',
      changeStateTo: 'STOPPED',
    });
    remote.driver.failWith = undefined;
    expect(operate.operationState).toBe('FAILED_TEMP');
    expect(operate.error?.detail).toMatch(
      /^MEPM mepm-a: .*the workloads would not scale down/,
    );
    const mapped = (await meo.mappings.getOpOcc(operate.id))!;

    expect((await meo.lifecycle.fail(operate.id)).operationState).toBe(
      'FAILED',
    );
    expect(
      (
        await remote.api(
          'get',
          `${LCM}/app_lcm_op_occs/${mapped.remoteAppLcmOpOccId}`,
        )
      ).body,
    ).toMatchObject({ operationState: 'FAILED' });
    // Both instances are free again: the next operation goes through.
    expect(
      (
        await meo.run(instance.id, {
          lcmOperation: 'TERMINATE',
          terminationType: 'FORCEFUL',
        })
      ).operationState,
    ).toBe('COMPLETED');
  });

  it('ends FAILED_TEMP while the MEPM is down, and a retry once it is back completes', async () => {
    const meo = await createMeo();
    const instance = await meo.lifecycle.createInstance({ appDId });
    remote.driver.close();
    const opOcc = await meo.lifecycle.startOperation(instance.id, instantiate);
    const running = meo.executor.execute(opOcc.id);
    await remoteProcessing(meo, instance.id);
    await remote.stop();
    await running;
    const failed = await meo.lifecycle.getOpOcc(opOcc.id);
    expect(failed.operationState).toBe('FAILED_TEMP');
    expect(failed.error?.detail).toMatch(/^MEPM mepm-a is unreachable: /);

    // The MEPM comes back on its database and resumes its operation.
    remote = await startRemoteMepm(mepmKnex, { driver: new GatedDriver() });
    connectTo(remote.apiRoot);
    await remote.resumeOperations();
    await meo.lifecycle.retry(opOcc.id);
    await meo.executor.execute(opOcc.id);
    expect((await meo.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
      'COMPLETED',
    );
    expect(await remoteInstanceOf(meo, instance.id)).toMatchObject({
      instantiationState: 'INSTANTIATED',
    });
    const mapped = (await meo.mappings.getInstance(instance.id))!;
    expect(await remoteOpOccsOf(mapped.remoteAppInstanceId)).toHaveLength(1);
  });

  it("wakes on the MEPM's notifications instead of reading again", async () => {
    const hub = new MepmNotificationHub();
    // A callback as the MEO's registry serves it: it wakes the hub.
    const callback: Server = createServer((req, res) => {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        const notification = JSON.parse(body);
        if (notification.appLcmOpOccId) {
          hub.changed('mepm-a', notification.appLcmOpOccId);
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>(r => callback.listen(0, '127.0.0.1', r));
    try {
      const { port } = callback.address() as AddressInfo;
      const subscribed = await remote.api('post', `${LCM}/subscriptions`, {
        subscriptionType: 'AppLcmOpOccStateChangeSubscription',
        callbackUri: `http://127.0.0.1:${port}/notifications`,
      });
      expect(subscribed.status).toBe(201);
      // Reading again only after an hour: only a notification ends the wait.
      const meo = await createMeo({ pollIntervalMs: 3_600_000 }, hub);
      const instance = await meo.lifecycle.createInstance({ appDId });
      remote.driver.close();
      const opOcc = await meo.lifecycle.startOperation(
        instance.id,
        instantiate,
      );
      const logger = mockServices.logger.mock();
      const running = meo
        .createExecutor(undefined, { logger })
        .execute(opOcc.id);
      // Once the MEO has read the MEPM's op occurrence PROCESSING, it waits
      // for an hour or a notification.
      for (let i = 0; i < 1200; i++) {
        const progress = logger.info.mock.calls.map(([m]) => String(m));
        if (progress.some(m => m.endsWith('on MEPM mepm-a: PROCESSING'))) {
          break;
        }
        await new Promise(r => setTimeout(r, 50));
      }
      remote.driver.open();
      await running;
      expect((await meo.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
        'COMPLETED',
      );
    } finally {
      await new Promise<void>(r => {
        callback.closeAllConnections();
        callback.close(() => r());
      });
    }
  });
});
