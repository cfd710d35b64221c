import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import type * as k8s from '@kubernetes/client-node';
import { kubeConfigFor, loadKubernetesClient } from '../kubernetes/kubeConfig';
import { cpuMillicores, memoryBytes } from './quantity';
import { EdgeHostStatus, NamespacePolicy, ResourceAmounts } from './model';

/** Default prefix of per-instance namespaces. */
export const DEFAULT_NAMESPACE_PREFIX = 'mec-';

// Pods that still hold their requests on a node (the scheduler's view).
const NON_TERMINAL_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

// Longest error text kept in a status; enough for a reason, not a dump.
const MAX_ERROR_LENGTH = 300;

/**
 * The reasons a check stores and returns. Fixed phrases, so that a host URL
 * pointed at some internal service does not turn the check into a way of
 * reading what answered there (server-side request forgery); the detail
 * goes to the log only.
 */
export const PROBE_FAILURES = {
  unreachable: 'unreachable',
  tls: 'TLS failure (check the URL and the CA data)',
  unauthorized: 'unauthorized (check the credential and its permissions)',
  notKubernetes: 'not a Kubernetes API server',
  timeout: 'timeout',
} as const;

/** One of {@link PROBE_FAILURES}. */
export type ProbeFailure = (typeof PROBE_FAILURES)[keyof typeof PROBE_FAILURES];

class ProbeTimeoutError extends Error {
  name = 'ProbeTimeoutError';
}

/** An answer that a Kubernetes API server would not give. */
class NotKubernetesError extends Error {
  name = 'NotKubernetesError';
}

/** Options of {@link probeEdgeHost}. */
export interface ProbeOptions {
  /** Bound of the whole check. */
  timeoutMs: number;
  /**
   * Which namespaces' pods to sum when the credential may not list pods
   * cluster-wide (a deployer ServiceAccount usually may not).
   */
  namespacePolicy?: NamespacePolicy;
  now?: () => Date;
  /**
   * Receives what went wrong in words the status does not keep (codes,
   * what the server said), credential redacted: for the log only.
   */
  onFailure?: (detail: string) => void;
}

/**
 * Checks an edge host through its Kubernetes API only: version, nodes and
 * their allocatable capacity, and the requests of pods that hold capacity.
 * Never throws; an unreachable host or a rejected credential gives
 * `reachable: false` with one of the {@link PROBE_FAILURES} as error.
 */
