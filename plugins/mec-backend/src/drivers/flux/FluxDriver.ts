import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type {
  DriverCallOptions,
  EdgeHostConnection,
  MecEdgeDriver,
  ReleaseRef,
  ReleaseRevision,
  ReleaseSpec,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { Deadline } from '../Deadline';
import { EdgeDriverError } from '../errors';
import {
  describeWorkloads,
  isWorkloadReady,
  KubeSession,
  operateWorkloads,
  releaseProgress,
  Workload,
} from '../workloads';

const HELM_RELEASE = {
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
};
const HELM_REPOSITORY = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmRepository',
};
const HELM_CHART = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmChart',
};
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
/** The key of the values Secret that holds the values, as a values file. */
const VALUES_KEY = 'values.yaml';
const RESET_AT = 'reconcile.fluxcd.io/resetAt';

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface FluxObject extends KubernetesObject {
  metadata: KubernetesObject['metadata'] & {
    name: string;
    generation?: number;
  };
  spec?: { suspend?: boolean };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    lastHandledReconcileAt?: string;
    lastAttemptedRevision?: string;
    history?: Array<{
      chartName?: string;
      chartVersion?: string;
      appVersion?: string;
      status?: string;
      version?: number;
      lastDeployed?: string;
    }>;
  };
}

/** Options of {@link FluxDriver}. @public */
export interface FluxDriverOptions {
  /** How often Flux re-reconciles the objects (Go duration); default `10m`. */
  interval?: string;
  logger?: LoggerService;
}

/** What a HelmRelease's status says about the reconcile we asked for. */
export type Verdict =
  | { state: 'pending'; message: string }
  | { state: 'succeeded'; message: string }
  | { state: 'failed'; message: string };

/**
 * Deploys MEC application instances as Flux objects: a `HelmRepository` on
 * the MEO's chart repository and a `HelmRelease`, applied server-side; the
 * result is read from the release's conditions and history. The Helm values
 * (which often hold secrets) reach the release through a Secret in the
 * instance namespace (`valuesFrom`), never `spec.values`, so that reading
 * the HelmRelease does not reveal them.
 * @public
 */
export class FluxDriver implements MecEdgeDriver {
  readonly id = 'flux';
  readonly #interval: string;
  readonly #logger?: LoggerService;

  static create(options: FluxDriverOptions = {}): FluxDriver {
    return new FluxDriver(options);
  }

  /** Reads `mec.drivers.flux`. */
  static fromConfig(
    config: Config,
    options: { logger?: LoggerService } = {},
  ): FluxDriver {
    return new FluxDriver({
      interval: config.getOptionalString('mec.drivers.flux.interval'),
      logger: options.logger,
    });
  }

  private constructor(options: FluxDriverOptions) {
    this.#interval = options.interval ?? '10m';
    this.#logger = options.logger;
  }

