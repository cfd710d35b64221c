import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  DriverCallOptions,
  EdgeHostConnection,
  ReleaseRef,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';
import type * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { kubeConfigFor, loadKubernetesClient } from '../kubernetes/kubeConfig';
import { Deadline } from './Deadline';
import { EdgeDriverError, kubeError, kubeErrorCode } from './errors';

/** Annotation on a workload that remembers its replicas while STOPPED. */
export const REPLICAS_BEFORE_STOP_ANNOTATION =
  'helmmec.io/replicas-before-stop';

/** Field manager of every write the drivers make. */
export const FIELD_MANAGER = 'helmmec';

/** Helm marks every object of a release with these annotations (Flux too, it runs Helm). */
const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name';
const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'] as const;

/** A Deployment or StatefulSet as read through the generic object API. */
export interface Workload extends k8s.KubernetesObject {
  kind: string;
  metadata: k8s.V1ObjectMeta & { name: string; namespace: string };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
  };
}

/** The object client of each edge host, with the connection it was made for. */
const objectClients = new Map<
  string,
  { fingerprint: string; objects: k8s.KubernetesObjectApi }
>();

/**
 * Kubernetes API access for one edge host and operation: the generic object
 * client, so the same code serves workloads, namespaces and Flux objects.
 */
export class KubeSession {
  readonly host: EdgeHostConnection;
  readonly objects: k8s.KubernetesObjectApi;
  readonly #client: typeof k8s;

  static async create(host: EdgeHostConnection): Promise<KubeSession> {
    const client = await loadKubernetesClient();
    // The object client learns each API group's resources with a request
    // of its own (discovery); one client per host and connection keeps
    // what it learned for the next operation instead of asking again.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([host.server, host.caData, host.credential]))
      .digest('hex');
    let cached = objectClients.get(host.name);
    if (cached?.fingerprint !== fingerprint) {
      cached = {
        fingerprint,
        objects: client.KubernetesObjectApi.makeApiClient(
          await kubeConfigFor(host),
        ),
      };
      objectClients.set(host.name, cached);
    }
    return new KubeSession(host, client, cached.objects);
  }

  private constructor(
    host: EdgeHostConnection,
    client: typeof k8s,
    objects: k8s.KubernetesObjectApi,
  ) {
    this.host = host;
    this.#client = client;
    this.objects = objects;
  }

  /** Reads an object; undefined when it does not exist. */
  async read<T extends k8s.KubernetesObject>(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    try {
      return (await this.objects.read<T>({
        apiVersion,
        kind,
        metadata: { name, namespace },
      } as any)) as T;
    } catch (e) {
      if (kubeErrorCode(e) === 404) return undefined;
      throw kubeError(
        `Reading ${kind} ${namespace ? `${namespace}/` : ''}${name}`,
        e,
        this.host.name,
      );
    }
  }

  async list<T extends k8s.KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<T[]> {
    try {
      const res = await this.objects.list<T>(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return res.items;
    } catch (e) {
      if (kubeErrorCode(e) === 404) return [];
      throw kubeError(`Listing ${kind} in ${namespace}`, e, this.host.name);
    }
  }

  /** Server-side apply, owning the fields as `helmmec` and taking over conflicts. */
  async apply<T extends k8s.KubernetesObject>(object: T): Promise<T> {
    return this.#patch(object, 'Applying', true, 'ServerSideApply');
  }

  /** JSON merge patch (for single fields such as replicas or suspend). */
  async mergePatch<T extends k8s.KubernetesObject>(object: T): Promise<T> {
    return this.#patch(object, 'Updating', undefined, 'MergePatch');
  }

  async #patch<T extends k8s.KubernetesObject>(
    object: T,
    doing: string,
    force: boolean | undefined,
    strategy: 'ServerSideApply' | 'MergePatch',
  ): Promise<T> {
    try {
      return await this.objects.patch<T>(
        object,
        undefined,
        undefined,
        FIELD_MANAGER,
        force,
        this.#client.PatchStrategy[strategy],
      );
    } catch (e) {
      throw kubeError(
        `${doing} ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`,
        e,
        this.host.name,
      );
    }
  }

  /** Deletes an object; absent is fine. */
  async delete(
    object: k8s.KubernetesObject,
    options: { force?: boolean } = {},
  ): Promise<void> {
    try {
      await this.objects.delete(
        object,
        undefined,
        undefined,
        options.force ? 0 : undefined,
        undefined,
        'Background',
      );
    } catch (e) {
      if (kubeErrorCode(e) === 404) return;
      throw kubeError(
        `Deleting ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`,
        e,
        this.host.name,
      );
    }
  }

