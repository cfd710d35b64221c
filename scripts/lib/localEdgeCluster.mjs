// The local edge cluster of `npm start`, provisioned in the background: its
// binaries built (the first start only), its processes started, and the
// cluster registered as an edge host through the portal's hosts API, while
// its progress goes to a JSON file that the mec backend serves to the edge
// hosts page (`GET /api/mec/local_edge_cluster`, config
// `mec.localEdgeCluster.statusFile`). Plain functions with their
// collaborators passed in, so that tests can drive them.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Lines of log the status file keeps. */
const LOG_LINES = 20;

/**
 * Writes the progress file: each update merges into the last one and
 * replaces the file whole (written beside it, then renamed), so a reader
 * never sees half of it.
 */
export function createStatusWriter(
  statusFile,
  { name, now = () => new Date() },
) {
  mkdirSync(dirname(statusFile), { recursive: true });
  let status = {
    name,
    phase: 'building',
    message: 'checking for built binaries',
    startedAt: now().toISOString(),
    log: [],
  };
  const write = () => {
    const tmp = `${statusFile}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      `${JSON.stringify(
        { ...status, updatedAt: now().toISOString() },
        null,
        2,
      )}\n`,
    );
    renameSync(tmp, statusFile);
  };
  write();
  return {
    /** Merges `patch` (undefined values remove a key) and adds `line` to the log. */
    update(patch, line) {
      status = { ...status, ...patch };
      for (const [key, value] of Object.entries(status)) {
        if (value === undefined) delete status[key];
      }
      if (line) status.log = [...status.log, line].slice(-LOG_LINES);
      write();
    },
    get current() {
      return status;
    },
  };
}

const HINTS = {
  building:
    "The build of the edge cluster's binaries failed; the log shows go's last lines. " +
    'It needs Go on PATH and access to the Go module proxy (see packages/edge-cluster/README.md). ' +
    'Fix that and restart npm start, or start without the cluster: MEC_EDGE_CLUSTER=0 npm start.',
  starting:
    "The cluster did not start; its processes' logs are under ~/.cache/helmmec/clusters/<name>/logs. " +
    'Restart npm start (a port taken by another program is the usual cause); ' +
    '`node packages/edge-cluster/bin/edge-cluster status --name <name>` shows which process failed.',
  registering:
    'The cluster runs, but the portal refused to register it; the error says why. ' +
    'Register it by hand with the "Register host" button (its kubeconfig is under ~/.cache/helmmec/clusters/<name>), ' +
    'or fix the cause and restart npm start.',
};

/**
 * Builds (when not cached), starts (or reuses) and registers the local edge
 * cluster `name`, writing each step to `status`.
 *
 * @param {object} options
 * @param {object} options.edge packages/edge-cluster's library (or a stand-in)
 * @param {string} options.name the cluster's and the edge host's name
 * @param {ReturnType<typeof createStatusWriter>} options.status
 * @param {(cluster: object, how: { fresh: boolean }) => Promise<string>} options.register
 *   registers the running cluster; `fresh` when this call started it (new
 *   ports and credentials); resolves to a phrase saying what it did
 * @param {(line: string) => void} [options.log]
 * @param {() => void} [options.onStarting] called before this call starts
 *   the cluster: from then on the caller owns it (and stops it on exit)
 * @returns the cluster, and whether this call started it
 */
export async function provisionLocalEdgeCluster({
  edge,
  name,
  status,
  register,
  log = () => {},
  onStarting = () => {},
  nodes = 3,
}) {
  let phase = 'building';
  try {
    if (!edge.cachedBinaries()) {
      status.update({
        phase,
        message:
          "building the cluster's binaries from upstream Go modules (the first start only)",
      });
      const built = [];
      await edge.ensureBinaries({
        onProgress: progress => {
          const line = edge.formatProgress(progress);
          log(line);
          if (progress.phase === 'done') built.push(progress.component);
          status.update(
            {
              component: progress.component,
              built: [...built],
              message: progress.message,
            },
            line,
          );
        },
      });
    }
    phase = 'starting';
    const running = edge.getEdgeCluster(name);
    let cluster;
    let fresh = false;
    if (running && (await edge.edgeClusterStatus(name)).apiserverReady) {
      cluster = running;
      status.update({
        phase,
        component: undefined,
        built: undefined,
        message: `reusing the running cluster (${running.server})`,
      });
      log(
        `reusing the running local edge cluster "${name}" (${running.server})`,
      );
    } else {
      status.update({
        phase,
        component: undefined,
        built: undefined,
        message: `starting etcd, kube-apiserver, controllers and ${nodes} kwok nodes`,
      });
      onStarting();
      // A cluster of that name that is not ready: what is left of it goes.
      if (running) await edge.stopEdgeCluster(name);
      cluster = await edge.startEdgeCluster({
        name,
        nodes,
        log: line => {
          log(line);
          status.update({}, line);
        },
      });
      fresh = true;
    }
    phase = 'registering';
    status.update({
      phase,
      message: `registering "${name}" (${cluster.server}) as an edge host`,
    });
    const done = await register(cluster, { fresh });
    status.update({ phase: 'registered', message: done }, done);
    log(done);
    return { cluster, startedHere: fresh };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    status.update(
      {
        phase: 'failed',
        message: `${phase} failed`,
        error: message,
        hint: HINTS[phase].replaceAll('<name>', name),
      },
      message.split('\n')[0],
    );
    throw error;
  }
}

/** What the hosts API registers the local edge cluster as. */
export function localEdgeHostRegistration(name, cluster) {
  return {
    name,
    title: 'Local edge cluster',
    description: 'Started by npm start (packages/edge-cluster)',
    url: cluster.server,
    caData: cluster.caData,
    credential: {
      type: 'serviceAccountToken',
      token: cluster.serviceAccountToken,
    },
    driver: 'helm',
    location: { zone: 'local', site: 'this machine' },
    namespacePolicy: { mode: 'fixed', namespace: cluster.namespace },
  };
}

async function problemOf(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    return body.detail ?? body.title ?? body.error?.message ?? text;
  } catch {
    return text || response.statusText;
  }
}

/**
 * Registers the running local edge cluster as the edge host `name` through
 * the hosts API (`POST {mecUrl}/hosts`), or, when a host of that name is
 * registered already, moves it to the cluster's URL, CA and credential
 * (`PATCH`) — unless the cluster is the one it already points to — and asks
 * for a health check so that the page shows it at once.
 *
 * @param {object} options
 * @param {string} options.mecUrl the mec plugin's base URL, e.g. http://localhost:7007/api/mec
 * @param {string} options.token a bearer token allowed mec.host.read, register and check
 * @param {string} options.name
 * @param {object} options.cluster the running cluster (server, caData, serviceAccountToken, namespace)
 * @param {boolean} options.fresh whether the cluster was (re)started with new credentials
 * @param {typeof fetch} [options.fetch]
 * @returns a phrase saying what it did
 */
export async function registerLocalEdgeHost({
  mecUrl,
  token,
  name,
  cluster,
  fresh,
  fetch = globalThis.fetch,
}) {
  const hostUrl = `${mecUrl}/hosts/${encodeURIComponent(name)}`;
  const call = async (url, method, body) => {
    const response = await fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return response;
  };
  const fail = async (what, response) =>
    new Error(
      `${what}: the portal answered ${response.status}: ${await problemOf(
        response,
      )}`,
    );

  const registration = localEdgeHostRegistration(name, cluster);
  const existing = await call(hostUrl, 'GET');
  let done;
  if (existing.status === 404) {
    const created = await call(`${mecUrl}/hosts`, 'POST', registration);
    if (created.status !== 201) {
      throw await fail(`Registering edge host "${name}"`, created);
    }
    done = `registered the local edge cluster as edge host "${name}"`;
  } else if (existing.ok) {
    const host = await existing.json();
    if (host.source === 'config') {
      throw new Error(
        `An edge host "${name}" is defined in app-config (mec.hosts.static); remove it there, or start without the local cluster (MEC_EDGE_CLUSTER=0)`,
      );
    }
    if (!fresh && host.url === registration.url && host.hasCaData) {
      return `edge host "${name}" is registered already for the running cluster`;
    }
    const { url, caData, credential } = registration;
    const patched = await call(hostUrl, 'PATCH', { url, caData, credential });
    if (!patched.ok) {
      throw await fail(`Updating edge host "${name}"`, patched);
    }
    done = `updated edge host "${name}" to the restarted cluster (${url})`;
  } else {
    throw await fail(`Reading edge host "${name}"`, existing);
  }
  // The page shows health from the last check; the scheduled one may be
  // half a minute away.
  await call(`${hostUrl}/check`, 'POST').catch(() => undefined);
  return done;
}

/** Resolves once the backend answers its readiness check. */
export async function waitForBackend(backendUrl, { intervalMs = 1000 } = {}) {
  for (;;) {
    try {
      const response = await fetch(
        `${backendUrl}/.backstage/health/v1/readiness`,
      );
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
