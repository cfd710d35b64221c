// `npm start`: installs what is missing, then runs the portal (backend on
// :7007, app on :3000) on better-sqlite3 files under data/, and a local
// edge cluster that builds, starts and registers itself in the background.
import { join } from 'node:path';
import { ensureNodeModules, log, repoRoot } from './lib/setup.mjs';
import { startPortal } from './lib/portal.mjs';
import { startLocalEdgeClusterInBackground } from './lib/edgeCluster.mjs';

ensureNodeModules();

const env = {
  MEC_DATA_DIR: process.env.MEC_DATA_DIR ?? join(repoRoot, 'data', 'sqlite'),
};
const backendUrl = 'http://localhost:7007';

// A real local Kubernetes edge cluster, registered as the edge host "edge-1"
// once it is up; the portal does not wait for it (its first build takes
// about 10 to 25 minutes). MEC_EDGE_CLUSTER=0 skips it.
const edge =
  process.env.MEC_EDGE_CLUSTER === '0'
    ? undefined
    : startLocalEdgeClusterInBackground({
        dataDir: join(repoRoot, 'data'),
        backendUrl,
        token: process.env.MEC_API_TOKEN ?? 'helmmec-dev-token',
      });
if (!process.env.MEC_API_TOKEN) {
  log(
    'MEC_API_TOKEN is not set: the ETSI APIs accept the development token "helmmec-dev-token"',
  );
}

const portal = await startPortal({
  env,
  configs: edge ? [edge.configFile] : [],
}).catch(async error => {
  await edge?.stop();
  throw error;
});
log(
  `portal ready: ${portal.appUrl}/mec (APIs at ${portal.backendUrl}/api/mec)`,
);
if (edge) {
  log(
    `the local edge cluster "edge-1" starts in the background; follow it on ${portal.appUrl}/mec/hosts`,
  );
}
log(
  `try: curl -H "Authorization: Bearer \${MEC_API_TOKEN:-helmmec-dev-token}" ${portal.backendUrl}/api/mec/app_pkgm/v1/app_packages`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log('stopping the portal');
    await Promise.all([portal.stop(), edge?.stop()]);
    process.exit(0);
  });
}
