import { cachedBinaries, ensureBinaries, formatProgress } from './binaries';
import {
  abortEdgeClusterStarts,
  ClusterAlreadyRunningError,
  edgeClusterEnv,
  edgeClusterStatus,
  getEdgeCluster,
  listEdgeClusters,
  startEdgeCluster,
  stopEdgeCluster,
} from './cluster';
import { bench } from './bench';
import { clustersDir, edgeCacheDir, versionDir } from './paths';
import { versionsSummary } from './versions';

const USAGE = `Usage: edge-cluster <command> [options]

Commands:
  up       start a local edge cluster (builds binaries on first use)
  down     stop a cluster (by pid) and remove its state
  status   show processes and readiness
  env      print shell exports for kubectl/helm (eval "$(edge-cluster env)")
  build    build or reuse the cached binaries, with progress
  bench    cold build minutes, warm up seconds, helm install --wait seconds
  list     list clusters with state

Options:
  --name NAME      cluster name (default edge-1)
  --nodes N        number of kwok nodes (default 3)
  --flux           also run Flux source-controller and helm-controller
  --api-port PORT  fixed kube-apiserver port (default: a free one)
  --run-dir DIR    parent dir of cluster state (default ${clustersDir()})
  --all            with down: every cluster under the run dir
  --force          with build: rebuild even if cached
`;

function parse(argv: string[]) {
  const opts: Record<string, string | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) opts[k] = v;
      else if (['flux', 'all', 'force', 'help'].includes(k)) opts[k] = true;
      else if (i + 1 < argv.length) opts[k] = argv[++i];
      else throw new Error(`option --${k} needs a value`);
    } else if (a === '-h') opts.help = true;
    else rest.push(a);
  }
  return { cmd: rest[0], opts };
}

const log = (l: string) => process.stderr.write(`${l}\n`);

export async function main(argv: string[]) {
  // A closed pipe (e.g. `| head`) must not kill `up` halfway through.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  let parsed;
  try {
    parsed = parse(argv);
  } catch (e: any) {
    log(e.message);
    process.exit(2);
  }
  const { cmd, opts } = parsed;
  if (!cmd || opts.help) {
    process.stdout.write(USAGE);
    process.exit(cmd || opts.help ? 0 : 2);
  }
  const name = (opts.name as string) ?? 'edge-1';
  const runDir = opts['run-dir'] as string | undefined;
  try {
    switch (cmd) {
      case 'build': {
        const b = await ensureBinaries({
          force: !!opts.force,
          onProgress: p => log(formatProgress(p)),
        });
        console.log(`binaries: ${b.dir}`);
        console.log(
          `build took ${b.build.totalSeconds}s on ${b.build.host.cpus} cores (${b.build.builtAt})`,
        );
        console.log(JSON.stringify(b.build.reportedVersions, null, 2));
        break;
      }
      case 'up': {
        const nodes = opts.nodes ? Number(opts.nodes) : 3;
        // Ctrl-C during startup: stop what was started (processes are detached).
        const onSignal = (sig: string) => {
          log(`${sig}: stopping the partly started cluster "${name}"`);
          abortEdgeClusterStarts();
          stopEdgeCluster(name, { runDir, log }).finally(() =>
            process.exit(130),
          );
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const ports = opts['api-port']
          ? { apiserver: Number(opts['api-port']) }
          : undefined;
        const c = await startEdgeCluster({
          name,
          nodes,
          flux: !!opts.flux,
          runDir,
          log,
          ports,
        });
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        console.log(`edge cluster "${c.name}" is up: ${c.server}`);
        console.log(`  kubeconfig (admin):      ${c.kubeconfigPath}`);
        console.log(`  kubeconfig (deployer):   ${c.deployerKubeconfigPath}`);
        console.log(
          `  service account:         ${c.serviceAccount} (may deploy to namespace ${c.namespace})`,
        );
        console.log(
          `  try: KUBECONFIG=${c.kubeconfigPath} ${c.binDir}/kubectl get nodes`,
        );
        console.log(
          `  or:  eval "$(npx edge-cluster env --name ${c.name})"; kubectl get nodes`,
        );
        break;
      }
      case 'down': {
        const names = opts.all ? listEdgeClusters({ runDir }) : [name];
        for (const n of names) {
          const r = await stopEdgeCluster(n, { runDir, log });
          console.log(
            r.existed
              ? `edge cluster "${n}" stopped (${r.stopped} process(es)) and its state removed`
              : `edge cluster "${n}" does not exist`,
          );
        }
        break;
      }
      case 'status': {
        const s = await edgeClusterStatus(name, { runDir });
        if (!s.exists && !s.problems.length) {
          console.log(`edge cluster "${name}" does not exist (${s.dir})`);
          process.exitCode = 1;
          break;
        }
        console.log(`edge cluster "${name}" (${s.dir})`);
        if (s.server)
          console.log(
            `  api server: ${s.server}  ready: ${
              s.apiserverReady ? 'yes' : 'NO'
            }`,
          );
        if (s.kubeconfigPath) console.log(`  kubeconfig: ${s.kubeconfigPath}`);
        if (s.nodesTotal !== undefined)
          console.log(`  nodes: ${s.nodesReady}/${s.nodesTotal} Ready`);
        for (const p of s.processes)
          console.log(
            `  ${p.running ? 'running' : 'DEAD   '}  ${p.component.padEnd(
              24,
            )} pid ${p.pid}`,
          );
        for (const p of s.problems) console.log(`  problem: ${p}`);
        if (s.problems.length) {
          console.log(
            `  fix: "edge-cluster up --name ${name}" cleans up and restarts, "edge-cluster down --name ${name}" removes it`,
          );
          process.exitCode = 1;
        }
        break;
      }
      case 'env': {
        const c = getEdgeCluster(name, { runDir });
        if (!c)
          throw new Error(
            `edge cluster "${name}" is not running; start it with "edge-cluster up --name ${name}"`,
          );
        console.log(edgeClusterEnv(c));
        break;
      }
      case 'list': {
        for (const n of listEdgeClusters({ runDir })) {
          const s = await edgeClusterStatus(n, { runDir });
          console.log(
            `${n}\t${s.apiserverReady ? 'ready' : 'not ready'}\t${
              s.server ?? ''
            }`,
          );
        }
        break;
      }
      case 'bench':
        await bench(l => console.log(l));
        break;
      case 'versions':
        console.log(
          JSON.stringify(
            {
              versions: versionsSummary(),
              cache: versionDir(),
              cached: !!cachedBinaries(),
              root: edgeCacheDir(),
            },
            null,
            2,
          ),
        );
        break;
      default:
        log(`unknown command "${cmd}"\n`);
        process.stdout.write(USAGE);
        process.exit(2);
    }
  } catch (e: any) {
    log(
      `edge-cluster ${cmd}: ${
        e instanceof ClusterAlreadyRunningError ? '' : 'error: '
      }${e.message}`,
    );
    process.exit(1);
  }
}
