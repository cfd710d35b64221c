import fs from 'node:fs';
import path from 'node:path';
import {
  Binaries,
  cachedBinaries,
  ensureBinaries,
  formatProgress,
} from './binaries';
import { httpsGet, run } from './kubectl';
import { DEPLOYER, deployerObjects, kwokNodes, list } from './manifests';
import { clustersDir } from './paths';
import { b64, createPki, kubeconfig, Pki } from './pki';
import {
  acquireLock,
  DaemonRecord,
  freePorts,
  isAlive,
  isOurProcess,
  isPortFree,
  spawnDaemon,
  stopPid,
  tailFile,
  waitFor,
} from './processes';

/** Loopback ports of one cluster. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  sourceStorage: number;
  sourceMetrics: number;
  sourceHealth: number;
  helmMetrics: number;
  helmHealth: number;
}
const PORT_NAMES: (keyof ClusterPorts)[] = [
  'etcdClient',
  'etcdPeer',
  'apiserver',
  'controllerManager',
  'scheduler',
  'kwok',
  'sourceStorage',
  'sourceMetrics',
  'sourceHealth',
  'helmMetrics',
  'helmHealth',
];

/** Options for {@link startEdgeCluster}. */
export interface StartOptions {
  /** Cluster name (DNS label), default `edge-1`. */
  name?: string;
  /** Number of kwok nodes, default 3. */
  nodes?: number;
  /** Also run Flux source-controller and helm-controller (with CRDs). */
  flux?: boolean;
  /** Parent directory for cluster state; default `<cacheRoot>/clusters`. */
  runDir?: string;
  /** Fixed ports (must be free); others are picked free. */
  ports?: Partial<ClusterPorts>;
  /** Allocatable CPU / memory per node. */
  nodeCpu?: string;
  nodeMemory?: string;
  /** Log lines (progress). */
  log?: (line: string) => void;
  /** Overall startup timeout, default 5 minutes. */
  timeoutMs?: number;
}

/** A running edge cluster. */
export interface EdgeCluster {
  name: string;
  /** State directory: pid files, logs, certs, kubeconfigs. */
  dir: string;
  /** Admin kubeconfig (client certificate, system:masters). */
  kubeconfigPath: string;
  /** Kubeconfig of the restricted deployer ServiceAccount. */
  deployerKubeconfigPath: string;
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** Base64 PEM of the cluster CA. */
  caData: string;
  /** Long-lived token of the restricted ServiceAccount. */
  serviceAccountToken: string;
  /** Namespace the ServiceAccount may deploy into. */
  namespace: string;
  serviceAccount: string;
  nodes: number;
  flux: boolean;
  ports: ClusterPorts;
  /** Directory with kubectl, helm and the other binaries. */
  binDir: string;
  /** Stop every process of this cluster and remove its state. */
  stop(): Promise<void>;
}

/** Persisted in `<dir>/state.json`. */
export interface ClusterState {
  name: string;
  dir: string;
  status: 'starting' | 'running' | 'failed';
  createdAt: string;
  ownerPid: number;
  nodes: number;
  flux: boolean;
  ports: ClusterPorts;
  server: string;
  kubeconfigPath: string;
  deployerKubeconfigPath: string;
  binDir: string;
  serviceAccountToken?: string;
  processes: DaemonRecord[];
}

let startsAborted = false;

/**
 * Make every startup in progress in this process fail before it starts its
 * next component (for signal handlers: call this, then stopEdgeCluster).
 */
export function abortEdgeClusterStarts() {
  startsAborted = true;
}

/** Thrown when a cluster of that name is already running. */
export class ClusterAlreadyRunningError extends Error {}

const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

function clusterDir(name: string, runDir?: string) {
  return path.join(runDir ? path.resolve(runDir) : clustersDir(), name);
}

