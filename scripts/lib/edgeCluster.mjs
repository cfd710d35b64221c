// The local edge cluster that `npm start` deploys to: packages/edge-cluster's
// library, loaded through Backstage's SWC require hook (it is TypeScript).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { log, repoRoot } from './setup.mjs';

const require = createRequire(import.meta.url);

export function edgeClusterLibrary() {
  require(join(
    repoRoot,
    'node_modules/@backstage/cli-node/config/nodeTransform.cjs',
  ));
  return require(join(repoRoot, 'packages/edge-cluster/src/index.ts'));
}

/**
 * Starts (or reuses) the local edge cluster `name` and writes an app-config
 * file that registers it as a static edge host of the portal. The first run
 * builds the Kubernetes binaries from upstream Go modules (tens of minutes,
 * cached afterwards).
 *
 * @returns the config file to pass to the backend, and stop() for a cluster this call started
 */
export async function startLocalEdgeCluster({
  name = 'edge-1',
  dataDir,
  reuse = true,
}) {
  const edge = edgeClusterLibrary();
  const binaries = await edge.ensureBinaries({
    onProgress: p => log(`edge cluster: ${edge.formatProgress(p)}`),
  });
  let cluster = reuse ? edge.getEdgeCluster(name) : undefined;
  let startedHere = false;
  const status = cluster ? await edge.edgeClusterStatus(name) : undefined;
  if (!cluster || !status?.apiserverReady) {
    if (edge.getEdgeCluster(name)) await edge.stopEdgeCluster(name);
    log(`starting the local edge cluster "${name}" (3 kwok nodes)`);
    cluster = await edge.startEdgeCluster({
      name,
      nodes: 3,
      log: line => log(`edge cluster: ${line}`),
    });
    startedHere = true;
  } else {
    log(`reusing the running local edge cluster "${name}" (${cluster.server})`);
  }
  mkdirSync(dataDir, { recursive: true });
  const configFile = join(dataDir, 'app-config.edge-cluster.yaml');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        mec: {
          drivers: { helm: { binary: binaries.bin.helm } },
          hosts: {
            static: [
              {
                name,
                title: 'Local edge cluster',
                description: 'Started by npm start (packages/edge-cluster)',
                url: cluster.server,
                caData: cluster.caData,
                authProvider: 'serviceAccount',
                serviceAccountToken: cluster.serviceAccountToken,
                driver: 'helm',
                location: { zone: 'local', site: 'this machine' },
                namespacePolicy: {
                  mode: 'fixed',
                  namespace: cluster.namespace,
                },
              },
            ],
          },
        },
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
  return {
    configFile,
    cluster,
    stop: async () => {
      if (startedHere) await edge.stopEdgeCluster(name);
    },
  };
}

/**
 * Provisions the local edge cluster `name` in the background, for `npm
 * start`: a child process (scripts/lib/localEdgeClusterWorker.mjs, in its
 * own process group so that stopping it also stops a build in progress)
 * builds the binaries when they are not cached, starts or reuses the
 * cluster and registers it through the hosts API of the backend at
 * `backendUrl` once that answers. Meanwhile it writes its progress to a
 * status file, which the config file returned lets the backend serve to the
 * edge hosts page.
 *
 * @returns the config file to pass to the backend, the status file, and
 *   stop(), which stops the worker and the cluster if the worker started it
 */
export function startLocalEdgeClusterInBackground({
  name = 'edge-1',
  dataDir,
  backendUrl,
  token,
}) {
  const edge = edgeClusterLibrary();
  mkdirSync(dataDir, { recursive: true });
  const statusFile = join(dataDir, 'local-edge-cluster.json');
  const configFile = join(dataDir, 'app-config.local-edge-cluster.yaml');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        mec: {
          localEdgeCluster: { statusFile },
          // Where the build puts helm; the helm driver runs it only to deploy,
          // which needs the registered cluster, so after the build.
          drivers: { helm: { binary: join(edge.binDir(), 'helm') } },
        },
      },
      null,
      2,
    ),
  );
  const worker = spawn(
    process.execPath,
    [join(repoRoot, 'scripts/lib/localEdgeClusterWorker.mjs')],
    {
      detached: true,
      stdio: 'inherit',
      env: {
        ...process.env,
        HELMMEC_LOCAL_EDGE_CLUSTER: JSON.stringify({
          name,
          statusFile,
          backendUrl,
          token,
        }),
      },
    },
  );
  const exited = new Promise(resolve => worker.once('exit', resolve));
  return {
    configFile,
    statusFile,
    /** Resolves to the worker's exit code when it ends by itself. */
    exited,
    async stop() {
      if (worker.exitCode !== null || worker.signalCode !== null) return;
      try {
        // The whole group: a go build in progress ends with it.
        process.kill(-worker.pid, 'SIGTERM');
      } catch {
        return;
      }
      // The worker stops the cluster it started, then exits.
      const timer = setTimeout(() => {
        try {
          process.kill(-worker.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
