/*
 * One real edge cluster with Flux, shared by the tests in this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ClientNode, loadClientNode } from './clientNode';
import { EdgeCluster, edgeClusterStatus, startEdgeCluster } from './cluster';
import {
  HelmRepoServer,
  exampleChartsDir,
  startHelmRepoServer,
} from './helmRepo';
import { waitFor } from './processes';
import {
  kubeConfigFrom,
  testRunDir,
  tools,
  uniqueName,
  waitDeploymentAvailable,
} from './testing/helpers';

jest.setTimeout(10 * 60_000);

let k8s: ClientNode;
beforeAll(async () => {
  k8s = await loadClientNode();
});

describe('edge cluster with Flux', () => {
  let cluster: EdgeCluster | undefined;
  let repo: HelmRepoServer | undefined;
  let scratch: string;
  const runDir = testRunDir();
  const name = uniqueName('edge-t');

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(runDir, 'scratch-'));
    cluster = await startEdgeCluster({
      name,
      nodes: 3,
      flux: true,
      runDir,
      log: l => process.stderr.write(`[${name}] ${l}\n`),
    });
    repo = await startHelmRepoServer({ dir: exampleChartsDir() });
  });

  afterAll(async () => {
    await repo?.stop();
    await cluster?.stop();
  });

  it('has Ready kwok nodes with capacity and topology labels, reachable with @kubernetes/client-node', async () => {
    const core = (await kubeConfigFrom(cluster!.kubeconfigPath)).makeApiClient(
      k8s.CoreV1Api,
    );
    const nodes = await core.listNode();
    expect(nodes.items).toHaveLength(3);
    for (const n of nodes.items) {
      expect(n.status?.conditions?.find(c => c.type === 'Ready')?.status).toBe(
        'True',
      );
      expect(n.status?.allocatable?.cpu).toBe('3800m');
      expect(n.status?.allocatable?.memory).toBe('15Gi');
      expect(n.metadata?.labels?.['topology.kubernetes.io/zone']).toMatch(
        /-[abc]$/,
      );
      expect(
        n.metadata?.labels?.['topology.kubernetes.io/region'],
      ).toBeTruthy();
    }
    expect(cluster!.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const status = await edgeClusterStatus(name, { runDir });
    expect(status.apiserverReady).toBe(true);
    expect(status.problems).toEqual([]);
    expect(status.processes.map(p => p.component).sort()).toEqual([
      'etcd',
      'helm-controller',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'source-controller',
    ]);
  });

  it('gives the deployer service account namespaced rights and read access to nodes only', async () => {
    const kc = await kubeConfigFrom(cluster!.deployerKubeconfigPath);
    expect(kc.getCurrentUser()?.token).toBe(cluster!.serviceAccountToken);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.listNode()).items).toHaveLength(3);
    await expect(
      core.listNamespacedSecret({ namespace: 'kube-system' }),
    ).rejects.toThrow(/403|forbidden/i);
    await expect(
      core.listNamespacedConfigMap({ namespace: cluster!.namespace }),
    ).resolves.toBeTruthy();
  });

  it('makes a Deployment Available (created with the deployer token)', async () => {
    const kc = await kubeConfigFrom(cluster!.deployerKubeconfigPath);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const namespace = cluster!.namespace;
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'hello-edge' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'hello-edge' } },
          template: {
            metadata: { labels: { app: 'hello-edge' } },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'registry.example.com/helmmec/hello:1.0',
                  resources: { requests: { cpu: '100m', memory: '64Mi' } },
                },
              ],
            },
          },
        },
      },
    });
    const d = await waitDeploymentAvailable(kc, namespace, 'hello-edge');
    expect(d.status?.readyReplicas).toBe(3);
    const pods = await kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedPod({ namespace, labelSelector: 'app=hello-edge' });
    expect(
      pods.items.every(p => p.status?.phase === 'Running' && p.spec?.nodeName),
    ).toBe(true);
    await apps.deleteNamespacedDeployment({ name: 'hello-edge', namespace });
  });

  it('helm install --wait of an example chart succeeds and helm uninstall removes it', async () => {
    const { helm, kubectl } = tools(cluster!.kubeconfigPath, scratch);
    const ns = cluster!.namespace;
    await helm([
      'install',
      'loc',
      path.join(exampleChartsDir(), 'location-service'),
      '-n',
      ns,
      '--wait',
      '--timeout',
      '3m',
      '--set',
      'replicaCount=2',
    ]);
    const kc = await kubeConfigFrom(cluster!.kubeconfigPath);
    const d = await waitDeploymentAvailable(
      kc,
      ns,
      'loc-location-service',
      10_000,
    );
    expect(d.status?.availableReplicas).toBe(2);
    const svc = await kubectl([
      '-n',
      ns,
      'get',
      'service',
      'loc-location-service',
      '-o',
      'jsonpath={.spec.type} {.spec.clusterIP}',
    ]);
    expect(svc.stdout).toMatch(/^ClusterIP 10\.96\.\d+\.\d+$/);
    await helm(['uninstall', 'loc', '-n', ns, '--wait', '--timeout', '2m']);
    const list = await helm(['list', '-n', ns, '-q']);
    expect(list.stdout.trim()).toBe('');
    await waitFor(
      'deployment removed',
      async () =>
        (
          await kubectl(['-n', ns, 'get', 'deployments', '-o', 'name'])
        ).stdout.trim() === '',
      { timeoutMs: 60_000 },
    );
  });

  it('reconciles a Flux HelmRelease from the loopback Helm repository', async () => {
    const { kubectl } = tools(cluster!.deployerKubeconfigPath, scratch);
    const ns = cluster!.namespace;
    expect(repo!.charts['video-analytics']).toContain('0.1.0');
    const objects = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'HelmRepository',
          metadata: { name: 'examples', namespace: ns },
          spec: { url: repo!.url, interval: '1m' },
        },
        {
          apiVersion: 'helm.toolkit.fluxcd.io/v2',
          kind: 'HelmRelease',
          metadata: { name: 'video', namespace: ns },
          spec: {
            interval: '5m',
            timeout: '3m',
            chart: {
              spec: {
                chart: 'video-analytics',
                version: '0.1.0',
                sourceRef: { kind: 'HelmRepository', name: 'examples' },
                interval: '1m',
              },
            },
            values: { replicaCount: 2 },
          },
        },
      ],
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(objects));
    const conditionTrue = (kind: string, nm: string) => async () => {
      const { stdout } = await kubectl([
        '-n',
        ns,
        'get',
        kind,
        nm,
        '-o',
        'json',
      ]);
      const obj = JSON.parse(stdout);
      return obj.status?.conditions?.some(
        (c: any) => c.type === 'Ready' && c.status === 'True',
      )
        ? obj
        : undefined;
    };
    await waitFor(
      'HelmRepository Ready',
      conditionTrue('helmrepositories.source.toolkit.fluxcd.io', 'examples'),
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const hr = await waitFor(
      'HelmRelease Ready',
      conditionTrue('helmreleases.helm.toolkit.fluxcd.io', 'video'),
      {
        timeoutMs: 240_000,
        intervalMs: 1000,
        onFail: () =>
          fs
            .readFileSync(
              path.join(cluster!.dir, 'logs', 'helm-controller.log'),
              'utf8',
            )
            .split('\n')
            .slice(-20)
            .join('\n'),
      },
    );
    expect(
      hr.status.history?.[0]?.chartVersion ?? hr.status.lastAttemptedRevision,
    ).toBe('0.1.0');
    const d = await waitDeploymentAvailable(
      await kubeConfigFrom(cluster!.kubeconfigPath),
      ns,
      'video-video-analytics',
      60_000,
    );
    expect(d.status?.availableReplicas).toBe(2);
  });
});