function readState(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeState(state: ClusterState) {
  const file = path.join(state.dir, 'state.json');
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Records of processes found in pid files that state.json may not know about. */
function pidFileRecords(dir: string, state?: ClusterState): DaemonRecord[] {
  const recs = [...(state?.processes ?? [])];
  const pidDir = path.join(dir, 'pids');
  if (!fs.existsSync(pidDir)) return recs;
  for (const f of fs.readdirSync(pidDir)) {
    const component = f.replace(/\.pid$/, '');
    const pid = parseInt(fs.readFileSync(path.join(pidDir, f), 'utf8'), 10);
    if (recs.some(r => r.pid === pid)) continue;
    const exe = state ? path.join(state.binDir, component) : '';
    if (exe)
      recs.push({ component, pid, exe, args: [], log: '', startedAt: '' });
  }
  return recs;
}

const STOP_ORDER = [
  'helm-controller',
  'source-controller',
  'kwok',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-apiserver',
  'etcd',
];

async function stopProcesses(recs: DaemonRecord[], log: (l: string) => void) {
  const sorted = [...recs].sort(
    (a, b) => STOP_ORDER.indexOf(a.component) - STOP_ORDER.indexOf(b.component),
  );
  // Stop controllers first (in parallel), then apiserver, then etcd.
  const groups = [
    sorted.filter(r => !['kube-apiserver', 'etcd'].includes(r.component)),
    sorted.filter(r => r.component === 'kube-apiserver'),
    sorted.filter(r => r.component === 'etcd'),
  ];
  for (const g of groups) {
    await Promise.all(
      g.map(async r => {
        const how = await stopPid(r);
        if (how !== 'not-running')
          log(`stopped ${r.component} (pid ${r.pid}, ${how})`);
      }),
    );
  }
}

/** Health of one cluster, from its pid files and API server. */
export interface ClusterStatus {
  name: string;
  dir: string;
  exists: boolean;
  status?: ClusterState['status'];
  server?: string;
  kubeconfigPath?: string;
  processes: {
    component: string;
    pid: number;
    running: boolean;
    log: string;
  }[];
  apiserverReady: boolean;
  nodesReady?: number;
  nodesTotal?: number;
  /** Human-readable problems (dead processes etc.). */
  problems: string[];
}

/** Report the processes and readiness of a cluster. */
export async function edgeClusterStatus(
  name = 'edge-1',
  opts: { runDir?: string } = {},
): Promise<ClusterStatus> {
  const dir = clusterDir(name, opts.runDir);
  const state = readState(dir);
  const res: ClusterStatus = {
    name,
    dir,
    exists: !!state,
    processes: [],
    apiserverReady: false,
    problems: [],
  };
  if (!state) {
    if (fs.existsSync(dir))
      res.problems.push(
        `state directory ${dir} exists without state.json (leftover of a failed start)`,
      );
    return res;
  }
  res.status = state.status;
  if (state.status !== 'running') {
    res.problems.push(
      state.status === 'starting' && !isAlive(state.ownerPid)
        ? `startup was interrupted (the starting process ${state.ownerPid} is gone)`
        : `cluster status is "${state.status}"`,
    );
  }
  res.server = state.server;
  res.kubeconfigPath = state.kubeconfigPath;
  for (const r of pidFileRecords(dir, state)) {
    const running = isOurProcess(r);
    res.processes.push({
      component: r.component,
      pid: r.pid,
      running,
      log: r.log,
    });
    if (!running)
      res.problems.push(
        `${r.component} (pid ${r.pid}) is not running; see ${r.log}`,
      );
  }
  try {
    const pki = pkiPaths(dir);
    const rz = await httpsGet(
      `${state.server}/readyz`,
      {
        ca: fs.readFileSync(pki.caCrt),
        cert: fs.readFileSync(pki.adminCrt),
        key: fs.readFileSync(pki.adminKey),
      },
      3000,
    );
    res.apiserverReady = rz.status === 200;
    if (!res.apiserverReady)
      res.problems.push(
        `kube-apiserver /readyz answered ${rz.status}: ${rz.body.slice(
          0,
          300,
        )}`,
      );
  } catch (e: any) {
    res.problems.push(
      `kube-apiserver ${state.server} not reachable: ${e.message}`,
    );
  }
  if (res.apiserverReady) {
    try {
      const { stdout } = await run(
        path.join(state.binDir, 'kubectl'),
        [
          '--kubeconfig',
          state.kubeconfigPath,
          'get',
          'nodes',
          '-o',
          'json',
          '--request-timeout=5s',
        ],
        { timeoutMs: 10_000 },
      );
      const items = JSON.parse(stdout).items as any[];
      res.nodesTotal = items.length;
      res.nodesReady = items.filter(n =>
        n.status?.conditions?.some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        ),
      ).length;
    } catch (e: any) {
      res.problems.push(`cannot list nodes: ${e.message}`);
    }
  }
  return res;
}

function pkiPaths(dir: string): Pki {
  const p = (f: string) => path.join(dir, 'pki', f);
  return {
    dir: path.join(dir, 'pki'),
    caCrt: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCrt: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    adminCrt: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

function handleFrom(state: ClusterState, runDir?: string): EdgeCluster {
  return {
    name: state.name,
    dir: state.dir,
    kubeconfigPath: state.kubeconfigPath,
    deployerKubeconfigPath: state.deployerKubeconfigPath,
    server: state.server,
    caData: b64(pkiPaths(state.dir).caCrt),
    serviceAccountToken: state.serviceAccountToken ?? '',
    namespace: DEPLOYER.targetNamespace,
    serviceAccount: `${DEPLOYER.serviceAccountNamespace}/${DEPLOYER.serviceAccount}`,
    nodes: state.nodes,
    flux: state.flux,
    ports: state.ports,
    binDir: state.binDir,
    stop: async () => {
      await stopEdgeCluster(state.name, { runDir });
    },
  };
}

/** Handle of an already running cluster (e.g. one started by `edge-cluster up`), or undefined. */
export function getEdgeCluster(
  name = 'edge-1',
  opts: { runDir?: string } = {},
): EdgeCluster | undefined {
  const state = readState(clusterDir(name, opts.runDir));
  if (!state || state.status !== 'running') return undefined;
  if (!state.processes.every(isOurProcess)) return undefined;
  return handleFrom(state, opts.runDir);
}

/**
 * Stop every process of the cluster (SIGTERM, then SIGKILL after 10 s, by
 * pid) and remove its state directory. Safe to call when nothing runs.
 */
export async function stopEdgeCluster(
  name = 'edge-1',
  opts: {
    runDir?: string;
    log?: (l: string) => void;
    keepState?: boolean;
  } = {},
): Promise<{ stopped: number; existed: boolean }> {
  const log = opts.log ?? (() => {});
  const dir = clusterDir(name, opts.runDir);
  if (!fs.existsSync(dir)) return { stopped: 0, existed: false };
  const state = readState(dir);
  const recs = pidFileRecords(dir, state);
  const live = recs.filter(isOurProcess).length;
  await stopProcesses(recs, log);
  if (!opts.keepState) fs.rmSync(dir, { recursive: true, force: true });
  return { stopped: live, existed: true };
}

/** Names of the clusters that have a state directory. */
export function listEdgeClusters(opts: { runDir?: string } = {}): string[] {
  const root = opts.runDir ? path.resolve(opts.runDir) : clustersDir();
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter(
      n => NAME_RE.test(n) && fs.statSync(path.join(root, n)).isDirectory(),
    );
}

/**
 * Start a local edge cluster: etcd, kube-apiserver (TLS, client-cert auth,
 * RBAC, service-account tokens), controller-manager, scheduler, kwok with N
 * Ready fake nodes and, with `flux`, Flux source-controller and
 * helm-controller. Every listener is on 127.0.0.1. Builds the binaries first
 * if they are not cached. If anything fails, everything started is stopped.
 */
export async function startEdgeCluster(
  opts: StartOptions = {},
): Promise<EdgeCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEdgeClusterOnce(opts);
    } catch (e: any) {
      // Ports are free when picked, but a cluster starting in parallel can
      // take one before our component binds it: start again on new ports.
      if (attempt < 3 && /address already in use/.test(e?.message ?? '')) {
        (opts.log ?? (() => {}))(
          `a port was taken while "${
            opts.name ?? 'edge-1'
          }" started; retrying on other ports`,
        );
        continue;
      }
      throw e;
    }
  }
}