export async function probeEdgeHost(
  connection: EdgeHostConnection,
  options: ProbeOptions,
): Promise<EdgeHostStatus> {
  const now = options.now ?? (() => new Date());
  const signal = AbortSignal.timeout(options.timeoutMs);
  const describe = (error: unknown): ProbeFailure => {
    options.onFailure?.(
      redact(describeError(error, connection, options.timeoutMs), connection),
    );
    return classifyError(error);
  };

  let timer: NodeJS.Timeout | undefined;
  // The signal aborts the requests; the race also bounds anything around them.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProbeTimeoutError()),
      options.timeoutMs + 100,
    );
  });
  try {
    return await Promise.race([
      runProbe(connection, options, signal, describe, now),
      deadline,
    ]);
  } catch (error) {
    return { reachable: false, checkedAt: now(), error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function runProbe(
  connection: EdgeHostConnection,
  options: ProbeOptions,
  signal: AbortSignal,
  describe: (error: unknown) => ProbeFailure,
  now: () => Date,
): Promise<EdgeHostStatus> {
  const client = await loadKubernetesClient();
  const kc = await kubeConfigFor(connection);
  // Aborts every request of the check when its time is up.
  const withSignal = <T extends k8s.RequestContext | k8s.ResponseContext>(
    context: T,
  ) => {
    if (context instanceof client.RequestContext) context.setSignal(signal);
    return new client.Observable(Promise.resolve(context));
  };
  const callOptions: k8s.ConfigurationOptions = {
    middleware: [{ pre: withSignal, post: withSignal }],
    middlewareMergeStrategy: 'append',
  };

  // Version first: failing here means the host cannot be used at all.
  const version = await kc
    .makeApiClient(client.VersionApi)
    .getCode(undefined, callOptions);
  if (typeof version?.gitVersion !== 'string') {
    throw new NotKubernetesError('/version has no gitVersion');
  }
  const core = kc.makeApiClient(client.CoreV1Api);
  const status: EdgeHostStatus = {
    reachable: true,
    kubernetesVersion: version.gitVersion,
    checkedAt: now(),
  };
  const problems: string[] = [];

  try {
    const nodes = await core.listNode({}, callOptions);
    const ready = nodes.items.filter(isReady);
    status.totalNodes = nodes.items.length;
    status.readyNodes = ready.length;
    status.allocatable = sum(
      ready
        .filter(node => !node.spec?.unschedulable)
        .map(node => ({
          cpuMillicores: cpuMillicores(node.status?.allocatable?.cpu),
          memoryBytes: memoryBytes(node.status?.allocatable?.memory),
        })),
    );
  } catch (error) {
    problems.push(`nodes: ${describe(error)}`);
  }

  try {
    let pods: k8s.V1Pod[];
    try {
      pods = (
        await core.listPodForAllNamespaces(
          { fieldSelector: NON_TERMINAL_PODS },
          callOptions,
        )
      ).items;
      status.requestedScope = 'cluster';
    } catch (error) {
      if (statusCodeOf(error) !== 403) throw error;
      pods = await listPodsOfPolicyNamespaces(
        core,
        options.namespacePolicy,
        callOptions,
      );
      status.requestedScope = 'namespaces';
    }
    status.requested = sum(pods.map(podRequests));
  } catch (error) {
    delete status.requestedScope;
    problems.push(`pods: ${describe(error)}`);
  }

  if (problems.length > 0) {
    status.error = problems.join('; ').slice(0, MAX_ERROR_LENGTH);
  }
  return status;
}

async function listPodsOfPolicyNamespaces(
  core: k8s.CoreV1Api,
  policy: NamespacePolicy | undefined,
  callOptions: k8s.ConfigurationOptions,
): Promise<k8s.V1Pod[]> {
  let namespaces: string[];
  if (policy?.mode === 'fixed') {
    namespaces = [policy.namespace];
  } else {
    const prefix = policy?.prefix ?? DEFAULT_NAMESPACE_PREFIX;
    namespaces = (await core.listNamespace({}, callOptions)).items
      .map(ns => ns.metadata?.name ?? '')
      .filter(name => name.startsWith(prefix));
  }
  const pods: k8s.V1Pod[] = [];
  for (const namespace of namespaces) {
    try {
      const list = await core.listNamespacedPod(
        { namespace, fieldSelector: NON_TERMINAL_PODS },
        callOptions,
      );
      pods.push(...list.items);
    } catch (error) {
      // A namespace the credential may not read holds nothing of ours.
      if (![403, 404].includes(statusCodeOf(error) ?? 0)) throw error;
    }
  }
  return pods;
}

function isReady(node: k8s.V1Node): boolean {
  return (
    node.status?.conditions?.some(
      c => c.type === 'Ready' && c.status === 'True',
    ) ?? false
  );
}

/** What a pod takes from its node: max(sum of containers, largest init container) plus overhead. */
function podRequests(pod: k8s.V1Pod): ResourceAmounts {
  const of = (c: k8s.V1Container) => ({
    cpuMillicores: cpuMillicores(c.resources?.requests?.cpu),
    memoryBytes: memoryBytes(c.resources?.requests?.memory),
  });
  const containers = sum((pod.spec?.containers ?? []).map(of));
  const init = (pod.spec?.initContainers ?? []).map(of);
  const overhead = pod.spec?.overhead;
  return {
    cpuMillicores:
      Math.max(containers.cpuMillicores, ...init.map(i => i.cpuMillicores)) +
      cpuMillicores(overhead?.cpu),
    memoryBytes:
      Math.max(containers.memoryBytes, ...init.map(i => i.memoryBytes)) +
      memoryBytes(overhead?.memory),
  };
}

function sum(amounts: ResourceAmounts[]): ResourceAmounts {
  return amounts.reduce(
    (total, a) => ({
      cpuMillicores: total.cpuMillicores + a.cpuMillicores,
      memoryBytes: total.memoryBytes + a.memoryBytes,
    }),
    { cpuMillicores: 0, memoryBytes: 0 },
  );
}

function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

function isTimeout(error: unknown): boolean {
  const err = error as { name?: string; type?: string; code?: string };
  return (
    err?.name === 'ProbeTimeoutError' ||
    err?.name === 'AbortError' ||
    err?.name === 'TimeoutError' ||
    err?.type === 'aborted' ||
    err?.code === 'ETIMEDOUT' ||
    err?.code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

/** Codes of the error and of its causes (fetch wraps the socket's error). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'string') codes.push(current.code);
    current = current.cause as typeof current;
  }
  return codes;
}

/** The fixed phrase a status keeps. */
function classifyError(error: unknown): ProbeFailure {
  const httpStatus = statusCodeOf(error);
  if (httpStatus === 401 || httpStatus === 403) {
    return PROBE_FAILURES.unauthorized;
  }
  if (httpStatus !== undefined || error instanceof NotKubernetesError) {
    return PROBE_FAILURES.notKubernetes;
  }
  if (isTimeout(error) || isTimeout((error as { cause?: unknown })?.cause)) {
    return PROBE_FAILURES.timeout;
  }
  const codes = errorCodes(error);
  if (
    codes.some(
      code =>
        TLS_ERROR_CODES.has(code) ||
        code.startsWith('ERR_TLS_') ||
        code.startsWith('ERR_SSL_'),
    )
  ) {
    return PROBE_FAILURES.tls;
  }
  // A server that answers with something other than JSON.
  if (error instanceof SyntaxError) return PROBE_FAILURES.notKubernetes;
  return PROBE_FAILURES.unreachable;
}

/** A one-line detail for the log, in words a platform engineer acts on. */
function describeError(
  error: unknown,
  connection: EdgeHostConnection,
  timeoutMs: number,
): string {
  const httpStatus = statusCodeOf(error);
  if (httpStatus !== undefined) {
    if (httpStatus === 401) {
      return 'the API server rejected the credential (HTTP 401 Unauthorized)';
    }
    const message = kubernetesMessage((error as { body?: unknown }).body);
    return `HTTP ${httpStatus}${message ? `: ${message}` : ''}`;
  }
  const err = error as
    | { name?: string; code?: string; type?: string; message?: string }
    | undefined;
  if (isTimeout(err)) {
    return `no answer from ${connection.server} within ${Math.round(
      timeoutMs / 1000,
    )} s`;
  }
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${connection.server}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${connection.server}`;
    case 'ECONNRESET':
      return `connection reset by ${connection.server}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${connection.server}`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `the API server's TLS certificate is not trusted (${err.code}); check the CA data`;
    default:
  }
  return (err?.message ?? String(error)).split('\n')[0];
}

function kubernetesMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 200);
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** Belt and braces: no credential text survives into a status or log. */
function redact(text: string, connection: EdgeHostConnection): string {
  const secrets =
    connection.credential.type === 'serviceAccountToken'
      ? [connection.credential.token]
      : [connection.credential.certData, connection.credential.keyData];
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8)
      result = result.split(secret).join('[redacted]');
  }
  return result.slice(0, MAX_ERROR_LENGTH);
}
