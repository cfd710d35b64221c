import type { EdgeHostConnection, ReleaseSpec } from '@helmmec/plugin-mec-node';
import type { EdgeCluster } from '@internal/edge-cluster';
import { EdgeDriverError } from '../errors';
import { KubeSession, REPLICAS_BEFORE_STOP_ANNOTATION } from '../workloads';
import { startBasicAuthRepo } from '../__testUtils__/basicAuthRepo';
import {
  deployerConnection,
  exampleChart,
  startTestCluster,
} from '../__testUtils__/clusters';
import { FluxDriver } from './FluxDriver';

jest.setTimeout(10 * 60_000);

describe('FluxDriver on a real edge cluster with Flux', () => {
  let cluster: EdgeCluster | undefined;
  let repo: Awaited<ReturnType<typeof startBasicAuthRepo>> | undefined;
  let host: EdgeHostConnection;
  const driver = FluxDriver.create({ interval: '10m' });
  const timings: string[] = [];

  beforeAll(async () => {
    [cluster, repo] = await Promise.all([
      startTestCluster('drv-flux', true),
      startBasicAuthRepo(['location-service-0.1.0.tgz']),
    ]);
    host = deployerConnection(cluster);
  });

  afterAll(async () => {
    await repo?.stop();
    await cluster?.stop();
    if (timings.length)
      process.stderr.write(`[flux driver] ${timings.join(', ')}\n`);
  });

  const spec = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
    releaseName: 'app-0f1e2d3c',
    namespace: cluster!.namespace,
    chart: {
      ...exampleChart('location-service'),
      repository: {
        url: repo!.url,
        username: repo!.username,
        password: repo!.password,
      },
    },
    values: { replicaCount: 2 },
    labels: { 'mec.etsi.org/app-instance-id': '0f1e2d3c' },
    ...over,
  });

  it('installs, is idempotent, stops, starts and uninstalls a release', async () => {
    const progress: string[] = [];
    const t0 = Date.now();
    const installed = await driver.install(host, spec(), {
      timeoutSeconds: 180,
      onProgress: m => progress.push(m),
    });
    timings.push(`install ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    expect(installed.phase).toBe('deployed');
    expect(installed.workloads).toEqual([
      {
        kind: 'Deployment',
        name: 'app-0f1e2d3c-location-service',
        replicas: 2,
        readyReplicas: 2,
      },
    ]);
    expect(repo!.requests()).toBeGreaterThan(0);

    // The values reach Flux through a Secret, not the HelmRelease's spec.
    const kube = await KubeSession.create(host);
    const installedHr = await kube.read<any>(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'app-0f1e2d3c',
      cluster!.namespace,
    );
    expect(installedHr.spec.values).toBeUndefined();
    expect(installedHr.spec.valuesFrom).toEqual([
      { kind: 'Secret', name: 'app-0f1e2d3c-values', valuesKey: 'values.yaml' },
    ]);
    const valuesSecret = await kube.read<any>(
      'v1',
      'Secret',
      'app-0f1e2d3c-values',
      cluster!.namespace,
    );
    expect(
      Buffer.from(valuesSecret.data['values.yaml'], 'base64').toString(),
    ).toBe('replicaCount: 2\n');

    const t1 = Date.now();
    const again = await driver.install(host, spec(), { timeoutSeconds: 120 });
    timings.push(`re-install ${((Date.now() - t1) / 1000).toFixed(1)}s`);
    expect(again.phase).toBe('deployed');
    const releases = await kube.list<any>(
      'v1',
      'Secret',
      cluster!.namespace,
      'owner=helm,name=app-0f1e2d3c',
    );
    expect(releases).toHaveLength(1);

    const stopped = await driver.operate(host, spec(), 'STOPPED', {
      timeoutSeconds: 60,
    });
    expect(stopped.operationalState).toBe('STOPPED');
    expect(stopped.workloads[0]).toMatchObject({
      replicas: 0,
      readyReplicas: 0,
    });
    const hr = await kube.read<any>(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'app-0f1e2d3c',
      cluster!.namespace,
    );
    expect(hr.spec.suspend).toBe(true);
    const [d] = await kube.releaseWorkloads('app-0f1e2d3c', cluster!.namespace);
    expect(d.metadata.annotations?.[REPLICAS_BEFORE_STOP_ANNOTATION]).toBe('2');
    expect(await driver.status(host, spec())).toMatchObject({
      phase: 'deployed',
      operationalState: 'STOPPED',
    });

    const started = await driver.operate(host, spec(), 'STARTED', {
      timeoutSeconds: 60,
    });
    expect(started.workloads[0]).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
    });
    expect(await driver.status(host, spec())).toMatchObject({
      phase: 'deployed',
      operationalState: 'STARTED',
    });

    const t2 = Date.now();
    await driver.uninstall(host, spec(), {
      mode: 'GRACEFUL',
      timeoutSeconds: 120,
    });
    timings.push(`uninstall ${((Date.now() - t2) / 1000).toFixed(1)}s`);
    expect(await driver.status(host, spec())).toEqual({
      phase: 'absent',
      workloads: [],
    });
    expect(
      await kube.read(
        'source.toolkit.fluxcd.io/v1',
        'HelmRepository',
        'app-0f1e2d3c-repo',
        cluster!.namespace,
      ),
    ).toBeUndefined();
    for (const secret of ['app-0f1e2d3c-repo-auth', 'app-0f1e2d3c-values']) {
      expect(
        await kube.read('v1', 'Secret', secret, cluster!.namespace),
      ).toBeUndefined();
    }
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
      .install(host, impossible, { timeoutSeconds: 30 })
      .catch(e => e);
    expect(error).toBeInstanceOf(EdgeDriverError);
    expect(error.message).toMatch(/Insufficient cpu/);
    timings.push(
      `never-ready error after ${((Date.now() - t0) / 1000).toFixed(1)}s: ${
        error.message
      }`,
    );
    expect(error.message).not.toContain(repo!.password);
    expect(Date.now() - t0).toBeLessThan(45_000);
    expect(['failed', 'pending']).toContain(
      (await driver.status(host, impossible)).phase,
    );
    await driver.uninstall(host, impossible, {
      mode: 'FORCEFUL',
      timeoutSeconds: 30,
    });
    expect((await driver.status(host, impossible)).phase).toBe('absent');
  });

  it('stops waiting and suspends the HelmRelease when the signal is aborted', async () => {
    const impossible = spec({
      releaseName: 'app-aborted',
      values: {
        replicaCount: 1,
        resources: { requests: { cpu: '64' }, limits: { cpu: '64' } },
      },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 3000);
    const t0 = Date.now();
    const error = await driver
      .install(host, impossible, {
        timeoutSeconds: 120,
        signal: controller.signal,
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(EdgeDriverError);
    expect(error.reason).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(10_000);
    const kube = await KubeSession.create(host);
    const hr = await kube.read<any>(
      'helm.toolkit.fluxcd.io/v2',
      'HelmRelease',
      'app-aborted',
      cluster!.namespace,
    );
    expect(hr.spec.suspend).toBe(true);
    await driver.uninstall(host, impossible, {
      mode: 'FORCEFUL',
      timeoutSeconds: 30,
    });
    expect((await driver.status(host, impossible)).phase).toBe('absent');
  });
});