  async install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    return this.#reconcile(host, spec, options, false);
  }

  /**
   * The HelmRelease's chart changes to the new one, with Flux's upgrade
   * remediation set to roll back: a failed upgrade is rolled back by
   * helm-controller, which we wait for (within a share of the deadline kept
   * for it) and report.
   */
  async changePackage(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    const kube = await KubeSession.create(host);
    const before = (await readHelmRelease(kube, spec))?.status?.history?.find(
      h => h.status === 'deployed',
    );
    if (!before) {
      throw new EdgeDriverError(
        'failed',
        `HelmRelease ${spec.namespace}/${spec.releaseName} on ${host.name} has no deployed revision to upgrade`,
      );
    }
    const rollbackSeconds = Math.max(
      15,
      Math.floor(options.timeoutSeconds / 4),
    );
    try {
      return await this.#reconcile(
        host,
        spec,
        {
          ...options,
          timeoutSeconds: Math.max(
            10,
            options.timeoutSeconds - rollbackSeconds,
          ),
        },
        true,
      );
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const upgrade = e instanceof Error ? e.message : String(e);
      const target = `revision ${before.version} (${
        before.chartName ?? spec.chart.name
      }-${before.chartVersion})`;
      options.onProgress?.(
        `upgrade failed; waiting for Flux to roll back to ${target}`,
      );
      const deadline = Deadline.forCall(
        `Rolling back ${spec.namespace}/${spec.releaseName} on ${host.name}`,
        { timeoutSeconds: rollbackSeconds, signal: options.signal },
      );
      let last = 'no remediation yet';
      for (;;) {
        const hr = await readHelmRelease(kube, spec).catch(() => undefined);
        const remediated = condition(hr, 'Remediated');
        if (remediated)
          last = `${remediated.reason}: ${remediated.message ?? ''}`;
        if (remediated?.status === 'True') {
          throw new EdgeDriverError(
            e instanceof EdgeDriverError ? e.reason : 'failed',
            `Upgrade to ${spec.chart.name}-${spec.chart.version} failed: ${upgrade}. Flux rolled back to ${target}`,
            e,
          );
        }
        if (
          remediated?.status === 'False' ||
          deadline.expired() ||
          deadline.aborted()
        ) {
          throw new EdgeDriverError(
            'failed',
            `Upgrade to ${spec.chart.name}-${spec.chart.version} failed: ${upgrade}. Rolling back to ${target} did not complete: ${last}`,
            e,
          );
        }
        await deadline.sleep(1000);
      }
    }
  }

  /** The HelmRelease's status history, newest first. */
  async history(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseRevision[]> {
    const kube = await KubeSession.create(host);
    const hr = await readHelmRelease(kube, ref);
    return (hr?.status?.history ?? [])
      .map(h => ({
        revision: h.version ?? 0,
        chart: { name: h.chartName ?? '', version: h.chartVersion ?? '' },
        ...(h.appVersion ? { appVersion: h.appVersion } : {}),
        status: h.status ?? 'unknown',
        ...(h.lastDeployed
          ? { updated: new Date(h.lastDeployed).toISOString() }
          : {}),
      }))
      .sort((a, b) => b.revision - a.revision);
  }

  async #reconcile(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
    rollbackOnFailure: boolean,
  ): Promise<ReleaseStatus> {
    const repository = spec.chart.repository;
    if (!repository) {
      throw new InputError(
        'The flux driver needs the chart repository (spec.chart.repository)',
      );
    }
    const deadline = Deadline.forCall(
      `Installing ${spec.namespace}/${spec.releaseName} on ${host.name} with Flux`,
      options,
    );
    const progress = releaseProgress(host, spec, options, this.#logger);
    const kube = await KubeSession.create(host);
    const names = objectNames(spec.releaseName);
    const labels = {
      ...spec.labels,
      'app.kubernetes.io/managed-by': 'helmmec',
    };
    await kube.ensureNamespace(spec.namespace, spec.labels);
    deadline.check();
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: names.secret, namespace: spec.namespace, labels },
      data: {
        username: Buffer.from(repository.username).toString('base64'),
        password: Buffer.from(repository.password).toString('base64'),
      },
    } as KubernetesObject);
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: names.values, namespace: spec.namespace, labels },
      data: {
        [VALUES_KEY]: Buffer.from(stringify(spec.values ?? {})).toString(
          'base64',
        ),
      },
    } as KubernetesObject);
    await kube.apply({
      ...HELM_REPOSITORY,
      metadata: { name: names.repository, namespace: spec.namespace, labels },
      spec: {
        url: repository.url,
        interval: this.#interval,
        timeout: '60s',
        secretRef: { name: names.secret },
      },
    } as KubernetesObject);
    // A fresh token in requestedAt/resetAt: Flux reconciles now, also a
    // release whose retries were exhausted, and tells us when it handled it.
    const token = `${new Date().toISOString()}-${randomBytes(3).toString(
      'hex',
    )}`;
    const helmTimeout = Math.max(10, deadline.remainingSeconds() - 5);
    const applied = (await kube.apply({
      ...HELM_RELEASE,
      metadata: {
        name: spec.releaseName,
        namespace: spec.namespace,
        labels,
        annotations: { [REQUESTED_AT]: token, [RESET_AT]: token },
      },
      spec: {
        releaseName: spec.releaseName,
        storageNamespace: spec.namespace,
        interval: this.#interval,
        timeout: `${helmTimeout}s`,
        suspend: false,
        chart: {
          spec: {
            chart: spec.chart.name,
            version: spec.chart.version,
            sourceRef: { kind: 'HelmRepository', name: names.repository },
            interval: this.#interval,
          },
        },
        valuesFrom: [
          { kind: 'Secret', name: names.values, valuesKey: VALUES_KEY },
        ],
        install: { remediation: { retries: 0 } },
        upgrade: {
          remediation: rollbackOnFailure
            ? { retries: 0, remediateLastFailure: true, strategy: 'rollback' }
            : { retries: 0, remediateLastFailure: false },
        },
      },
    } as KubernetesObject)) as FluxObject;
    const generation = applied.metadata.generation ?? 0;
    progress(
      `HelmRelease applied (generation ${generation}); waiting for Flux`,
    );

    let last = 'not reconciled yet';
    try {
      for (;;) {
        const hr = await readHelmRelease(kube, spec);
        if (!hr)
          throw new EdgeDriverError(
            'failed',
            `HelmRelease ${spec.releaseName} disappeared`,
          );
        const verdict = judgeHelmRelease(hr, spec.chart.version, token);
        if (verdict.message !== last) progress(verdict.message);
        last = verdict.message;
        if (verdict.state === 'failed') {
          const diag = await this.#diagnostics(kube, spec, names);
          throw new EdgeDriverError(
            'failed',
            `Flux could not install ${spec.releaseName}: ${verdict.message}${
              diag ? ` (${diag})` : ''
            }`,
          );
        }
        if (verdict.state === 'succeeded') break;
        if (deadline.aborted()) throw deadline.abortError();
        if (deadline.expired()) {
          const diag = await this.#diagnostics(kube, spec, names);
          throw deadline.timeoutError(`${last}${diag ? ` (${diag})` : ''}`);
        }
        await deadline.sleep(1000);
      }
      const workloads = await kube.waitWorkloadsReady(spec, deadline);
      return {
        phase: 'deployed',
        message: last,
        ...describeWorkloads(workloads),
      };
    } catch (e) {
      if (e instanceof EdgeDriverError && e.reason === 'aborted') {
        // Cancelled: stop Flux from carrying on with (or retrying) the release.
        await this.#setSuspend(kube, spec, true).catch(() => undefined);
      }
      throw e;
    }
  }

  async uninstall(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions & { mode: 'GRACEFUL' | 'FORCEFUL' },
  ): Promise<void> {
    const deadline = Deadline.forCall(
      `Uninstalling ${ref.namespace}/${ref.releaseName} on ${host.name} with Flux`,
      options,
    );
    const kube = await KubeSession.create(host);
    const names = objectNames(ref.releaseName);
    const hrRef = {
      ...HELM_RELEASE,
      metadata: { name: ref.releaseName, namespace: ref.namespace },
    };
    const hr = await readHelmRelease(kube, ref);
    if (hr) {
      // Flux skips the helm uninstall of a suspended HelmRelease.
      if (hr.spec?.suspend) await this.#setSuspend(kube, ref, false);
      options.onProgress?.(`deleting HelmRelease (${options.mode})`);
      await kube.delete(hrRef);
    }
    if (options.mode === 'FORCEFUL') {
      // Do not wait for helm-controller: drop its finalizer and clean up here.
      await kube
        .mergePatch({
          ...hrRef,
          metadata: { ...hrRef.metadata, finalizers: null },
        } as unknown as KubernetesObject)
        .catch(() => undefined);
      await kube.deleteWorkloads(
        await kube.releaseWorkloads(ref.releaseName, ref.namespace),
      );
      for (const secret of await kube.list<KubernetesObject>(
        'v1',
        'Secret',
        ref.namespace,
        `owner=helm,name=${ref.releaseName}`,
      )) {
        await kube.delete({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: secret.metadata,
        });
      }
      await kube.delete({
        ...HELM_CHART,
        metadata: {
          name: `${ref.namespace}-${ref.releaseName}`,
          namespace: ref.namespace,
        },
      });
    } else {
      for (;;) {
        const still = await readHelmRelease(kube, ref);
        if (!still) break;
        deadline.check(
          () => 'the HelmRelease is still being uninstalled by Flux',
        );
        await deadline.sleep(1000);
      }
    }
    await kube.waitWorkloadsGone(ref, deadline);
    await kube.delete({
      ...HELM_REPOSITORY,
      metadata: { name: names.repository, namespace: ref.namespace },
    });
    for (const name of [names.secret, names.values]) {
      await kube.delete({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ref.namespace },
      });
    }
  }

  async operate(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    changeStateTo: 'STARTED' | 'STOPPED',
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    const deadline = Deadline.forCall(
      `Changing ${ref.namespace}/${ref.releaseName} on ${host.name} to ${changeStateTo}`,
      options,
    );
    const kube = await KubeSession.create(host);
    const hr = await readHelmRelease(kube, ref);
    if (!hr) {
      throw new EdgeDriverError(
        'failed',
        `HelmRelease ${ref.namespace}/${ref.releaseName} does not exist on ${host.name}`,
      );
    }
    if (changeStateTo === 'STOPPED') {
      // Suspend first, so Flux does not fight the scale-down.
      options.onProgress?.('suspending the HelmRelease');
      await this.#setSuspend(kube, ref, true);
      return operateWorkloads(
        kube,
        ref,
        'STOPPED',
        deadline,
        options.onProgress,
      );
    }
    const started = await operateWorkloads(
      kube,
      ref,
      'STARTED',
      deadline,
      options.onProgress,
    );
    options.onProgress?.('resuming the HelmRelease');
    await this.#setSuspend(kube, ref, false);
    // Resuming is a new generation: report STARTED once Flux has seen it.
    for (;;) {
      const current = await readHelmRelease(kube, ref);
      const verdict = current
        ? judgeHelmRelease(current, undefined, undefined)
        : { state: 'failed' as const, message: 'HelmRelease disappeared' };
      if (verdict.state === 'succeeded') return started;
      if (verdict.state === 'failed') {
        throw new EdgeDriverError(
          'failed',
          `Flux reports ${ref.releaseName} failed after resuming: ${verdict.message}`,
        );
      }
      deadline.check(() => verdict.message);
      await deadline.sleep(1000);
    }
  }

  async status(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseStatus> {
    const kube = await KubeSession.create(host);
    const hr = await readHelmRelease(kube, ref);
    const workloads = await kube.releaseWorkloads(
      ref.releaseName,
      ref.namespace,
    );
    if (!hr) {
      return workloads.length === 0
        ? { phase: 'absent', workloads: [] }
        : {
            phase: 'pending',
            message: 'HelmRelease deleted; workloads still present',
            ...describeWorkloads(workloads),
          };
    }
    const verdict = judgeHelmRelease(hr, undefined, undefined);
    const described = describeWorkloads(workloads);
    if (verdict.state === 'succeeded') {
      const settled =
        described.operationalState === 'STOPPED' ||
        workloads.every(isWorkloadReady);
      return {
        phase: settled ? 'deployed' : 'pending',
        message: settled
          ? verdict.message
          : await kube.podDiagnostics(workloads),
        ...described,
      };
    }
    return {
      phase: verdict.state === 'failed' ? 'failed' : 'pending',
      message: verdict.message,
      ...described,
    };
  }

  async #setSuspend(
    kube: KubeSession,
    ref: ReleaseRef,
    suspend: boolean,
  ): Promise<void> {
    await kube.mergePatch({
      ...HELM_RELEASE,
      metadata: { name: ref.releaseName, namespace: ref.namespace },
      spec: { suspend },
    } as KubernetesObject);
  }

  /** Why the source or the workloads are not ready, for error messages. */
  async #diagnostics(
    kube: KubeSession,
    ref: ReleaseRef,
    names: { repository: string },
  ): Promise<string | undefined> {
    const parts: string[] = [];
    const repo = await kube
      .read<FluxObject>(
        HELM_REPOSITORY.apiVersion,
        HELM_REPOSITORY.kind,
        names.repository,
        ref.namespace,
      )
      .catch(() => undefined);
    const repoReady = condition(repo, 'Ready');
    if (repoReady && repoReady.status !== 'True')
      parts.push(`HelmRepository: ${repoReady.message ?? repoReady.reason}`);
    const workloads: Workload[] = await kube
      .releaseWorkloads(ref.releaseName, ref.namespace)
      .catch(() => []);
    const pods = await kube.podDiagnostics(workloads).catch(() => undefined);
    if (pods) parts.push(pods);
    return parts.length ? parts.join('; ') : undefined;
  }
}

