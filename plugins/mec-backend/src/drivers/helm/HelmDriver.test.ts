import type { EdgeHostConnection, ReleaseSpec } from '@helmmec/plugin-mec-node';
import type { EdgeCluster } from '@internal/edge-cluster';
import { EdgeDriverError } from '../errors';
import {
  describeWorkloads,
  REPLICAS_BEFORE_STOP_ANNOTATION,
  KubeSession,
} from '../workloads';
import {
  deployerConnection,
  exampleChart,
  helmBinary,
  startTestCluster,
} from '../__testUtils__/clusters';
import { HelmDriver, workloadsOfRelease } from './HelmDriver';

jest.setTimeout(10 * 60_000);

describe('HelmDriver on a real edge cluster', () => {
  let cluster: EdgeCluster | undefined;
  let host: EdgeHostConnection;
  let driver: HelmDriver;
  const timings: string[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster('drv-helm', false);
    host = deployerConnection(cluster);
    driver = HelmDriver.create({ binary: await helmBinary() });
  });

  afterAll(async () => {
    await cluster?.stop();
    if (timings.length)
      process.stderr.write(`[helm driver] ${timings.join(', ')}\n`);
  });

  const spec = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
    releaseName: 'app-0a1b2c3d',
    namespace: cluster!.namespace,
    chart: exampleChart('location-service'),
    values: { replicaCount: 2 },
    labels: { 'mec.etsi.org/app-instance-id': '0a1b2c3d' },
    ...over,
  });

  it('installs, is idempotent, stops, starts and uninstalls a release', async () => {
    const t0 = Date.now();
    const installed = await driver.install(host, spec(), {
      timeoutSeconds: 120,
    });
    timings.push(`install ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(installed.phase).toBe('deployed');
    expect(installed.operationalState).toBe('STARTED');
    expect(installed.workloads).toEqual([
      {
        kind: 'Deployment',
        name: 'app-0a1b2c3d-location-service',
        replicas: 2,
        readyReplicas: 2,
      },
    ]);

    const again = await driver.install(host, spec(), { timeoutSeconds: 120 });
    expect(again.phase).toBe('deployed');
    const kube = await KubeSession.create(host);
    const releaseSecrets = await kube.list<any>(
      'v1',
      'Secret',
      cluster!.namespace,
      'owner=helm,name=app-0a1b2c3d',
    );
    // One release with two revisions, not a second release.
    expect(releaseSecrets.map(s => s.metadata.labels.version).sort()).toEqual([
      '1',
      '2',
    ]);
    expect(
      releaseSecrets[0].metadata.labels['mec.etsi.org/app-instance-id'],
    ).toBe('0a1b2c3d');

    const stopped = await driver.operate(host, spec(), 'STOPPED', {
      timeoutSeconds: 60,
    });
    expect(stopped.operationalState).toBe('STOPPED');
    expect(stopped.workloads[0]).toMatchObject({
      replicas: 0,
      readyReplicas: 0,
    });
    const [d] = await kube.releaseWorkloads('app-0a1b2c3d', cluster!.namespace);
    expect(d.metadata.annotations?.[REPLICAS_BEFORE_STOP_ANNOTATION]).toBe('2');
    expect((await driver.status(host, spec())).operationalState).toBe(
      'STOPPED',
    );
    // Stopping twice keeps the remembered replicas.
    await driver.operate(host, spec(), 'STOPPED', { timeoutSeconds: 60 });

    const started = await driver.operate(host, spec(), 'STARTED', {
      timeoutSeconds: 60,
    });
    expect(started.operationalState).toBe('STARTED');
    expect(started.workloads[0]).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
    });
    const status = await driver.status(host, spec());
    expect(status).toMatchObject({
      phase: 'deployed',
      operationalState: 'STARTED',
    });

    const t1 = Date.now();
    await driver.uninstall(host, spec(), {
      mode: 'GRACEFUL',
      timeoutSeconds: 60,
    });
    timings.push(`uninstall ${((Date.now() - t1) / 1000).toFixed(1)}s`);
    expect(await driver.status(host, spec())).toEqual({
      phase: 'absent',
      workloads: [],
    });
    // Absent is success.
    await driver.uninstall(host, spec(), {
      mode: 'GRACEFUL',
      timeoutSeconds: 30,
    });
  });

  it('fails with a readable error when the chart never becomes ready', async () => {
    const impossible = spec({
      releaseName: 'app-toobig',
      values: {
        replicaCount: 1,
        resources: { requests: { cpu: '64' }, limits: { cpu: '64' } },
      },
    });
    const t0 = Date.now();
    const error = await driver
      .install(host, impossible, { timeoutSeconds: 20 })
      .catch(e => e);
    expect(error).toBeInstanceOf(EdgeDriverError);
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/Insufficient cpu/);
    timings.push(
      `never-ready error after ${((Date.now() - t0) / 1000).toFixed(1)}s: ${
        error.message
      }`,
    );
    expect(error.message).not.toContain(cluster!.serviceAccountToken);
    expect(Date.now() - t0).toBeLessThan(40_000);
    expect((await driver.status(host, impossible)).phase).toBe('failed');
    await driver.uninstall(host, impossible, {
      mode: 'FORCEFUL',
      timeoutSeconds: 30,
    });
    expect((await driver.status(host, impossible)).phase).toBe('absent');
  });

  it('stops an install when its signal is aborted, and a retry converges', async () => {
    const impossible = spec({
      releaseName: 'app-aborted',
      values: {
        replicaCount: 1,
        resources: { requests: { cpu: '64' }, limits: { cpu: '64' } },
      },
    });
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 3000);
    const error = await driver
      .install(host, impossible, {
        timeoutSeconds: 120,
        signal: controller.signal,
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(EdgeDriverError);
    expect(error.reason).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(15_000);
    // The interrupted (pending) release does not block the next install.
    const ok = await driver.install(
      host,
      { ...impossible, values: { replicaCount: 1 } },
      { timeoutSeconds: 120 },
    );
    expect(ok.phase).toBe('deployed');
    await driver.uninstall(host, impossible, {
      mode: 'FORCEFUL',
      timeoutSeconds: 30,
    });
    expect((await driver.status(host, impossible)).phase).toBe('absent');
  });
});

describe('workloadsOfRelease', () => {
  const release = (manifest: string) => JSON.stringify({ name: 'r', manifest });

  it('reads the workloads helm waited for from the release manifest', () => {
    const manifest = [
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2',
      '# Source: chart/templates/db.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: data',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: idle\nspec:\n  replicas: 0',
    ].join('\n---\n');
    expect(
      describeWorkloads(workloadsOfRelease(release(manifest), 'ns')!),
    ).toEqual({
      operationalState: 'STARTED',
      workloads: [
        { kind: 'Deployment', name: 'web', replicas: 2, readyReplicas: 2 },
        { kind: 'StatefulSet', name: 'db', replicas: 1, readyReplicas: 1 },
        { kind: 'Deployment', name: 'idle', replicas: 0, readyReplicas: 0 },
      ],
    });
  });

  it('gives nothing to go on for output that is not a release', () => {
    expect(workloadsOfRelease('not json', 'ns')).toBeUndefined();
    expect(workloadsOfRelease('{"name":"r"}', 'ns')).toBeUndefined();
    expect(workloadsOfRelease(release('kind: [\n'), 'ns')).toBeUndefined();
  });
});