  /**
   * Creates the namespace unless it exists. Only created when missing, so a
   * credential that may not create namespaces works in a prepared one.
   */
  async ensureNamespace(
    name: string,
    labels: Record<string, string>,
  ): Promise<void> {
    const existing = await this.read('v1', 'Namespace', name);
    if (existing) return;
    try {
      await this.objects.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels },
      });
    } catch (e) {
      if (kubeErrorCode(e) === 409) return;
      if (kubeErrorCode(e) === 403) {
        throw new EdgeDriverError(
          'failed',
          `Namespace ${name} does not exist on ${this.host.name} and the host's credential may not create it`,
          e,
        );
      }
      throw kubeError(`Creating namespace ${name}`, e, this.host.name);
    }
  }

  /**
   * Deletes a namespace that {@link KubeSession.ensureNamespace} created
   * (labelled `app.kubernetes.io/managed-by: helmmec`) once no Helm release
   * is left in it; a namespace the platform team prepared stays.
   *
   * @returns whether the namespace is being deleted
   */
  async deleteNamespaceIfUnused(name: string): Promise<boolean> {
    const namespace = await this.read<k8s.V1Namespace>('v1', 'Namespace', name);
    if (
      namespace?.metadata?.labels?.['app.kubernetes.io/managed-by'] !==
      'helmmec'
    ) {
      return false;
    }
    const releases = await this.list('v1', 'Secret', name, 'owner=helm');
    if (releases.length > 0) return false;
    await this.delete({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
    return true;
  }

  /** The Deployments and StatefulSets Helm created for a release. */
  async releaseWorkloads(
    releaseName: string,
    namespace: string,
  ): Promise<Workload[]> {
    const result: Workload[] = [];
    const lists = await Promise.all(
      WORKLOAD_KINDS.map(kind =>
        this.list<Workload>('apps/v1', kind, namespace),
      ),
    );
    for (const [i, kind] of WORKLOAD_KINDS.entries()) {
      for (const item of lists[i]) {
        const a = item.metadata?.annotations ?? {};
        const ns = a[RELEASE_NAMESPACE_ANNOTATION];
        if (
          a[RELEASE_NAME_ANNOTATION] === releaseName &&
          (!ns || ns === namespace)
        ) {
          result.push({ ...item, apiVersion: 'apps/v1', kind });
        }
      }
    }
    return result;
  }

  /**
   * Why the pods of not-ready workloads do not run (e.g. the scheduler's
   * "Insufficient cpu"), read from pod conditions through the API server.
   */
  async podDiagnostics(workloads: Workload[]): Promise<string | undefined> {
    const reasons = new Set<string>();
    for (const w of workloads) {
      if (isWorkloadReady(w)) continue;
      const match = w.spec?.selector?.matchLabels;
      if (!match) continue;
      const selector = Object.entries(match)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = await this.list<k8s.V1Pod>(
        'v1',
        'Pod',
        w.metadata.namespace,
        selector,
      ).catch(() => [] as k8s.V1Pod[]);
      for (const pod of pods) {
        for (const c of pod.status?.conditions ?? []) {
          if (c.status !== 'True' && c.message)
            reasons.add(`${c.reason ?? c.type}: ${c.message}`);
        }
        for (const cs of pod.status?.containerStatuses ?? []) {
          const waiting = cs.state?.waiting;
          if (waiting?.reason)
            reasons.add(
              `${waiting.reason}${
                waiting.message ? `: ${waiting.message}` : ''
              }`,
            );
        }
      }
    }
    const notReady = workloads
      .filter(w => !isWorkloadReady(w))
      .map(
        w =>
          `${w.kind} ${w.metadata.name} ${w.status?.readyReplicas ?? 0}/${
            w.spec?.replicas ?? 1
          } ready`,
      );
    if (notReady.length === 0) return undefined;
    return [...notReady, ...[...reasons].slice(0, 3)].join('; ');
  }

  /**
   * STOPPED: scales every workload to zero, remembering its replicas in an
   * annotation. Idempotent: an already stopped workload keeps its annotation.
   */
  async stopWorkloads(workloads: Workload[]): Promise<void> {
    for (const w of workloads) {
      const replicas = w.spec?.replicas ?? 1;
      if (replicas === 0) continue;
      await this.#scale(w, 0, String(replicas));
    }
  }

  /** STARTED: restores the remembered replicas and drops the annotation. */
  async startWorkloads(workloads: Workload[]): Promise<void> {
    for (const w of workloads) {
      const remembered =
        w.metadata.annotations?.[REPLICAS_BEFORE_STOP_ANNOTATION];
      if (remembered === undefined) continue;
      const replicas = Number.parseInt(remembered, 10);
      await this.#scale(
        w,
        Number.isFinite(replicas) && replicas > 0 ? replicas : 1,
        null,
      );
    }
  }

  /** Sets a workload's replicas and the ones it remembers (null: none). */
  async #scale(
    w: Workload,
    replicas: number,
    remembered: string | null,
  ): Promise<void> {
    await this.mergePatch({
      apiVersion: 'apps/v1',
      kind: w.kind,
      metadata: {
        name: w.metadata.name,
        namespace: w.metadata.namespace,
        annotations: { [REPLICAS_BEFORE_STOP_ANNOTATION]: remembered },
      },
      spec: { replicas },
    } as unknown as k8s.KubernetesObject);
  }

  /** Deletes the workloads directly (FORCEFUL), pods without grace period. */
  async deleteWorkloads(workloads: Workload[]): Promise<void> {
    for (const w of workloads) {
      await this.delete(w, { force: true });
    }
  }

  /** Polls until the release's workloads satisfy `done`, within the deadline. */
  async waitWorkloads(
    ref: ReleaseRef,
    deadline: Deadline,
    done: (workloads: Workload[]) => boolean,
    describe: (workloads: Workload[]) => Promise<string | undefined>,
  ): Promise<Workload[]> {
    // Often done at once or nearly (helm --wait came first): look again
    // soon, then every second.
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      const workloads = await this.releaseWorkloads(
        ref.releaseName,
        ref.namespace,
      );
      if (done(workloads)) return workloads;
      if (deadline.aborted()) throw deadline.abortError();
      if (deadline.expired())
        throw deadline.timeoutError(await describe(workloads));
      await deadline.sleep(pause);
    }
  }

  /** Waits until every workload of the release is ready. */
  async waitWorkloadsReady(
    ref: ReleaseRef,
    deadline: Deadline,
  ): Promise<Workload[]> {
    return this.waitWorkloads(
      ref,
      deadline,
      ws => ws.every(isWorkloadReady),
      ws => this.podDiagnostics(ws),
    );
  }

  /** Waits until the release has no workloads left. */
  async waitWorkloadsGone(ref: ReleaseRef, deadline: Deadline): Promise<void> {
    await this.waitWorkloads(
      ref,
      deadline,
      ws => ws.length === 0,
      async ws =>
        `still present: ${ws
          .map(w => `${w.kind} ${w.metadata.name}`)
          .join(', ')}`,
    );
  }
}

