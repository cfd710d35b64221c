// `npm start`: installs what is missing, then runs the portal (backend on
// :7007, app on :3000) on better-sqlite3 files under data/, and a local
// edge cluster that builds, starts and registers itself in the background.
//
// `MEC_TOPOLOGY=split npm start` runs the MEO/MEPM split instead: the portal
// as the MEO (mec.role meo, no edge cluster of its own) and two MEPMs
// (packages/mepm) on :7008 and :7009, each with its own data directory
// under data/split/ and its own local edge cluster, registered with the MEO.
import { join } from 'node:path';
import { ensureNodeModules, log, repoRoot } from './lib/setup.mjs';
import { startPortal } from './lib/portal.mjs';
import { startLocalEdgeClusterInBackground } from './lib/edgeCluster.mjs';
import {
  SPLIT_MEPM_PORTS,
  registerMepmWithMeo,
  splitMepmNames,
  startMepm,
  writeMeoConfig,
  writeMepmConfig,
} from './lib/splitTopology.mjs';

ensureNodeModules();

const topology = process.env.MEC_TOPOLOGY ?? 'combined';
if (!['combined', 'split'].includes(topology)) {
  throw new Error(
    `MEC_TOPOLOGY '${topology}' is neither combined (the default) nor split`,
  );
}
const token = process.env.MEC_API_TOKEN ?? 'helmmec-dev-token';
const withEdgeClusters = process.env.MEC_EDGE_CLUSTER !== '0';
const backendUrl = 'http://localhost:7007';
if (!process.env.MEC_API_TOKEN) {
  log(
    'MEC_API_TOKEN is not set: the ETSI APIs accept the development token "helmmec-dev-token"',
  );
}

// What Ctrl-C stops, by pid (each in its own process group).
const running = [];
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log(
      `stopping ${topology === 'split' ? 'the MEO and MEPMs' : 'the portal'}`,
    );
    await Promise.all(running.map(part => part.stop()));
    process.exit(0);
  });
}

if (topology === 'combined') {
  const env = {
    MEC_DATA_DIR: process.env.MEC_DATA_DIR ?? join(repoRoot, 'data', 'sqlite'),
  };

  // A real local Kubernetes edge cluster, registered as the edge host
  // "edge-1" once it is up; the portal does not wait for it (its first build
  // takes about 10 to 25 minutes). MEC_EDGE_CLUSTER=0 skips it.
  const edge = withEdgeClusters
    ? startLocalEdgeClusterInBackground({
        dataDir: join(repoRoot, 'data'),
        backendUrl,
        token,
      })
    : undefined;
  if (edge) running.push(edge);

  const portal = await startPortal({
    env,
    configs: edge ? [edge.configFile] : [],
  }).catch(async error => {
    await edge?.stop();
    throw error;
  });
  running.push(portal);
  log(
    `portal ready: ${portal.appUrl}/mec (APIs at ${portal.backendUrl}/api/mec)`,
  );
  if (edge) {
    log(
      `the local edge cluster "edge-1" starts in the background; follow it on ${portal.appUrl}/mec/hosts`,
    );
  }
} else {
  // (HELMMEC_SPLIT_DATA_DIR: for scripts/check-split-start.mjs.)
  const splitDir =
    process.env.HELMMEC_SPLIT_DATA_DIR ?? join(repoRoot, 'data', 'split');
  const meoDir = join(splitDir, 'meo');

  // Each MEPM's local edge cluster builds and starts in the background and
  // registers itself with that MEPM's hosts API once the MEPM answers.
  const mepmParts = SPLIT_MEPM_PORTS.map(port => {
    const names = splitMepmNames(port);
    const dataDir = join(splitDir, names.mepm);
    const edge = withEdgeClusters
      ? startLocalEdgeClusterInBackground({
          name: names.edgeHost,
          dataDir,
          backendUrl: `http://localhost:${port}`,
          token,
        })
      : undefined;
    if (edge) running.push(edge);
    return {
      port,
      names,
      edge,
      configs: [
        writeMepmConfig({ port, dataDir }),
        ...(edge ? [edge.configFile] : []),
      ],
    };
  });

  const started = await Promise.allSettled([
    startPortal({
      env: { MEC_DATA_DIR: join(meoDir, 'sqlite') },
      configs: [writeMeoConfig(meoDir)],
    }),
    ...mepmParts.map(part =>
      startMepm({
        name: part.names.mepm,
        port: part.port,
        configs: part.configs,
        onSpawn: mepm => running.push(mepm),
      }),
    ),
  ]);
  if (started[0].status === 'fulfilled') running.push(started[0].value);
  const failed = started.find(result => result.status === 'rejected');
  if (failed) {
    await Promise.all(running.map(part => part.stop()));
    throw failed.reason;
  }
  const [portal, ...mepms] = started.map(result => result.value);
  log(`MEO ready: ${portal.appUrl}/mec (APIs at ${portal.backendUrl}/api/mec)`);
  for (const [index, mepm] of mepms.entries()) {
    const { names } = mepmParts[index];
    log(`MEPM "${mepm.name}" ready: APIs at ${mepm.apiRoot}`);
    try {
      log(
        await registerMepmWithMeo({
          meoMecUrl: `${portal.backendUrl}/api/mec`,
          token,
          name: mepm.name,
          title: `MEPM of ${names.edgeHost} (:${mepmParts[index].port})`,
          apiRoot: mepm.apiRoot,
          mepmToken: token,
        }),
      );
    } catch (error) {
      log(
        `could not register MEPM "${mepm.name}" with the MEO: ${error.message}`,
      );
    }
    if (mepmParts[index].edge) {
      log(
        `the local edge cluster "${names.edgeHost}" of MEPM "${mepm.name}" starts in the background (${mepm.apiRoot}/local_edge_cluster)`,
      );
    }
  }
}
log(
  `try: curl -H "Authorization: Bearer \${MEC_API_TOKEN:-helmmec-dev-token}" ${backendUrl}/api/mec/app_pkgm/v1/app_packages`,
);
