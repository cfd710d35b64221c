import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { isError } from '@backstage/errors';
import type { Knex } from 'knex';
import type { ReleaseRef, ReleaseRevision } from '@helmmec/plugin-mec-node';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { Deadline } from '../drivers/Deadline';
import { PlacementError } from '../granting/GrantingService';
import { HostDirectory } from '../hosts/HostDirectory';
import {
  JobCancelledError,
  LeasedJob,
  LeasedJobRunner,
  LeaseLostError,
} from '../jobs';
import { AppLcmNotifications } from '../notifications/appLcm';
import { AppPackageService } from '../packages/AppPackageService';
import {
  AppInstance,
  AppLcmOpOcc,
  InstanceOperationalState,
  OperationState,
} from './model';
import {
  DriverLookup,
  Granting,
  OperationTrigger,
  ReleaseHistory,
  ReleaseRemoval,
} from './ports';

/** What the MEO's Helm repository looks like to an edge cluster (Flux). */
export interface ChartRepositoryAccess {
  url: () => Promise<string>;
  username: string;
  password: string;
}

/** Dependencies of {@link OpOccExecutor}. */
export interface OpOccExecutorDeps {
  instances: AppInstanceStore;
  opOccs: AppLcmOpOccStore;
  packages: Pick<
    AppPackageService,
    'getAppPackage' | 'getChartArchive' | 'markUsage'
  >;
  granting: Granting;
  hosts: HostDirectory;
  drivers: DriverLookup;
  notifications: AppLcmNotifications;
  chartRepository: ChartRepositoryAccess;
  logger: LoggerService;
}

/** Tunables of {@link OpOccExecutor} (`mec.lifecycle`). */
export interface OpOccExecutorOptions {
  /** How long a replica holds an operation without renewing it. */
  leaseMs: number;
  /** Deadline of one driver call, unless the request gives its own. */
  operationTimeoutSeconds: number;
  /** Operations executed at once by one replica. */
  concurrency: number;
}

const DEFAULTS: OpOccExecutorOptions = {
  leaseMs: 60_000,
  operationTimeoutSeconds: 300,
  concurrency: 10,
};

/**
 * Executes lifecycle op occurrences: STARTING (start notification, grant) →
 * PROCESSING (the driver on the granted host) → COMPLETED, or FAILED_TEMP
 * with a readable error, from where retry and fail go on. Every state is
 * persisted before it is announced. Each operation is a leased job: one
 * replica executes it, another resumes it after a crash, and a cancel
 * requested through any replica aborts the driver call. Drivers are
 * idempotent, so a resumed operation converges instead of duplicating.
 */
