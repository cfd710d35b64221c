import type { EdgeCluster } from '@internal/edge-cluster';
import { Knex } from 'knex';
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { HelmDriver } from '../drivers/helm/HelmDriver';
import {
  deployerConnection,
  exampleChart,
  helmBinary,
  startTestCluster,
} from '../drivers/__testUtils__/clusters';
import type { HostDirectory } from '../hosts/HostDirectory';
import { createTestDatabases } from '../__testUtils__/databases';
import { createLifecycleFixture } from './__testUtils__/lifecycleFixture';
import { packageCatalog, videoAnalytics } from './__testUtils__/packageCatalog';

jest.setTimeout(6 * 60_000);

const run = promisify(execFile);
const databases = createTestDatabases();

/**
 * CHANGE_APP_PKG (our extension) on a real edge cluster with real helm:
 * an upgrade from one example version to the next moves the instance to the
 * new package and shows in the revisions; a version that never becomes
 * ready is rolled back, the op occurrence says so and the instance keeps
 * its package.
 */
describe('change_app_pkg with the helm driver', () => {
  let cluster: EdgeCluster;
  let helm: string;
  let dir: string;
  /** video-analytics 1.2.0: asks for more CPU than any node has. */
  let broken: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helmmec-change-'));
    [cluster, helm] = await Promise.all([
      startTestCluster('change', false),
      helmBinary(),
    ]);
    const source = resolve(
      __dirname,
      '../../../../examples/charts/video-analytics-1.1.0',
    );
    const chartDir = join(dir, 'video-analytics');
    cpSync(source, chartDir, { recursive: true });
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
    // Its pods never fit on a node.
    values.resources = { requests: { cpu: '64' }, limits: { cpu: '64' } };
    writeFileSync(join(chartDir, 'values.yaml'), stringify(values));
    await run(helm, [
      'package',
      chartDir,
      '--version',
      '1.2.0',
      '--destination',
      dir,
    ]);
    broken = readFileSync(join(dir, 'video-analytics-1.2.0.tgz'));
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each(databases.eachSupportedId())('on %p', id => {
    let knex: Knex;

    beforeAll(async () => {
      knex = await databases.init(id);
    });

    async function fixture() {
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
        connection: async () => deployerConnection(cluster),
        driverOf: async () => 'helm',
      };
      const list = [
        videoAnalytics(
          'va-010',
          '0.1.0',
          '2.4.1',
          exampleChart('video-analytics').archive,
        ),
        videoAnalytics(
          'va-110',
          '1.1.0',
          '2.5.0',
          exampleChart('video-analytics', '1.1.0').archive,
        ),
        videoAnalytics('va-120', '1.2.0', '2.6.0', broken),
        {
          ...videoAnalytics(
            'ls-010',
            '0.1.0',
            '1.3.0',
            exampleChart('location-service').archive,
          ),
          appName: 'location-service',
          chartName: 'location-service',
        },
      ];
      const packages = packageCatalog(list);
      const fx = await createLifecycleFixture(knex, {
        trigger: { trigger: () => {} },
        driver: HelmDriver.create({ binary: helm }),
        hosts,
        packages,
        executor: { operationTimeoutSeconds: 60 },
      });
      return { ...fx, list };
    }

    it('upgrades to the next version, and rolls a failing one back', async () => {
      const fx = await fixture();
      const instance = await fx.lifecycle.createInstance({
        appDId: 'appd-va-010',
      });
      const instantiate = await fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'INSTANTIATE',
        values: { replicaCount: 1, resources: { requests: { cpu: '100m' } } },
      });
      await fx.executor.execute(instantiate.id);
      expect((await fx.lifecycle.getOpOcc(instantiate.id)).operationState).toBe(
        'COMPLETED',
      );

      // Refused: another application, the current package, a disabled one,
      // an unknown appDId.
      await expect(
        fx.lifecycle.changeAppPkg(instance.id, { appDId: 'appd-ls-010' }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringMatching(/location-service.*video-analytics/),
      });
      await expect(
        fx.lifecycle.changeAppPkg(instance.id, { appDId: 'appd-va-010' }),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      fx.list[1].operationalState = 'DISABLED';
      await expect(
        fx.lifecycle.changeAppPkg(instance.id, { appDId: 'appd-va-110' }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringMatching(/DISABLED/),
      });
      fx.list[1].operationalState = 'ENABLED';
      await expect(
        fx.lifecycle.changeAppPkg(instance.id, { appDId: 'nope' }),
      ).rejects.toMatchObject({ name: 'InputError' });

      // The upgrade: no values given, so those of the instantiation stay.
      const change = await fx.lifecycle.changeAppPkg(instance.id, {
        appDId: 'appd-va-110',
      });
      expect(change).toMatchObject({
        lcmOperation: 'CHANGE_APP_PKG',
        operationState: 'STARTING',
        command: {
          appPkgId: 'va-110',
          values: { replicaCount: 1 },
        },
      });
      expect(fx.list[1].usageState).toBe('IN_USE');
      // One operation at a time.
      await expect(
        fx.lifecycle.changeAppPkg(instance.id, { appDId: 'appd-va-110' }),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      await fx.executor.execute(change.id);
      const changed = await fx.lifecycle.getOpOcc(change.id);
      expect(changed).toMatchObject({ operationState: 'COMPLETED' });
      expect(changed.grantId).toBeUndefined();
      expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
        appPkgId: 'va-110',
        appDId: 'appd-va-110',
        appSoftVersion: '2.5.0',
        instantiationState: 'INSTANTIATED',
        operationalState: 'STARTED',
        operationInProgress: undefined,
      });
      expect(fx.list[0].usageState).toBe('NOT_IN_USE');
      const states = (opOccId: string) =>
        fx.notifications.opOccStates.mock.calls
          .filter(([, , o]) => o.id === opOccId)
          .map(([, , o]) => [o.operationType, o.operationState]);
      expect(states(change.id)).toEqual([
        ['CHANGE_APP_PKG', 'STARTING'],
        ['CHANGE_APP_PKG', 'PROCESSING'],
        ['CHANGE_APP_PKG', 'COMPLETED'],
      ]);
      // COMPLETED names the new package.
      const completed = fx.notifications.opOccStates.mock.calls.find(
        ([, , o]) => o.id === change.id && o.operationState === 'COMPLETED',
      );
      expect(completed?.[1]).toMatchObject({ appDId: 'appd-va-110' });
      const upgraded = await fx.lifecycle.listRevisions(instance.id);
      expect(upgraded).toMatchObject([
        {
          revision: 2,
          chartName: 'video-analytics',
          chartVersion: '1.1.0',
          appVersion: '2.5.0',
          status: 'deployed',
          appDId: 'appd-va-110',
          appSoftVersion: '2.5.0',
        },
        {
          revision: 1,
          chartVersion: '0.1.0',
          status: 'superseded',
          appDId: 'appd-va-010',
        },
      ]);
      expect(upgraded[0].updated).toBeInstanceOf(Date);

      // A version that never becomes ready: rolled back, and said so.
      const failing = await fx.lifecycle.changeAppPkg(instance.id, {
        appDId: 'appd-va-120',
        values: { replicaCount: 1 },
      });
      await fx.executor.execute(failing.id);
      const failed = await fx.lifecycle.getOpOcc(failing.id);
      expect(failed).toMatchObject({
        operationState: 'FAILED_TEMP',
        error: {
          title: 'Change of application package failed',
          detail: expect.stringMatching(
            /^Upgrade to video-analytics-1\.2\.0 failed: .*not ready.*\. Rolled back to revision 2 \(video-analytics-1\.1\.0\)$/s,
          ),
        },
      });
      expect(states(failing.id)).toEqual([
        ['CHANGE_APP_PKG', 'STARTING'],
        ['CHANGE_APP_PKG', 'PROCESSING'],
        ['CHANGE_APP_PKG', 'FAILED_TEMP'],
      ]);
      const rolledBack = await fx.lifecycle.listRevisions(instance.id);
      expect(rolledBack[0]).toMatchObject({
        revision: 4,
        chartVersion: '1.1.0',
        status: 'deployed',
        description: 'Rollback to 2',
        appDId: 'appd-va-110',
      });
      expect(rolledBack[1]).toMatchObject({
        revision: 3,
        chartVersion: '1.2.0',
        status: 'failed',
      });
      // Given up: the instance keeps the package it runs, free again.
      await fx.lifecycle.fail(failing.id);
      expect((await fx.lifecycle.getOpOcc(failing.id)).operationState).toBe(
        'FAILED',
      );
      expect(await fx.lifecycle.getInstance(instance.id)).toMatchObject({
        appPkgId: 'va-110',
        appDId: 'appd-va-110',
        instantiationState: 'INSTANTIATED',
        operationInProgress: undefined,
      });
      expect(fx.list[2].usageState).toBe('NOT_IN_USE');

      // Terminated: no release, no revisions.
      const terminate = await fx.lifecycle.startOperation(instance.id, {
        lcmOperation: 'TERMINATE',
        terminationType: 'FORCEFUL',
      });
      await fx.executor.execute(terminate.id);
      expect(await fx.lifecycle.listRevisions(instance.id)).toEqual([]);
      await expect(
        fx.lifecycle.changeAppPkg(instance.id, { appDId: 'appd-va-010' }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringMatching(/INSTANTIATED/),
      });
    });
  });
});