function readHelmRelease(
  kube: KubeSession,
  ref: ReleaseRef,
): Promise<FluxObject | undefined> {
  return kube.read<FluxObject>(
    HELM_RELEASE.apiVersion,
    HELM_RELEASE.kind,
    ref.releaseName,
    ref.namespace,
  );
}

function objectNames(releaseName: string) {
  return {
    repository: `${releaseName}-repo`,
    secret: `${releaseName}-repo-auth`,
    /** The Helm values, referenced by the HelmRelease's valuesFrom. */
    values: `${releaseName}-values`,
  };
}

function condition(
  obj: FluxObject | undefined,
  type: string,
): Condition | undefined {
  return obj?.status?.conditions?.find(c => c.type === type);
}

/**
 * Reads a HelmRelease's status. Success needs more than Ready=True: the
 * status must be for the current generation (and, during an install, for our
 * reconcile request), not reconciling, with the latest history entry
 * deployed at the wanted chart version.
 */
export function judgeHelmRelease(
  hr: FluxObject,
  version: string | undefined,
  token: string | undefined,
): Verdict {
  const generation = hr.metadata.generation ?? 0;
  const status = hr.status ?? {};
  const ready = condition(hr, 'Ready');
  const reconciling = condition(hr, 'Reconciling');
  const stalled = condition(hr, 'Stalled');
  const released = condition(hr, 'Released');
  const test = condition(hr, 'TestSuccess');
  // A suspended release is not reconciled, so its status stays at the
  // generation before the suspend: its last result still stands.
  const suspended = hr.spec?.suspend === true && token === undefined;
  const current =
    suspended ||
    ((status.observedGeneration ?? -1) >= generation &&
      (ready?.observedGeneration ?? generation) >= generation &&
      (token === undefined || status.lastHandledReconcileAt === token));
  const text = (c?: Condition) =>
    c ? `${c.reason ?? c.type}: ${c.message ?? ''}`.trim() : '';
  if (!current) {
    return {
      state: 'pending',
      message: ready
        ? `waiting for Flux to reconcile generation ${generation} (${text(
            ready,
          )})`
        : 'waiting for Flux to reconcile',
    };
  }
  if (stalled?.status === 'True')
    return { state: 'failed', message: text(stalled) || text(ready) };
  if (reconciling?.status === 'True')
    return { state: 'pending', message: text(reconciling) };
  if (test?.status === 'False') return { state: 'failed', message: text(test) };
  if (ready?.status === 'True') {
    const latest = status.history?.[0];
    if (latest && latest.status && latest.status !== 'deployed') {
      return {
        state: 'pending',
        message: `latest release is ${latest.status}`,
      };
    }
    if (version && latest?.chartVersion && latest.chartVersion !== version) {
      return {
        state: 'pending',
        message: `deployed chart version ${latest.chartVersion}, want ${version}`,
      };
    }
    return { state: 'succeeded', message: text(ready) };
  }
  if (ready?.status === 'False' && released?.status === 'False') {
    return { state: 'failed', message: text(released) || text(ready) };
  }
  return { state: 'pending', message: text(ready) || 'waiting for Flux' };
}