export class OpOccExecutor
  implements OperationTrigger, ReleaseRemoval, ReleaseHistory
{
  /** Reads `mec.lifecycle` (leaseSeconds, operationTimeoutSeconds, concurrency). */
  static fromConfig(config: Config, deps: OpOccExecutorDeps): OpOccExecutor {
    const lifecycle = config.getOptionalConfig('mec.lifecycle');
    const leaseSeconds = lifecycle?.getOptionalNumber('leaseSeconds');
    return new OpOccExecutor(deps, {
      leaseMs: leaseSeconds === undefined ? undefined : leaseSeconds * 1000,
      operationTimeoutSeconds: lifecycle?.getOptionalNumber(
        'operationTimeoutSeconds',
      ),
      concurrency: lifecycle?.getOptionalNumber('concurrency'),
    });
  }

  private readonly runner: LeasedJobRunner;
  private readonly options: OpOccExecutorOptions;

  constructor(
    private readonly deps: OpOccExecutorDeps,
    options: Partial<OpOccExecutorOptions> = {},
  ) {
    this.options = {
      leaseMs: options.leaseMs ?? DEFAULTS.leaseMs,
      operationTimeoutSeconds:
        options.operationTimeoutSeconds ?? DEFAULTS.operationTimeoutSeconds,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
    };
    const { leaseMs, concurrency } = this.options;
    const { opOccs, logger } = deps;
    this.runner = LeasedJobRunner.create({
      jobName: 'Lifecycle operation',
      table: opOccs.leases,
      logger,
      handler: job => this.advance(job),
      leaseMs,
      // Each renewal also looks for a cancel: this is its latency.
      renewIntervalMs: Math.min(1000, leaseMs / 4),
      // A driver call aborted this long before the lease may run out has
      // stopped (its helm child killed and reaped) before another replica
      // can claim the operation; short test leases get half.
      safetyMarginMs: Math.max(
        leaseMs / 4,
        Math.min(Deadline.abortGraceMs + 2000, leaseMs / 2),
      ),
      concurrency,
      watch: async job =>
        (await opOccs.get(job.id))?.isCancelPending
          ? new JobCancelledError(`Operation ${job.id} was cancelled`)
          : undefined,
    });
  }

  /** Executes an operation in the background, once this replica has a free slot. */
  trigger(id: string): void {
    this.runner.trigger(id);
  }

  /** Executes an operation if it is in flight and nobody holds it. */
  async execute(id: string): Promise<void> {
    await this.runner.run(id);
  }

  /**
   * Resumes operations nobody holds (after a restart or a crashed replica),
   * as many as this replica has free slots for.
   */
  async resumeUnclaimed(): Promise<void> {
    await this.runner.claimDue();
  }

  /** Waits for the operations this process runs or is about to run (tests). */
  async idle(): Promise<void> {
    await this.runner.idle();
  }

  /**
   * Stops executing: aborts the operations running here and releases their
   * leases, so that another replica resumes them at once. For shutdown.
   */
  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /**
   * Removes an instance's release from its host, forcefully, e.g. what a
   * failed INSTANTIATE left. The caller holds the instance, so no operation
   * runs helm on the release meanwhile.
   */
  async removeRelease(instance: AppInstance): Promise<void> {
    const { hostName, namespace, releaseName } = instance;
    if (!hostName || !namespace || !releaseName) return;
    const { hosts, drivers, logger } = this.deps;
    const driver = drivers.get(await hosts.driverOf(hostName));
    await driver.uninstall(
      await hosts.connection(hostName),
      releaseRefOf(instance),
      {
        mode: 'FORCEFUL',
        // FORCEFUL: helm uninstall without hooks, workloads deleted directly.
        timeoutSeconds: 60,
        onProgress: message =>
          logger.info(`Removing ${releaseName} of ${instance.id}: ${message}`),
      },
    );
  }

  /**
   * Puts an instance's own package back on its release after a change of
   * package that was given up (see the port). The caller holds the
   * instance, so no operation runs helm on the release meanwhile.
   */
  async restorePackage(
    instance: AppInstance,
    values: Record<string, unknown>,
  ): Promise<void> {
    const { hostName, namespace, releaseName } = instance;
    if (!hostName || !namespace || !releaseName) return;
    const { hosts, drivers, packages, chartRepository, logger } = this.deps;
    const driver = drivers.get(await hosts.driverOf(hostName));
    if (!driver.changePackage) return;
    const host = await hosts.connection(hostName);
    const ref = releaseRefOf(instance);
    const pkg = await packages.getAppPackage({ appPkgId: instance.appPkgId });
    const [newest] = driver.history ? await driver.history(host, ref) : [];
    if (
      newest?.status === 'deployed' &&
      newest.chart.name === pkg.chartName &&
      newest.chart.version === pkg.chartVersion
    ) {
      return;
    }
    await driver.changePackage(
      host,
      {
        ...ref,
        chart: {
          name: pkg.chartName!,
          version: pkg.chartVersion!,
          archive: await packages.getChartArchive(pkg.id),
          repository: {
            url: await chartRepository.url(),
            username: chartRepository.username,
            password: chartRepository.password,
          },
        },
        values,
        labels: {
          'mec.etsi.org/app-instance-id': instance.id,
          'app.kubernetes.io/managed-by': 'helmmec',
        },
      },
      {
        timeoutSeconds: this.options.operationTimeoutSeconds,
        onProgress: message =>
          logger.info(`Restoring ${releaseName} of ${instance.id}: ${message}`),
      },
    );
  }

  /**
   * Passes the marking of a FAILED_TEMP operation as FAILED on to the
   * instance's driver, for drivers that hand operations to another manager
   * (see `MecEdgeDriver.failOperation`); a failure throws.
   */
  async failOperation(
    instance: AppInstance,
    opOcc: AppLcmOpOcc,
  ): Promise<void> {
    const { hostName } = instance;
    if (!hostName) return;
    const { hosts, drivers } = this.deps;
    const driver = drivers.get(await hosts.driverOf(hostName));
    if (!driver.failOperation) return;
    await driver.failOperation(
      await hosts.connection(hostName),
      releaseRefOf(instance, opOcc),
    );
  }

  /** The revisions of an instance's release, from its host's driver. */
  async releaseHistory(instance: AppInstance): Promise<ReleaseRevision[]> {
    const { hostName, namespace, releaseName } = instance;
    if (!hostName || !namespace || !releaseName) return [];
    const { hosts, drivers } = this.deps;
    const driver = drivers.get(await hosts.driverOf(hostName));
    if (!driver.history) return [];
    return driver.history(
      await hosts.connection(hostName),
      releaseRefOf(instance),
    );
  }

  private async advance(job: LeasedJob<unknown>) {
    const { id, token: claim, signal } = job;
    const { opOccs, instances, notifications } = this.deps;
    let opOcc = (await opOccs.get(id))!;
    const instance = (await instances.get(opOcc.appInstanceId))!;

    if (!opOcc.startNotified) {
      // The "start" notification: after the 202, before anything else.
      await instances.transaction(async trx => {
        await job.hold(trx);
        await notifications.opOccState(trx, instance, {
          id,
          operationType: opOcc.lcmOperation,
          operationState: opOcc.operationState,
        });
        await opOccs.withTransaction(trx).markStartNotified(id);
      });
    }

    try {
      // A change of package stays where the instance runs and adds nothing
      // there: granting (MEC 010-2 knows no such operation) is not asked.
      const granted = opOcc.lcmOperation !== 'CHANGE_APP_PKG';
      if (opOcc.operationState === 'STARTING' || (granted && !opOcc.grantId)) {
        const { command } = opOcc;
        const grant =
          command.lcmOperation !== 'CHANGE_APP_PKG'
            ? await this.deps.granting.grant({
                appInstanceId: instance.id,
                appLcmOpOccId: id,
                appDId: instance.appDId,
                operation: command.lcmOperation,
                ...(command.lcmOperation === 'INSTANTIATE'
                  ? {
                      hostSelection: command.hostSelection,
                      locationConstraints: command.locationConstraints,
                    }
                  : {}),
              })
            : undefined;
        // The placement is written with the move to PROCESSING (one
        // transaction): both or neither, as the transition checks the claim.
        const place = async (trx: Knex.Transaction) => {
          if (opOcc.lcmOperation !== 'INSTANTIATE') return;
          await instances.withTransaction(trx).setPlacement(instance.id, {
            hostName: grant!.hostName,
            namespace: grant!.containerNamespace,
            releaseName: releaseNameOf(instance.id),
          });
        };
        if (opOcc.operationState === 'STARTING') {
          await this.enter(
            opOcc,
            instance,
            ['STARTING'],
            'PROCESSING',
            claim,
            grant ? { grantId: grant.id } : {},
            place,
          );
        } else {
          await instances.transaction(async trx => {
            const moved = await opOccs
              .withTransaction(trx)
              .transition(id, ['PROCESSING'], 'PROCESSING', {
                grantId: grant!.id,
                claim,
              });
            if (!moved) {
              throw new LeaseLostError(`Operation ${id} was taken over`);
            }
            await place(trx);
          });
        }
        opOcc = (await opOccs.get(id))!;
      }
      const placed = (await instances.get(instance.id))!;
      // A cancel seen before the driver starts ends here, not in the driver.
      signal.throwIfAborted();
      const result = await this.runDriver(opOcc, placed, signal);
      await this.complete(opOcc, placed, claim, result);
    } catch (error) {
      // Lost, taken over or stopping: whoever holds the lease next resumes.
      if (
        error instanceof LeaseLostError ||
        signal.reason instanceof LeaseLostError
      ) {
        return;
      }
      const cancelled =
        error instanceof JobCancelledError ||
        signal.reason instanceof JobCancelledError;
      const problem = cancelled
        ? {
            title: 'Cancelled',
            status: 409,
            detail: 'The operation was cancelled while PROCESSING',
          }
        : {
            title:
              error instanceof PlacementError
                ? 'No edge host fits'
                : 'Operation failed',
            status: error instanceof PlacementError ? 403 : 500,
            detail: isError(error) ? error.message : String(error),
          };
      this.deps.logger.warn(
        `Lifecycle operation ${id} (${opOcc.lcmOperation}) failed: ${problem.detail}`,
      );
      if (opOcc.lcmOperation === 'CHANGE_APP_PKG' && !cancelled) {
        problem.title = 'Change of application package failed';
      }
      const current = (await opOccs.get(id))!;
      await this.enter(
        current,
        instance,
        ['STARTING', 'PROCESSING'],
        'FAILED_TEMP',
        claim,
        { error: problem, isCancelPending: false, cancelMode: null },
      );
    }
  }

  private async runDriver(
    opOcc: AppLcmOpOcc,
    instance: AppInstance,
    signal: AbortSignal,
  ) {
    const { hosts, drivers, packages } = this.deps;
    if (!instance.hostName || !instance.namespace || !instance.releaseName) {
      throw new Error('The instance has no placement');
    }
    const { command } = opOcc;
    // Independent reads at once.
    const [driverId, host, chart] = await Promise.all([
      hosts.driverOf(instance.hostName),
      hosts.connection(instance.hostName),
      command.lcmOperation === 'INSTANTIATE' ||
      command.lcmOperation === 'CHANGE_APP_PKG'
        ? Promise.all([
            packages.getAppPackage({
              appPkgId:
                command.lcmOperation === 'CHANGE_APP_PKG'
                  ? command.appPkgId
                  : instance.appPkgId,
            }),
            packages.getChartArchive(
              command.lcmOperation === 'CHANGE_APP_PKG'
                ? command.appPkgId
                : instance.appPkgId,
            ),
            this.deps.chartRepository.url(),
          ])
        : undefined,
    ]);
    const driver = drivers.get(driverId);
    const ref: ReleaseRef = releaseRefOf(instance, opOcc);
    const { operationTimeoutSeconds: timeoutSeconds } = this.options;
    const onProgress = (message: string) =>
      this.deps.logger.info(`${opOcc.lcmOperation} ${instance.id}: ${message}`);
    const specOf = () => {
      const [pkg, archive, repositoryUrl] = chart!;
      return {
        ...ref,
        chart: {
          name: pkg.chartName!,
          version: pkg.chartVersion!,
          archive,
          repository: {
            url: repositoryUrl,
            username: this.deps.chartRepository.username,
            password: this.deps.chartRepository.password,
          },
        },
        labels: {
          'mec.etsi.org/app-instance-id': instance.id,
          'app.kubernetes.io/managed-by': 'helmmec',
        },
      };
    };
    switch (command.lcmOperation) {
      case 'CHANGE_APP_PKG': {
        if (!driver.changePackage) {
          throw new Error(
            `The ${driverId} driver of edge host ${instance.hostName} cannot change an instance's package`,
          );
        }
        return driver.changePackage(
          host,
          { ...specOf(), values: command.values },
          { timeoutSeconds, signal, onProgress },
        );
      }
      case 'INSTANTIATE': {
        const [pkg, archive, repositoryUrl] = chart!;
        return driver.install(
          host,
          {
            ...ref,
            chart: {
              name: pkg.chartName!,
              version: pkg.chartVersion!,
              archive,
              repository: {
                url: repositoryUrl,
                username: this.deps.chartRepository.username,
                password: this.deps.chartRepository.password,
              },
            },
            values: command.values,
            labels: {
              'mec.etsi.org/app-instance-id': instance.id,
              'app.kubernetes.io/managed-by': 'helmmec',
            },
          },
          { timeoutSeconds, signal, onProgress },
        );
      }
      case 'OPERATE':
        return driver.operate(host, ref, command.changeStateTo, {
          timeoutSeconds:
            command.stopType === 'GRACEFUL' && command.gracefulStopTimeout
              ? command.gracefulStopTimeout
              : timeoutSeconds,
          signal,
          onProgress,
          // For drivers that pass the request on (a MEPM's app_lcm).
          ...(command.stopType ? { stopType: command.stopType } : {}),
          ...(command.gracefulStopTimeout !== undefined
            ? { gracefulStopTimeout: command.gracefulStopTimeout }
            : {}),
        });
      case 'TERMINATE':
        await driver.uninstall(host, ref, {
          mode: command.terminationType,
          timeoutSeconds:
            command.terminationType === 'GRACEFUL' &&
            command.gracefulTerminationTimeout
              ? command.gracefulTerminationTimeout
              : timeoutSeconds,
          signal,
          onProgress,
          ...(command.gracefulTerminationTimeout !== undefined
            ? { gracefulTerminationTimeout: command.gracefulTerminationTimeout }
            : {}),
        });
        return undefined;
      default:
        throw new Error(
          `Unknown operation ${
            (command as { lcmOperation: string }).lcmOperation
          }`,
        );
    }
  }

  /** COMPLETED, with the instance's new state, in one transaction. */
  private async complete(
    opOcc: AppLcmOpOcc,
    instance: AppInstance,
    claim: string,
    status: { operationalState?: InstanceOperationalState } | undefined,
  ) {
    const { instances, opOccs, notifications } = this.deps;
    const { command } = opOcc;
    let appInstanceState: 'NOT_INSTANTIATED' | InstanceOperationalState;
    // Read before the transaction: SQLite has one connection.
    const newPackage =
      command.lcmOperation === 'CHANGE_APP_PKG'
        ? await this.packageFields(command.appPkgId)
        : {};
    await instances.transaction(async trx => {
      const store = instances.withTransaction(trx);
      if (command.lcmOperation === 'TERMINATE') {
        appInstanceState = 'NOT_INSTANTIATED';
        await store.release(instance.id, opOcc.id, {
          instantiationState: 'NOT_INSTANTIATED',
          operationalState: undefined,
          hostName: undefined,
          namespace: undefined,
          releaseName: undefined,
        });
      } else {
        const operationalState =
          command.lcmOperation === 'OPERATE'
            ? command.changeStateTo
            : status?.operationalState ?? 'STARTED';
        appInstanceState = operationalState;
        await store.release(instance.id, opOcc.id, {
          instantiationState: 'INSTANTIATED',
          operationalState,
          ...newPackage,
        });
      }
      const moved = await opOccs
        .withTransaction(trx)
        .transition(opOcc.id, ['PROCESSING'], 'COMPLETED', {
          claim,
          error: null,
        });
      if (!moved) {
        throw new LeaseLostError(`Operation ${opOcc.id} was taken over`);
      }
      // After a change, the notifications name the new package.
      const now = { ...instance, ...newPackage };
      await notifications.opOccState(trx, now, {
        id: opOcc.id,
        operationType: opOcc.lcmOperation,
        operationState: 'COMPLETED',
      });
      await notifications.instanceState(trx, now, appInstanceState);
    });
    this.deps.logger.info(
      `${opOcc.lcmOperation} of ${instance.id} completed on ${instance.hostName}`,
    );
    if (command.lcmOperation === 'CHANGE_APP_PKG') {
      // The package the instance left is free once nothing else uses it.
      if ((await instances.countByPackage(instance.appPkgId)) === 0) {
        await this.deps.packages.markUsage(instance.appPkgId, false);
      }
    }
  }

  /** What the instance takes from its new package. */
  private async packageFields(appPkgId: string) {
    const pkg = await this.deps.packages.getAppPackage({ appPkgId });
    return {
      appPkgId: pkg.id,
      appDId: pkg.appDId!,
      appSoftVersion: pkg.appSoftwareVersion ?? pkg.appPkgVersion,
      appDVersion: pkg.appDVersion ?? '',
    };
  }

  private async enter(
    opOcc: AppLcmOpOcc,
    instance: AppInstance,
    from: OperationState[],
    to: OperationState,
    claim: string,
    extra: Parameters<AppLcmOpOccStore['transition']>[3],
    alongside?: (trx: Knex.Transaction) => Promise<void>,
  ) {
    await this.deps.instances.transaction(async trx => {
      const moved = await this.deps.opOccs
        .withTransaction(trx)
        .transition(opOcc.id, from, to, { ...extra, claim });
      if (!moved) {
        throw new LeaseLostError(`Operation ${opOcc.id} was taken over`);
      }
      await alongside?.(trx);
      await this.deps.notifications.opOccState(trx, instance, {
        id: opOcc.id,
        operationType: opOcc.lcmOperation,
        operationState: to,
        ...(extra?.error ? { error: extra.error } : {}),
      });
    });
  }
}

