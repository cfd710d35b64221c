import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  DriverCallOptions,
  EdgeHostConnection,
  MecEdgeDriver,
  ReleaseRef,
  ReleaseRevision,
  ReleaseSpec,
  ReleaseStatus,
} from '@helmmec/plugin-mec-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
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
import { HelmCommandError, HelmWorkspace } from './HelmCli';

/** What `helm status -o json` tells about a release. */
interface HelmReleaseInfo {
  status: string;
  description?: string;
  version?: number;
}

/** Options of {@link HelmDriver}. @public */
export interface HelmDriverOptions {
  /** Path of the helm (v4) binary; `helm` on PATH by default. */
  binary?: string;
  logger?: LoggerService;
}

/**
 * Deploys MEC application instances with the real helm binary
 * (`helm upgrade --install --wait`) and manages their workloads with
 * `@kubernetes/client-node`.
 * @public
 */
export class HelmDriver implements MecEdgeDriver {
  readonly id = 'helm';
  readonly #binary: string;
  readonly #logger?: LoggerService;

  static create(options: HelmDriverOptions = {}): HelmDriver {
    return new HelmDriver(options);
  }

  /** Reads `mec.drivers.helm`. */
  static fromConfig(
    config: Config,
    options: { logger?: LoggerService } = {},
  ): HelmDriver {
    return new HelmDriver({
      binary: config.getOptionalString('mec.drivers.helm.binary'),
      logger: options.logger,
    });
  }

  private constructor(options: HelmDriverOptions) {
    this.#binary = options.binary ?? 'helm';
    this.#logger = options.logger;
  }

