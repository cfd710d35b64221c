import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import type { EdgeCluster } from '@internal/edge-cluster';
import { Knex } from 'knex';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { HelmDriver } from '../drivers/helm/HelmDriver';
import { KubeSession } from '../drivers/workloads';
import {
  deployerConnection,
  exampleChart,
  helmBinary,
  startTestCluster,
} from '../drivers/__testUtils__/clusters';
import { createFakePackages } from '../granting/__testUtils__/fakes';
import type { HostDirectory } from '../hosts/HostDirectory';
import { LeaseTable } from '../jobs';
import { createTestDatabases } from '../__testUtils__/databases';
import { createLifecycleFixture } from './__testUtils__/lifecycleFixture';

jest.setTimeout(5 * 60_000);

const run = promisify(execFile);
const databases = createTestDatabases();
// Two replicas on one database only mean something on PostgreSQL.
const postgres = databases
  .eachSupportedId()
  .filter(([id]) => id.startsWith('POSTGRES'));

/**
 * Safe leases and clean failure on a real edge cluster with real helm: a
 * replica whose lease renewal hangs kills its helm before another replica
 * may take the operation over, and `fail` on an INSTANTIATE leaves no
 * release behind, or says what is left.
 */
describe.each(postgres)('leases and failed instantiations on %p', id => {
  let cluster: EdgeCluster;
  let knex: Knex;
  let dir: string;
  let helm: string;
  let reachable = true;
  let host: EdgeHostConnection;

  /** A helm that logs its pid and command (`exec` keeps the pid) to `<name>.pids`. */
  function tracedHelm(name: string): { binary: string; pids: () => number[] } {
    const log = join(dir, `${name}.pids`);
    writeFileSync(log, '');
    const binary = join(dir, `helm-${name}`);
    writeFileSync(
      binary,
      `#!/bin/sh\necho "$$ $1" >> '${log}'\nexec '${helm}' "$@"\n`,
    );
    chmodSync(binary, 0o755);
    const pids = () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(line => line.endsWith(' upgrade'))
        .map(line => Number(line.split(' ')[0]));
    return { binary, pids };
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  /** Cordons every node, so new pods stay Pending and `helm --wait` waits. */
  async function schedulable(yes: boolean) {
    const kubectl = join(cluster.binDir, 'kubectl');
    const kubeconfig = ['--kubeconfig', cluster.kubeconfigPath];
    const { stdout } = await run(kubectl, [
      ...kubeconfig,
      'get',
      'nodes',
      '-o',
      'name',
    ]);
    const nodes = stdout.split('\n').filter(Boolean);
    await run(kubectl, [...kubeconfig, yes ? 'uncordon' : 'cordon', ...nodes]);
  }

  async function until(what: string, test: () => boolean | Promise<boolean>) {
    const end = Date.now() + 120_000;
    while (!(await test())) {
      if (Date.now() > end) throw new Error(`Timed out waiting: ${what}`);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helmmec-leases-'));
    [cluster, knex, helm] = await Promise.all([
      startTestCluster('leases', false),
      databases.init(id),
      helmBinary(),
    ]);
    host = deployerConnection(cluster);
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fixture(executor: { operationTimeoutSeconds?: number }) {
    const hosts: HostDirectory = {
      listPlacementHosts: async () => [
        {
          name: cluster.name,
          labels: {},
          healthy: true,
          freeCpuMillis: 8000,
          freeMemoryBytes: 2 ** 33,
        },
      ],
      namespaceFor: async () => cluster.namespace,
      connection: async () =>
        reachable ? host : { ...host, server: 'https://127.0.0.1:1' },
      driverOf: async () => 'helm',
    };
    const packages = createFakePackages();
    packages.getChartArchive = async () =>
      exampleChart('location-service').archive;
    return createLifecycleFixture(knex, {
      // Nothing runs by itself: each test says which replica executes.
      trigger: { trigger: () => {} },
      driver: HelmDriver.create({ binary: helm }),
      hosts,
      packages,
      executor: { leaseMs: 12_000, ...executor },
    });
  }

  const statesOf = (fx: Awaited<ReturnType<typeof fixture>>, opOccId: string) =>
    fx.notifications.opOccStates.mock.calls
      .filter(([, , o]) => o.id === opOccId)
      .map(([, , o]) => o.operationState);

  async function deploymentsOf(releaseName: string) {
    const kube = await KubeSession.create(host);
    return kube.releaseWorkloads(releaseName, cluster.namespace);
  }

  it('kills the first replica’s helm before a second replica takes the operation over and completes it once', async () => {
    const fx = await fixture({ operationTimeoutSeconds: 120 });
    const first = tracedHelm('first');
    const second = tracedHelm('second');

    // The first replica's database connection goes bad while helm runs:
    // renewals hang, the release of its claim fails.
    let partitioned = false;
    const firstLeases = new Proxy(fx.opOccs.leases, {
      get(target, prop, receiver) {
        if (partitioned && prop === 'renew') return () => new Promise(() => {});
        if (partitioned && prop === 'release') {
          return async () => {
            throw new Error('connection terminated unexpectedly');
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as LeaseTable;
    const firstOpOccs = new Proxy(fx.opOccs, {
      get(target, prop, receiver) {
        if (prop === 'leases') return firstLeases;
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const firstReplica = fx.createExecutor(undefined, {
      opOccs: firstOpOccs,
      drivers: { get: () => HelmDriver.create({ binary: first.binary }) },
    });

    // The second replica has its own store and lease table on the same
    // database, and notes what the first replica's helm does when it claims.
    const secondOpOccs = AppLcmOpOccStore.create({ knex });
    const claims: Array<{ firstHelmAlive: boolean; firstSettled: boolean }> =
      [];
    let firstSettled = false;
    const claimDue = secondOpOccs.leases.claimDue.bind(secondOpOccs.leases);
    secondOpOccs.leases.claimDue = async (...args) => {
      const leases = await claimDue(...args);
      if (leases.length > 0) {
        claims.push({
          firstHelmAlive: first.pids().some(alive),
          firstSettled,
        });
        await schedulable(true);
      }
      return leases;
    };
    const secondReplica = fx.createExecutor(undefined, {
      opOccs: secondOpOccs,
      drivers: { get: () => HelmDriver.create({ binary: second.binary }) },
    });

    await schedulable(false);
    const instance = await fx.lifecycle.createInstance({
      appDId: 'appd-location',
    });
    const opOcc = await fx.lifecycle.startOperation(instance.id, {
      lcmOperation: 'INSTANTIATE',
      values: { replicaCount: 1 },
    });
    const firstRun = firstReplica.execute(opOcc.id).then(() => {
      firstSettled = true;
    });
    await until('the first replica runs helm upgrade', () =>
      first.pids().some(alive),
    );
    const [firstHelm] = first.pids();
    partitioned = true;
    const partitionedAt = Date.now();

    // The second replica polls for orphaned operations, as on a schedule.
    await until('the second replica claims the operation', async () => {
      await secondReplica.resumeUnclaimed();
      return claims.length > 0;
    });
    const claimedAfterMs = Date.now() - partitionedAt;
    await secondReplica.idle();
    await firstRun;

    expect(claims).toEqual([{ firstHelmAlive: false, firstSettled: true }]);
    expect(alive(firstHelm)).toBe(false);
    // Not before the lease could have run out in the database.
    expect(claimedAfterMs).toBeGreaterThan(8_000);
    expect(second.pids().length).toBe(1);

    const done = await fx.lifecycle.getOpOcc(opOcc.id);
    expect(done.operationState).toBe('COMPLETED');
    expect(statesOf(fx, opOcc.id).filter(s => s === 'COMPLETED')).toHaveLength(
      1,
    );
    const placed = await fx.lifecycle.getInstance(instance.id);
    expect(placed).toMatchObject({
      instantiationState: 'INSTANTIATED',
      operationalState: 'STARTED',
    });
    const ref = {
      releaseName: placed.releaseName!,
      namespace: cluster.namespace,
    };
    expect(
      (await HelmDriver.create({ binary: helm }).status(host, ref)).phase,
    ).toBe('deployed');
    const kube = await KubeSession.create(host);
    const revisions = await kube.list<any>(
      'v1',
      'Secret',
      cluster.namespace,
      `owner=helm,name=${ref.releaseName}`,
    );
    // One release: the first replica's interrupted revision was replaced.
    expect(
      revisions.filter(s => s.metadata.labels.status === 'deployed'),
    ).toHaveLength(1);
    expect(await deploymentsOf(ref.releaseName)).toHaveLength(1);
  });

  /** An INSTANTIATE that times out with its pods Pending: FAILED_TEMP, release on the cluster. */
  async function failedInstantiate(fx: Awaited<ReturnType<typeof fixture>>) {
    await schedulable(false);
    try {
      const instance = await fx.lifecycle.createInstance({
        appDId: 'appd-location',
      });
      const opOcc = await fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'INSTANTIATE',
        values: { replicaCount: 1 },
      });
      await fx.executor.execute(opOcc.id);
      expect((await fx.lifecycle.getOpOcc(opOcc.id)).operationState).toBe(
        'FAILED_TEMP',
      );
      const placed = await fx.lifecycle.getInstance(instance.id);
      expect(await deploymentsOf(placed.releaseName!)).toHaveLength(1);
      return { opOcc, placed };
    } finally {
      await schedulable(true);
    }
  }

  it('fail on a failed INSTANTIATE removes its release and frees the instance', async () => {
    const fx = await fixture({ operationTimeoutSeconds: 6 });
    const { opOcc, placed } = await failedInstantiate(fx);

    const failed = await fx.lifecycle.fail(opOcc.id);
    expect(failed.operationState).toBe('FAILED');
    expect(statesOf(fx, opOcc.id).at(-1)).toBe('FAILED');
    const ref = {
      releaseName: placed.releaseName!,
      namespace: cluster.namespace,
    };
    expect(await HelmDriver.create({ binary: helm }).status(host, ref)).toEqual(
      { phase: 'absent', workloads: [] },
    );
    expect(await deploymentsOf(ref.releaseName)).toHaveLength(0);
    const instance = await fx.lifecycle.getInstance(placed.id);
    expect(instance).toMatchObject({
      instantiationState: 'NOT_INSTANTIATED',
      operationInProgress: undefined,
    });
    expect(instance.hostName).toBeUndefined();
    expect(instance.releaseName).toBeUndefined();
    // A prepared namespace stays.
    const kube = await KubeSession.create(host);
    expect(await kube.read('v1', 'Namespace', cluster.namespace)).toBeDefined();
    await fx.lifecycle.deleteInstance(placed.id);
  });

  it('when the release cannot be removed, fail says what is left and the instance cannot be deleted until it is terminated', async () => {
    const fx = await fixture({ operationTimeoutSeconds: 6 });
    const { opOcc, placed } = await failedInstantiate(fx);

    reachable = false;
    try {
      const failed = await fx.lifecycle.fail(opOcc.id);
      expect(failed.operationState).toBe('FAILED');
      const detail = failed.error?.detail ?? '';
      expect(detail).toContain(`release ${placed.releaseName}`);
      expect(detail).toContain(`namespace ${cluster.namespace}`);
      expect(detail).toContain(`edge host ${cluster.name}`);
      expect(detail).toContain(
        `helm uninstall ${placed.releaseName} --namespace ${cluster.namespace}`,
      );
      const stuck = await fx.lifecycle.getInstance(placed.id);
      expect(stuck).toMatchObject({
        instantiationState: 'INSTANTIATED',
        hostName: cluster.name,
        releaseName: placed.releaseName,
        operationInProgress: undefined,
      });
      await expect(fx.lifecycle.deleteInstance(placed.id)).rejects.toThrow(
        /INSTANTIATED; terminate it first/,
      );
    } finally {
      reachable = true;
    }

    const terminate = await fx.lifecycle.startOperation(placed.id, {
      lcmOperation: 'TERMINATE',
      terminationType: 'FORCEFUL',
    });
    await fx.executor.execute(terminate.id);
    expect((await fx.lifecycle.getOpOcc(terminate.id)).operationState).toBe(
      'COMPLETED',
    );
    expect(await deploymentsOf(placed.releaseName!)).toHaveLength(0);
    await fx.lifecycle.deleteInstance(placed.id);
  });
});
