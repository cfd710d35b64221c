/*
 * Two clusters side by side, and the faults `up` must handle cleanly.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ClientNode, loadClientNode } from './clientNode';
import {
  ClusterAlreadyRunningError,
  EdgeCluster,
  edgeClusterStatus,
  startEdgeCluster,
  stopEdgeCluster,
} from './cluster';
import { isAlive, isOurProcess, waitFor } from './processes';
import {
  kubeConfigFrom,
  testRunDir,
  uniqueName,
  waitDeploymentAvailable,
} from './testing/helpers';

jest.setTimeout(10 * 60_000);

let k8s: ClientNode;
beforeAll(async () => {
  k8s = await loadClientNode();
});

function pidsOf(dir: string): number[] {
  const pidDir = path.join(dir, 'pids');
  if (!fs.existsSync(pidDir)) return [];
  return fs
    .readdirSync(pidDir)
    .map(f => parseInt(fs.readFileSync(path.join(pidDir, f), 'utf8'), 10));
}

const deployment = (name: string) => ({
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: 'c', image: 'registry.example.com/helmmec/probe:1.0' },
        ],
      },
    },
  },
});

describe('several edge clusters', () => {
  const runDir = testRunDir();
  const a = uniqueName('edge-a');
  const b = uniqueName('edge-b');
  let ca: EdgeCluster | undefined;
  let cb: EdgeCluster | undefined;
  const log = (n: string) => (l: string) =>
    process.stderr.write(`[${n}] ${l}\n`);

  beforeAll(async () => {
    // Sequential starts keep the 2-core machine responsive.
    ca = await startEdgeCluster({ name: a, nodes: 1, runDir, log: log(a) });
    cb = await startEdgeCluster({ name: b, nodes: 2, runDir, log: log(b) });
  });

  afterAll(async () => {
    await ca?.stop();
    await cb?.stop();
  });

  it('run independently on distinct loopback ports', async () => {
    expect(ca!.server).not.toBe(cb!.server);
    expect(new Set(Object.values(ca!.ports)).size).toBe(
      Object.keys(ca!.ports).length,
    );
    for (const p of Object.values(ca!.ports))
      expect(Object.values(cb!.ports)).not.toContain(p);
    const kca = await kubeConfigFrom(ca!.kubeconfigPath);
    const kcb = await kubeConfigFrom(cb!.kubeconfigPath);
    await kca.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
      namespace: 'default',
      body: deployment('only-in-a'),
    });
    await waitDeploymentAvailable(kca, 'default', 'only-in-a');
    const inB = await kcb
      .makeApiClient(k8s.AppsV1Api)
      .listNamespacedDeployment({ namespace: 'default' });
    expect(inB.items.map(d => d.metadata?.name)).not.toContain('only-in-a');
    // A's CA does not validate B's server.
    expect(ca!.caData).not.toBe(cb!.caData);
  });

  it('refuses a second up of the same name, starting nothing', async () => {
    const before = pidsOf(ca!.dir);
    await expect(
      startEdgeCluster({ name: a, nodes: 1, runDir }),
    ).rejects.toThrow(ClusterAlreadyRunningError);
    await expect(
      startEdgeCluster({ name: a, nodes: 1, runDir }),
    ).rejects.toThrow(/already running.*down --name/);
    expect(pidsOf(ca!.dir)).toEqual(before);
    expect((await edgeClusterStatus(a, { runDir })).problems).toEqual([]);
  });

  it('reports a port in use clearly and leaves no process behind', async () => {
    const blocker = net.createServer();
    await new Promise<void>(r =>
      blocker.listen({ host: '127.0.0.1', port: 0 }, r),
    );
    const port = (blocker.address() as net.AddressInfo).port;
    const name = uniqueName('edge-p');
    try {
      await expect(
        startEdgeCluster({
          name,
          nodes: 1,
          runDir,
          ports: { apiserver: port },
        }),
      ).rejects.toThrow(
        new RegExp(
          `port 127\\.0\\.0\\.1:${port} \\(apiserver\\) is already in use`,
        ),
      );
      const pids = pidsOf(path.join(runDir, name));
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      await new Promise(r => blocker.close(r));
      await stopEdgeCluster(name, { runDir });
    }
  });

  it('notices a killed etcd, and up cleans up and restarts the cluster', async () => {
    const state = JSON.parse(
      fs.readFileSync(path.join(cb!.dir, 'state.json'), 'utf8'),
    );
    const etcd = state.processes.find((p: any) => p.component === 'etcd');
    const others = state.processes.filter((p: any) => p.component !== 'etcd');
    process.kill(etcd.pid, 'SIGKILL');
    await waitFor('etcd gone', () => !isAlive(etcd.pid), { timeoutMs: 10_000 });
    const status = await edgeClusterStatus(b, { runDir });
    expect(status.problems.join('\n')).toMatch(
      /etcd \(pid \d+\) is not running/,
    );
    const lines: string[] = [];
    cb = await startEdgeCluster({
      name: b,
      nodes: 2,
      runDir,
      log: l => lines.push(l),
    });
    expect(lines.join('\n')).toMatch(/stale state.*not running: etcd/);
    // The old processes were stopped, by pid.
    for (const p of others) expect(isOurProcess(p)).toBe(false);
    const after = await edgeClusterStatus(b, { runDir });
    expect(after.apiserverReady).toBe(true);
    expect(after.nodesReady).toBe(2);
  });
});