  async install(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    const deadline = Deadline.forCall(
      `Installing ${spec.namespace}/${spec.releaseName} on ${host.name}`,
      options,
    );
    const progress = releaseProgress(host, spec, options, this.#logger);
    // Set-up steps that do not depend on each other run at once: the
    // instantiation's time should be helm's, not ours.
    const workspace = HelmWorkspace.create(this.#binary, host);
    let kube: KubeSession;
    try {
      kube = await KubeSession.create(host);
    } catch (e) {
      await workspace.then(w => w.dispose()).catch(() => {});
      throw e;
    }
    const ws = await workspace;
    try {
      const chartPath = join(
        ws.dir,
        `${spec.chart.name}-${spec.chart.version}.tgz`,
      );
      const valuesPath = join(ws.dir, 'values.yaml');
      await Promise.all([
        kube.ensureNamespace(spec.namespace, spec.labels),
        writeFile(chartPath, spec.chart.archive, { mode: 0o600 }),
        writeFile(valuesPath, stringify(spec.values ?? {}), { mode: 0o600 }),
      ]);
      // Helm validates the values against the chart's values.schema.json,
      // and we keep that (no --skip-schema-validation): onboarding refuses
      // schemas whose $ref or $schema is not local (valuesSchemaRefs.ts),
      // so the validation reads nothing but the chart. Skipping it instead
      // would protect this driver only, not Flux's helm-controller.
      const args = () => {
        const a = [
          'upgrade',
          '--install',
          spec.releaseName,
          chartPath,
          '--namespace',
          spec.namespace,
          '--values',
          valuesPath,
          '--wait=watcher',
          '--timeout',
          `${deadline.remainingSeconds()}s`,
          '--history-max',
          '5',
          // the release with its manifest: the workloads helm waited for
          '-o',
          'json',
        ];
        const labels = Object.entries(spec.labels ?? {});
        if (labels.length > 0) {
          a.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','));
        }
        return a;
      };
      progress(
        `helm upgrade --install ${spec.chart.name}-${spec.chart.version}`,
      );
      let released: string;
      try {
        released = (await ws.run(args(), deadline)).stdout;
      } catch (e) {
        // Only a refused upgrade costs a look at the release (one more
        // helm run); the usual install is a single one.
        if (!(await this.#recoverAfter(e, ws, spec, deadline, progress))) {
          throw await this.#explain(kube, spec, e);
        }
        try {
          released = (await ws.run(args(), deadline)).stdout;
        } catch (again) {
          throw await this.#explain(kube, spec, again);
        }
      }
      // helm --wait=watcher returned once every workload of the release was
      // ready (kstatus Current: as many ready, updated and available
      // replicas as wanted, at the current generation), so the release's
      // manifest says which workloads there are without another look at
      // the cluster. A release whose manifest cannot be read is looked at.
      const waited = workloadsOfRelease(released, spec.namespace);
      if (waited) {
        progress('release deployed; its workloads are ready');
        return { phase: 'deployed', ...describeWorkloads(waited) };
      }
      progress('release deployed; checking workloads');
      const workloads = await kube.waitWorkloadsReady(spec, deadline);
      return { phase: 'deployed', ...describeWorkloads(workloads) };
    } finally {
      await ws.dispose();
    }
  }

  /**
   * `helm upgrade` to the new chart; on failure `helm rollback` to the
   * revision that was deployed before, and an error that says so. The
   * rollback gets its own share of the deadline, so a new version that
   * never becomes ready still leaves time to go back.
   */
  async changePackage(
    host: EdgeHostConnection,
    spec: ReleaseSpec,
    options: DriverCallOptions,
  ): Promise<ReleaseStatus> {
    const what = `${spec.namespace}/${spec.releaseName} on ${host.name}`;
    const before = previousRevision(await this.history(host, spec));
    if (!before) {
      throw new EdgeDriverError(
        'failed',
        `Release ${what} has no deployed revision to upgrade`,
      );
    }
    const rollbackSeconds = Math.max(
      15,
      Math.floor(options.timeoutSeconds / 4),
    );
    try {
      return await this.install(host, spec, {
        ...options,
        timeoutSeconds: Math.max(10, options.timeoutSeconds - rollbackSeconds),
      });
    } catch (e) {
      // A cancel or a lost lease must stop helm now; the release stays as
      // helm left it, and a retry or fail of the operation goes on from there.
      if (options.signal?.aborted) throw e;
      const upgrade = e instanceof Error ? e.message : String(e);
      const target = `revision ${before.revision} (${before.chart.name}-${before.chart.version})`;
      options.onProgress?.(`upgrade failed; rolling back to ${target}`);
      const deadline = Deadline.forCall(`Rolling back ${what}`, {
        timeoutSeconds: rollbackSeconds,
        signal: options.signal,
      });
      const ws = await HelmWorkspace.create(this.#binary, host);
      try {
        await ws.run(
          [
            'rollback',
            spec.releaseName,
            String(before.revision),
            '--namespace',
            spec.namespace,
            '--wait=watcher',
            '--timeout',
            `${deadline.remainingSeconds()}s`,
            '--history-max',
            '5',
          ],
          deadline,
        );
      } catch (rollback) {
        throw new EdgeDriverError(
          'failed',
          `Upgrade to ${spec.chart.name}-${
            spec.chart.version
          } failed: ${upgrade}. Rolling back to ${target} also failed: ${
            rollback instanceof Error ? rollback.message : String(rollback)
          }`,
          e,
        );
      } finally {
        await ws.dispose();
      }
      throw new EdgeDriverError(
        e instanceof EdgeDriverError ? e.reason : 'failed',
        `Upgrade to ${spec.chart.name}-${spec.chart.version} failed: ${upgrade}. Rolled back to ${target}`,
        e,
      );
    }
  }

  /** `helm history`, newest first. */
  async history(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseRevision[]> {
    const deadline = Deadline.forCall(
      `Reading the history of ${ref.namespace}/${ref.releaseName} on ${host.name}`,
      { timeoutSeconds: 60 },
    );
    const ws = await HelmWorkspace.create(this.#binary, host);
    try {
      const { stdout } = await ws.run(
        [
          'history',
          ref.releaseName,
          '--namespace',
          ref.namespace,
          '-o',
          'json',
        ],
        deadline,
      );
      const entries = JSON.parse(stdout) as Array<{
        revision: number;
        updated?: string;
        status: string;
        chart: string;
        app_version?: string;
        description?: string;
      }>;
      return entries
        .map(entry => ({
          revision: entry.revision,
          chart: splitChartRef(entry.chart),
          ...(entry.app_version ? { appVersion: entry.app_version } : {}),
          status: entry.status,
          ...(entry.updated
            ? { updated: new Date(entry.updated).toISOString() }
            : {}),
          ...(entry.description ? { description: entry.description } : {}),
        }))
        .sort((a, b) => b.revision - a.revision);
    } catch (e) {
      if (e instanceof HelmCommandError && /not found/i.test(e.stderr))
        return [];
      throw e;
    } finally {
      await ws.dispose();
    }
  }

  async uninstall(
    host: EdgeHostConnection,
    ref: ReleaseRef,
    options: DriverCallOptions & { mode: 'GRACEFUL' | 'FORCEFUL' },
  ): Promise<void> {
    const deadline = Deadline.forCall(
      `Uninstalling ${ref.namespace}/${ref.releaseName} on ${host.name}`,
      options,
    );
    const kube = await KubeSession.create(host);
    const ws = await HelmWorkspace.create(this.#binary, host);
    try {
      const info = await this.#releaseInfo(ws, ref, deadline);
      if (info) {
        options.onProgress?.(`helm uninstall (${options.mode})`);
        const args = [
          'uninstall',
          ref.releaseName,
          '--namespace',
          ref.namespace,
          '--ignore-not-found',
        ];
        if (options.mode === 'GRACEFUL') {
          args.push(
            '--wait=watcher',
            '--timeout',
            `${deadline.remainingSeconds()}s`,
          );
        } else {
          args.push(
            '--no-hooks',
            '--timeout',
            `${Math.min(30, deadline.remainingSeconds())}s`,
          );
        }
        try {
          await ws.run(args, deadline);
        } catch (e) {
          // FORCEFUL goes on and removes the workloads itself.
          if (options.mode === 'GRACEFUL' || !(e instanceof HelmCommandError))
            throw e;
          this.#logger?.warn(
            `${host.name}: ${e.message}; deleting workloads directly`,
          );
        }
      }
      if (options.mode === 'FORCEFUL') {
        await kube.deleteWorkloads(
          await kube.releaseWorkloads(ref.releaseName, ref.namespace),
        );
      }
      await kube.waitWorkloadsGone(ref, deadline);
      // The namespace created for the instance goes with its last release.
      await kube.deleteNamespaceIfUnused(ref.namespace).then(
        deleted =>
          deleted && options.onProgress?.(`namespace ${ref.namespace} deleted`),
        e =>
          this.#logger?.warn(
            `${host.name}: could not delete namespace ${ref.namespace}: ${e}`,
          ),
      );
    } finally {
      await ws.dispose();
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
    const current = await this.status(host, ref);
    if (current.phase === 'absent') {
      throw new EdgeDriverError(
        'failed',
        `Release ${ref.namespace}/${ref.releaseName} does not exist on ${host.name}`,
      );
    }
    const kube = await KubeSession.create(host);
    return operateWorkloads(
      kube,
      ref,
      changeStateTo,
      deadline,
      options.onProgress,
    );
  }

  async status(
    host: EdgeHostConnection,
    ref: ReleaseRef,
  ): Promise<ReleaseStatus> {
    const deadline = Deadline.forCall(
      `Reading ${ref.namespace}/${ref.releaseName} on ${host.name}`,
      { timeoutSeconds: 60 },
    );
    const kube = await KubeSession.create(host);
    const ws = await HelmWorkspace.create(this.#binary, host);
    try {
      const info = await this.#releaseInfo(ws, ref, deadline);
      const workloads = await kube.releaseWorkloads(
        ref.releaseName,
        ref.namespace,
      );
      if (!info) {
        return { phase: 'absent', workloads: [] };
      }
      const described = describeWorkloads(workloads);
      if (info.status === 'deployed') {
        const ready = workloads.every(isWorkloadReady);
        return {
          phase: ready ? 'deployed' : 'pending',
          ...described,
          message: ready
            ? info.description
            : await kube.podDiagnostics(workloads),
        };
      }
      return {
        phase: info.status === 'failed' ? 'failed' : 'pending',
        ...described,
        message: `${info.status}: ${info.description ?? ''}`.trim(),
      };
    } finally {
      await ws.dispose();
    }
  }

  /** `helm status`; undefined when the release does not exist. */
  async #releaseInfo(
    ws: HelmWorkspace,
    ref: ReleaseRef,
    deadline: Deadline,
  ): Promise<HelmReleaseInfo | undefined> {
    try {
      const { stdout } = await ws.run(
        ['status', ref.releaseName, '--namespace', ref.namespace, '-o', 'json'],
        deadline,
      );
      const parsed = JSON.parse(stdout);
      return {
        status: parsed.info?.status ?? 'unknown',
        description: parsed.info?.description,
        version: parsed.version,
      };
    } catch (e) {
      if (e instanceof HelmCommandError && /not found/i.test(e.stderr))
        return undefined;
      throw e;
    }
  }

  /**
   * A helm process killed mid-operation (abort, backend crash) leaves the
   * release pending (or uninstalling), and helm then refuses every upgrade.
   * After a failed `helm upgrade --install`, undoes that, so the caller can
   * run it once more. Safe because the lifecycle runs one operation per
   * instance at a time.
   *
   * @returns whether an interrupted release was recovered
   */
  async #recoverAfter(
    error: unknown,
    ws: HelmWorkspace,
    ref: ReleaseRef,
    deadline: Deadline,
    progress: (m: string) => void,
  ): Promise<boolean> {
    if (!(error instanceof HelmCommandError) || deadline.expired()) {
      return false;
    }
    let info: HelmReleaseInfo | undefined;
    try {
      info = await this.#releaseInfo(ws, ref, deadline);
    } catch {
      // The install's own error says more than this one.
      return false;
    }
    if (info?.status === 'pending-install' || info?.status === 'uninstalling') {
      progress(`removing interrupted release (${info.status})`);
      await ws.run(
        [
          'uninstall',
          ref.releaseName,
          '--namespace',
          ref.namespace,
          '--no-hooks',
          '--ignore-not-found',
        ],
        deadline,
      );
      return true;
    }
    if (
      info?.status === 'pending-upgrade' ||
      info?.status === 'pending-rollback'
    ) {
      progress(`rolling back interrupted release (${info.status})`);
      await ws.run(
        ['rollback', ref.releaseName, '--namespace', ref.namespace],
        deadline,
      );
      return true;
    }
    return false;
  }

  /** Adds what the cluster says about unready pods to a failed helm run. */
  async #explain(
    kube: KubeSession,
    ref: ReleaseRef,
    error: unknown,
  ): Promise<unknown> {
    if (!(error instanceof EdgeDriverError) || error.reason === 'aborted')
      return error;
    const diagnostics = await kube
      .releaseWorkloads(ref.releaseName, ref.namespace)
      .then(ws => kube.podDiagnostics(ws))
      .catch(() => undefined);
    if (!diagnostics) return error;
    const reason =
      error.reason === 'failed' &&
      /context deadline|timed out|timeout/i.test(error.message)
        ? 'timeout'
        : error.reason;
    return new EdgeDriverError(
      reason,
      `${error.message} (${diagnostics})`,
      error,
    );
  }
}

/** helm's `<name>-<version>` chart column, split at the version. */
function splitChartRef(chart: string): { name: string; version: string } {
  const match = /^(.+?)-(v?\d+\.\d+\.\d+.*)$/.exec(chart);
  return match
    ? { name: match[1], version: match[2] }
    : { name: chart, version: '' };
}

/**
 * The revision to go back to if an upgrade fails: the deployed one, or
 * after an interrupted upgrade the newest that had been deployed.
 */
function previousRevision(
  history: ReleaseRevision[],
): ReleaseRevision | undefined {
  return (
    history.find(r => r.status === 'deployed') ??
    history.find(r => r.status === 'superseded')
  );
}

/**
 * The Deployments and StatefulSets of a release, from `helm ... -o json`
 * after a successful `--wait`, as ready as helm found them; undefined when
 * the output is not a release with a manifest.
 */
export function workloadsOfRelease(
  stdout: string,
  namespace: string,
): Workload[] | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(stdout)?.manifest;
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'string') return undefined;
  const workloads: Workload[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    if (doc.errors.length) return undefined;
    const object = doc.toJSON() as Workload | null;
    if (
      !object ||
      object.apiVersion !== 'apps/v1' ||
      !['Deployment', 'StatefulSet'].includes(object.kind) ||
      !object.metadata?.name
    ) {
      continue;
    }
    const replicas = object.spec?.replicas ?? 1;
    workloads.push({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace ?? namespace,
      },
      spec: { replicas },
      status: { replicas, readyReplicas: replicas },
    });
  }
  return workloads;
}
