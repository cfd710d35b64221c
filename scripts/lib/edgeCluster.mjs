// The local edge cluster that `npm start` deploys to: packages/edge-cluster's
// library, loaded through Backstage's SWC require hook (it is TypeScript).
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { log, repoRoot } from './setup.mjs';

const require = createRequire(import.meta.url);

function edgeClusterLibrary() {
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
