import type { EdgeHostConnection, ReleaseSpec } from '@helmmec/plugin-mec-node';
import type { EdgeCluster } from '@internal/edge-cluster';
import { EdgeDriverError } from '../errors';
import { startBasicAuthRepo } from '../__testUtils__/basicAuthRepo';
import {
  brokenVideoAnalyticsChart,
  deployerConnection,
  exampleChart,
  startTestCluster,
} from '../__testUtils__/clusters';
import { FluxDriver } from './FluxDriver';

jest.setTimeout(10 * 60_000);

/**
 * A change of package with Flux on a real edge cluster: the HelmRelease
 * moves to the next chart version; a version the API server refuses is
 * rolled back by helm-controller's remediation, and the error says so.
 */
describe('FluxDriver.changePackage on a real edge cluster with Flux', () => {
  let cluster: EdgeCluster | undefined;
  let repo: Awaited<ReturnType<typeof startBasicAuthRepo>> | undefined;
  let host: EdgeHostConnection;
  let broken: Buffer;
  const driver = FluxDriver.create({ interval: '10m' });

  beforeAll(async () => {
    broken = await brokenVideoAnalyticsChart();
    [cluster, repo] = await Promise.all([
      startTestCluster('drv-flux-change', true),
      startBasicAuthRepo(
        ['video-analytics-0.1.0.tgz', 'video-analytics-1.1.0.tgz'],
        { 'video-analytics-1.2.0.tgz': broken },
      ),
    ]);
    host = deployerConnection(cluster);
  });

  afterAll(async () => {
    await repo?.stop();
    await cluster?.stop();
  });

  const spec = (version: string, archive: Buffer): ReleaseSpec => ({
    releaseName: 'app-c4a9e1',
    namespace: cluster!.namespace,
    chart: {
      name: 'video-analytics',
      version,
      archive,
      repository: {
        url: repo!.url,
        username: repo!.username,
        password: repo!.password,
      },
    },
    values: { replicaCount: 1, resources: { requests: { cpu: '100m' } } },
    labels: { 'mec.etsi.org/app-instance-id': 'c4a9e1' },
  });

  it('upgrades the HelmRelease, and a failing version is rolled back by Flux', async () => {
    const v010 = spec('0.1.0', exampleChart('video-analytics').archive);
    const v110 = spec(
      '1.1.0',
      exampleChart('video-analytics', '1.1.0').archive,
    );
    expect(
      (await driver.install(host, v010, { timeoutSeconds: 180 })).phase,
    ).toBe('deployed');

    const upgraded = await driver.changePackage(host, v110, {
      timeoutSeconds: 180,
    });
    expect(upgraded.phase).toBe('deployed');
    const history = await driver.history(host, v110);
    expect(history[0]).toMatchObject({
      chart: { name: 'video-analytics', version: '1.1.0' },
      appVersion: '2.5.0',
      status: 'deployed',
    });
    expect(history.map(h => h.chart.version)).toContain('0.1.0');

    const error = await driver
      .changePackage(host, spec('1.2.0', broken), { timeoutSeconds: 180 })
      .catch(e => e);
    expect(error).toBeInstanceOf(EdgeDriverError);
    expect(error.message).toMatch(
      /Upgrade to video-analytics-1\.2\.0 failed: .*Flux rolled back to revision \d+ \(video-analytics-1\.1\.0\)/s,
    );
    const after = await driver.history(host, v110);
    expect(after.find(h => h.status === 'deployed')).toMatchObject({
      chart: { version: '1.1.0' },
    });
    expect((await driver.status(host, v110)).workloads).toEqual([
      expect.objectContaining({ readyReplicas: 1 }),
    ]);

    await driver.uninstall(host, v110, {
      mode: 'FORCEFUL',
      timeoutSeconds: 60,
    });
    expect(await driver.history(host, v110)).toEqual([]);
  });
});