/**
 * Reports a driver call's progress to the caller and, at debug level, to the
 * driver's log, naming the host and release.
 */
export function releaseProgress(
  host: EdgeHostConnection,
  ref: ReleaseRef,
  options: DriverCallOptions,
  logger: LoggerService | undefined,
): (message: string) => void {
  return message => {
    options.onProgress?.(message);
    logger?.debug(
      `${host.name} ${ref.namespace}/${ref.releaseName}: ${message}`,
    );
  };
}

/**
 * Operate on the release's workloads: STOPPED scales them to zero
 * (remembering replicas), STARTED restores and waits until they are ready.
 */
export async function operateWorkloads(
  kube: KubeSession,
  ref: ReleaseRef,
  changeStateTo: 'STARTED' | 'STOPPED',
  deadline: Deadline,
  onProgress?: (m: string) => void,
): Promise<ReleaseStatus> {
  const workloads = await kube.releaseWorkloads(ref.releaseName, ref.namespace);
  if (changeStateTo === 'STOPPED') {
    onProgress?.(`scaling ${workloads.length} workload(s) to zero`);
    await kube.stopWorkloads(workloads);
    const after = await kube.waitWorkloads(
      ref,
      deadline,
      ws =>
        ws.every(
          w =>
            (w.spec?.replicas ?? 1) === 0 &&
            (w.status?.readyReplicas ?? 0) === 0,
        ),
      async ws =>
        ws
          .filter(w => (w.status?.readyReplicas ?? 0) > 0)
          .map(w => `${w.kind} ${w.metadata.name} still has ready replicas`)
          .join('; '),
    );
    return { phase: 'deployed', ...describeWorkloads(after) };
  }
  onProgress?.(`restoring replicas of ${workloads.length} workload(s)`);
  await kube.startWorkloads(workloads);
  const after = await kube.waitWorkloadsReady(ref, deadline);
  return { phase: 'deployed', ...describeWorkloads(after) };
}

/** All desired replicas updated, ready and available, for the current generation. */
export function isWorkloadReady(w: Workload): boolean {
  const want = w.spec?.replicas ?? 1;
  const s = w.status ?? {};
  if ((s.observedGeneration ?? 0) < (w.metadata.generation ?? 0)) return false;
  if (want === 0) return (s.replicas ?? 0) === 0;
  if ((s.readyReplicas ?? 0) < want || (s.updatedReplicas ?? 0) < want)
    return false;
  return w.kind !== 'Deployment' || (s.availableReplicas ?? 0) >= want;
}

/** The workloads part of a ReleaseStatus, and the operational state they show. */
export function describeWorkloads(
  workloads: Workload[],
): Pick<ReleaseStatus, 'workloads' | 'operationalState'> {
  const list = workloads.map(w => ({
    kind: w.kind,
    name: w.metadata.name,
    replicas: w.spec?.replicas ?? 1,
    readyReplicas: w.status?.readyReplicas ?? 0,
  }));
  const stopped = list.length > 0 && list.every(w => w.replicas === 0);
  return { workloads: list, operationalState: stopped ? 'STOPPED' : 'STARTED' };
}