async function startEdgeClusterOnce(opts: StartOptions): Promise<EdgeCluster> {
  const name = opts.name ?? 'edge-1';
  const nodes = opts.nodes ?? 3;
  const flux = !!opts.flux;
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  if (!NAME_RE.test(name))
    throw new Error(
      `invalid cluster name "${name}": use lower-case letters, digits and '-' (max 40)`,
    );
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 100)
    throw new Error(`--nodes must be 1..100, got ${opts.nodes}`);
  const dir = clusterDir(name, opts.runDir);
  const root = path.dirname(dir);
  fs.mkdirSync(root, { recursive: true });

  // One `up` per name at a time.
  let release: () => void;
  try {
    release = await acquireLock(path.join(root, `.${name}.lock`), {
      timeoutMs: 0,
    });
  } catch (e: any) {
    throw new ClusterAlreadyRunningError(
      `edge cluster "${name}" is being started by another process (${e.message})`,
    );
  }
  try {
    const existing = readState(dir);
    if (existing || fs.existsSync(dir)) {
      const recs = pidFileRecords(dir, existing);
      const alive = recs.filter(isOurProcess);
      if (
        existing &&
        alive.length === recs.length &&
        recs.length > 0 &&
        existing.status === 'running'
      ) {
        throw new ClusterAlreadyRunningError(
          `edge cluster "${name}" is already running (api ${existing.server}, kubeconfig ${existing.kubeconfigPath}). ` +
            `Use it as is, or run "edge-cluster down --name ${name}" first.`,
        );
      }
      const dead = recs.filter(r => !isOurProcess(r)).map(r => r.component);
      let why = '';
      if (dead.length) why = ` (not running: ${dead.join(', ')})`;
      else if (existing) why = ` (status ${existing.status})`;
      log(
        `found stale state for "${name}" in ${dir}${why}; stopping what is left and starting afresh`,
      );
      await stopProcesses(alive, log);
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // Ports: check fixed ones, pick the rest.
    for (const [k, v] of Object.entries(opts.ports ?? {})) {
      if (v !== undefined && !(await isPortFree(v))) {
        throw new Error(
          `cannot start edge cluster "${name}": port 127.0.0.1:${v} (${k}) is already in use`,
        );
      }
    }
    const picked = await freePorts(PORT_NAMES.length);
    const used = new Set(Object.values(opts.ports ?? {}));
    const ports = {} as ClusterPorts;
    for (const n of PORT_NAMES) {
      let p = opts.ports?.[n] ?? picked.shift()!;
      while (opts.ports?.[n] === undefined && used.has(p))
        p = (await freePorts(1))[0];
      used.add(p);
      ports[n] = p;
    }

    const bins =
      cachedBinaries() ??
      (await ensureBinaries({ onProgress: p => log(formatProgress(p)) }));
    fs.mkdirSync(dir, { recursive: true });
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const state: ClusterState = {
      name,
      dir,
      status: 'starting',
      createdAt: new Date().toISOString(),
      ownerPid: process.pid,
      nodes,
      flux,
      ports,
      server,
      kubeconfigPath: path.join(dir, 'kubeconfig'),
      deployerKubeconfigPath: path.join(dir, 'deployer.kubeconfig'),
      binDir: bins.dir,
      processes: [],
    };
    writeState(state);
    try {
      await bringUp(state, bins, {
        nodes,
        flux,
        log,
        timeoutMs,
        nodeCpu: opts.nodeCpu,
        nodeMemory: opts.nodeMemory,
      });
    } catch (e: any) {
      log(`startup of "${name}" failed; stopping what was started`);
      await stopProcesses(state.processes, log);
      state.status = 'failed';
      state.processes = [];
      writeState(state);
      try {
        fs.rmSync(path.join(dir, 'pids'), { recursive: true, force: true });
      } catch {
        /* ignore */
      }
      e.message = `edge cluster "${name}" failed to start: ${
        e.message
      }\n(logs kept in ${path.join(
        dir,
        'logs',
      )}; "edge-cluster down --name ${name}" removes them)`;
      throw e;
    }
    state.status = 'running';
    writeState(state);
    return handleFrom(state, opts.runDir);
  } finally {
    release();
  }
}