/**
 * Where a placed instance's release lives, with the instance (and the
 * operation at hand) for drivers that drive a MEPM rather than a cluster.
 */
export function releaseRefOf(
  instance: AppInstance,
  opOcc?: Pick<AppLcmOpOcc, 'id' | 'lcmOperation'> &
    Partial<Pick<AppLcmOpOcc, 'command'>>,
): ReleaseRef {
  return {
    releaseName: instance.releaseName ?? releaseNameOf(instance.id),
    namespace: instance.namespace ?? '',
    application: {
      appInstanceId: instance.id,
      appDId: instance.appDId,
      ...(instance.appInstanceName
        ? { appInstanceName: instance.appInstanceName }
        : {}),
      ...(instance.appInstanceDescription
        ? { appInstanceDescription: instance.appInstanceDescription }
        : {}),
      ...(opOcc
        ? { appLcmOpOccId: opOcc.id, lcmOperation: opOcc.lcmOperation }
        : {}),
      ...(opOcc?.command?.lcmOperation === 'CHANGE_APP_PKG'
        ? { targetAppDId: opOcc.command.appDId }
        : {}),
    },
  };
}

/** The Helm release of an instance: a valid release name, unique per instance. */
export function releaseNameOf(appInstanceId: string): string {
  return `mec-${appInstanceId}`.toLowerCase().slice(0, 53);
}
