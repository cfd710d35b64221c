// The background worker of `npm start`'s local edge cluster (started by
// startLocalEdgeClusterInBackground in ./edgeCluster.mjs, options in
// $HELMMEC_LOCAL_EDGE_CLUSTER): builds, starts and registers the cluster,
// then waits; on SIGTERM, or when npm start is gone, it stops the cluster if
// it started it.
import { edgeClusterLibrary } from './edgeCluster.mjs';
import {
  createStatusWriter,
  provisionLocalEdgeCluster,
  registerLocalEdgeHost,
  waitForBackend,
} from './localEdgeCluster.mjs';
import { log } from './setup.mjs';

const { name, statusFile, backendUrl, token } = JSON.parse(
  process.env.HELMMEC_LOCAL_EDGE_CLUSTER,
);
const edge = edgeClusterLibrary();
const status = createStatusWriter(statusFile, { name });
let owned = false;
let stopping = false;

async function stop() {
  if (stopping) return;
  stopping = true;
  edge.abortEdgeClusterStarts();
  if (owned) {
    log(`stopping the local edge cluster "${name}"`);
    await edge.stopEdgeCluster(name).catch(error => {
      log(`could not stop the local edge cluster "${name}": ${error.message}`);
    });
  }
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, stop);
}
// npm start killed outright cannot tell us; its child then has a new parent.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 2000);

try {
  await provisionLocalEdgeCluster({
    edge,
    name,
    status,
    log: line => log(`edge cluster: ${line}`),
    onStarting: () => {
      owned = true;
    },
    register: async (cluster, { fresh }) => {
      status.update({ message: "waiting for the portal's backend" });
      await waitForBackend(backendUrl);
      status.update({
        message: `registering "${name}" (${cluster.server}) as an edge host`,
      });
      return registerLocalEdgeHost({
        mecUrl: `${backendUrl}/api/mec`,
        token,
        name,
        cluster,
        fresh,
      });
    },
  });
} catch (error) {
  if (!stopping) {
    log(`the local edge cluster failed: ${error.message.split('\n')[0]}`);
    log(`(details on the edge hosts page and in ${statusFile})`);
  }
}