async function bringUp(
  state: ClusterState,
  bins: Binaries,
  o: {
    nodes: number;
    flux: boolean;
    log: (l: string) => void;
    timeoutMs: number;
    nodeCpu?: string;
    nodeMemory?: string;
  },
) {
  const { dir, ports, name, server } = state;
  const log = o.log;
  const t0 = Date.now();
  const left = () => Math.max(10_000, o.timeoutMs - (Date.now() - t0));
  const logs = path.join(dir, 'logs');
  const pidDir = path.join(dir, 'pids');
  fs.mkdirSync(logs, { recursive: true });
  const B = bins.bin;

  const start = (
    component: string,
    args: string[],
    env?: NodeJS.ProcessEnv,
  ) => {
    if (startsAborted) throw new Error(`startup aborted before ${component}`);
    const rec = spawnDaemon({
      component,
      exe: B[component],
      args,
      logFile: path.join(logs, `${component}.log`),
      pidDir,
      env: { ...process.env, ...env },
      cwd: dir,
    });
    state.processes.push(rec);
    writeState(state);
    log(`started ${component} (pid ${rec.pid})`);
    return rec;
  };
  const mustRun = (rec: DaemonRecord) => () => {
    if (!isOurProcess(rec))
      throw Object.assign(
        new Error(`${rec.component} exited:\n${tailFile(rec.log, 15)}`),
        { fatal: true },
      );
  };
  const waitUp = async (
    what: string,
    rec: DaemonRecord,
    check: () => Promise<boolean>,
  ) => {
    const alive = mustRun(rec);
    let fatal: Error | undefined;
    await waitFor(
      what,
      async () => {
        try {
          alive();
        } catch (e: any) {
          fatal = e;
          return true;
        }
        return check();
      },
      {
        timeoutMs: left(),
        intervalMs: 300,
        onFail: () => `--- ${rec.log} ---\n${tailFile(rec.log, 15)}`,
      },
    );
    if (fatal) throw fatal;
  };

  log(`creating certificates in ${path.join(dir, 'pki')}`);
  const pki = createPki(path.join(dir, 'pki'), name);
  const caData = b64(pki.caCrt);
  const adminKubeconfig = kubeconfig({
    name,
    server,
    caData,
    user: {
      clientCertificateData: b64(pki.adminCrt),
      clientKeyData: b64(pki.adminKey),
    },
  });
  fs.writeFileSync(state.kubeconfigPath, adminKubeconfig, { mode: 0o600 });
  const tls = {
    ca: fs.readFileSync(pki.caCrt),
    cert: fs.readFileSync(pki.adminCrt),
    key: fs.readFileSync(pki.adminKey),
  };

  // etcd
  const etcd = start('etcd', [
    `--name=${name}`,
    `--data-dir=${path.join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-cluster=${name}=http://127.0.0.1:${ports.etcdPeer}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=2147483648',
    '--auto-compaction-mode=periodic',
    '--auto-compaction-retention=5m',
    '--log-level=warn',
  ]);
  await waitUp('etcd /health', etcd, async () => {
    const r = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`).catch(
      () => undefined,
    );
    return !!r && r.ok;
  });

  // kube-apiserver
  const apiserver = start('kube-apiserver', [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${path.join(dir, 'apiserver')}`,
    `--tls-cert-file=${pki.apiserverCrt}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCrt}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--v=1',
  ]);
  await waitUp('kube-apiserver /readyz', apiserver, async () => {
    const r = await httpsGet(`${server}/readyz`, tls, 3000).catch(
      () => undefined,
    );
    return r?.status === 200;
  });
  log(`kube-apiserver ready at ${server}`);

  const kc = state.kubeconfigPath;
  const kubectl = (args: string[], input?: string) =>
    run(B.kubectl, ['--kubeconfig', kc, ...args], {
      input,
      timeoutMs: 120_000,
    });
  const authArgs = [
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--bind-address=127.0.0.1',
  ];

  const kcm = start('kube-controller-manager', [
    `--kubeconfig=${kc}`,
    ...authArgs,
    `--secure-port=${ports.controllerManager}`,
    `--cert-dir=${path.join(dir, 'kcm')}`,
    '--leader-elect=false',
    `--root-ca-file=${pki.caCrt}`,
    `--service-account-private-key-file=${pki.saKey}`,
    '--controllers=*',
    '--v=1',
  ]);
  const schedulerCfg = path.join(dir, 'scheduler.yaml');
  fs.writeFileSync(
    schedulerCfg,
    JSON.stringify({
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      clientConnection: { kubeconfig: kc },
      leaderElection: { leaderElect: false },
    }),
  );
  const sched = start('kube-scheduler', [
    `--config=${schedulerCfg}`,
    ...authArgs,
    `--secure-port=${ports.scheduler}`,
    `--cert-dir=${path.join(dir, 'scheduler')}`,
    '--v=1',
  ]);
  const kwok = start(
    'kwok',
    [
      `--kubeconfig=${kc}`,
      '--manage-all-nodes=true',
      // Node leases as heartbeats: kwok's status updates alone come less
      // often than the controller manager's grace period on a busy machine,
      // and a node that flaps NotReady leaves its pods NotReady for good.
      '--node-lease-duration-seconds=40',
      '--cidr=10.244.0.1/16',
      '--node-ip=10.240.0.1',
      `--server-address=127.0.0.1:${ports.kwok}`,
    ],
    { HOME: path.join(dir, 'home') },
  );

  // Nodes and the deployer account.
  log(
    `creating ${o.nodes} kwok node(s) and the ${DEPLOYER.serviceAccount} service account`,
  );
  await kubectl(
    ['create', '-f', '-'],
    list(
      kwokNodes({
        cluster: name,
        count: o.nodes,
        cpu: o.nodeCpu,
        memory: o.nodeMemory,
      }),
    ),
  );
  await kubectl(['apply', '-f', '-'], list(deployerObjects()));

  const insecure = { insecure: true };
  await Promise.all([
    waitUp(
      'kube-controller-manager /healthz',
      kcm,
      async () =>
        (
          await httpsGet(
            `https://127.0.0.1:${ports.controllerManager}/healthz`,
            insecure,
          ).catch(() => undefined)
        )?.status === 200,
    ),
    waitUp(
      'kube-scheduler /healthz',
      sched,
      async () =>
        (
          await httpsGet(
            `https://127.0.0.1:${ports.scheduler}/healthz`,
            insecure,
          ).catch(() => undefined)
        )?.status === 200,
    ),
  ]);

  if (o.flux) {
    log('installing Flux CRDs');
    await kubectl(['apply', '--server-side', '-f', bins.crdDir]);
    await kubectl([
      'wait',
      '--for=condition=Established',
      'crd',
      '--all',
      '--timeout=120s',
    ]);
    await kubectl(
      ['apply', '-f', '-'],
      list([
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'flux-system' },
        },
      ]),
    );
    const fluxEnv = {
      KUBECONFIG: kc,
      RUNTIME_NAMESPACE: 'flux-system',
      HOME: path.join(dir, 'home'),
      TUF_ROOT: path.join(dir, 'home', 'tuf'),
    };
    fs.mkdirSync(fluxEnv.TUF_ROOT, { recursive: true });
    fs.mkdirSync(path.join(dir, 'flux-artifacts'), { recursive: true });
    const sc = start(
      'source-controller',
      [
        `--storage-path=${path.join(dir, 'flux-artifacts')}`,
        `--storage-addr=127.0.0.1:${ports.sourceStorage}`,
        `--storage-adv-addr=127.0.0.1:${ports.sourceStorage}`,
        `--metrics-addr=127.0.0.1:${ports.sourceMetrics}`,
        `--health-addr=127.0.0.1:${ports.sourceHealth}`,
        '--log-encoding=console',
      ],
      fluxEnv,
    );
    const hc = start(
      'helm-controller',
      [
        `--metrics-addr=127.0.0.1:${ports.helmMetrics}`,
        `--health-addr=127.0.0.1:${ports.helmHealth}`,
        '--http-retry=3',
        '--log-encoding=console',
      ],
      fluxEnv,
    );
    const healthy = (port: number) => async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(
        () => undefined,
      );
      return !!r && r.ok;
    };
    await Promise.all([
      waitUp('source-controller /readyz', sc, healthy(ports.sourceHealth)),
      waitUp('helm-controller /readyz', hc, healthy(ports.helmHealth)),
    ]);
    log('Flux source-controller and helm-controller ready');
  }

  const kwokAlive = mustRun(kwok);
  await waitFor(
    `${o.nodes} Ready node(s)`,
    async () => {
      kwokAlive();
      const { stdout } = await kubectl(['get', 'nodes', '-o', 'json']);
      const items = JSON.parse(stdout).items as any[];
      const ready = items.filter(n =>
        n.status?.conditions?.some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        ),
      );
      const untainted = ready.filter(
        n =>
          !(n.spec?.taints ?? []).some((t: any) =>
            t.key?.startsWith('node.kubernetes.io/not-ready'),
          ),
      );
      return untainted.length >= o.nodes;
    },
    {
      timeoutMs: left(),
      intervalMs: 500,
      onFail: () => `--- kwok log ---\n${tailFile(kwok.log, 15)}`,
    },
  );

  // Token of the deployer (filled in by the controller-manager's token controller),
  // and default ServiceAccounts (pods cannot be created before they exist).
  const token = await waitFor(
    'the deployer token Secret',
    async () => {
      mustRun(kcm)();
      const { stdout } = await kubectl([
        '-n',
        DEPLOYER.serviceAccountNamespace,
        'get',
        'secret',
        DEPLOYER.tokenSecret,
        '-o',
        'json',
      ]);
      const data = JSON.parse(stdout).data?.token;
      return data ? Buffer.from(data, 'base64').toString() : undefined;
    },
    { timeoutMs: left(), intervalMs: 500, onFail: () => tailFile(kcm.log, 15) },
  );
  await waitFor(
    'default ServiceAccounts',
    async () => {
      for (const ns of ['default', DEPLOYER.targetNamespace]) {
        await kubectl(['-n', ns, 'get', 'serviceaccount', 'default']);
      }
      return true;
    },
    { timeoutMs: left(), intervalMs: 500 },
  );
  state.serviceAccountToken = token;
  fs.writeFileSync(
    state.deployerKubeconfigPath,
    kubeconfig({
      name,
      server,
      caData,
      user: { token },
      namespace: DEPLOYER.targetNamespace,
    }),
    { mode: 0o600 },
  );
  writeState(state);
  log(
    `edge cluster "${name}" is ready (${o.nodes} node(s)${
      o.flux ? ', Flux' : ''
    }) in ${Math.round((Date.now() - t0) / 1000)}s`,
  );
}

/** Shell lines that point kubectl/helm at a cluster (`eval "$(edge-cluster env)"`). */
export function edgeClusterEnv(
  cluster: Pick<EdgeCluster, 'kubeconfigPath' | 'binDir' | 'name'>,
): string {
  return [
    `export KUBECONFIG='${cluster.kubeconfigPath}'`,
    `export PATH='${cluster.binDir}':"$PATH"`,
    `export HELMMEC_EDGE_CLUSTER='${cluster.name}'`,
  ].join('\n');
}
