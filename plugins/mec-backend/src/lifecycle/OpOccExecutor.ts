import { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import type { ReleaseRef } from '@helmmec/plugin-mec-node';
import { randomUUID } from 'node:crypto';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { GrantingService, PlacementError } from '../granting/GrantingService';
import { HostDirectory } from '../hosts/HostDirectory';
import { AppLcmNotifications } from '../notifications/appLcm';
import { AppPackageService } from '../packages/AppPackageService';
import {
  AppInstance,
  AppLcmOpOcc,
  InstanceOperationalState,
  OperationState,
} from './model';
import { DriverLookup, OperationTrigger } from './ports';

/** The lease ran out and another replica took the operation over. */
class LeaseLostError extends Error {
  name = 'LeaseLostError';
}

/** The operation was cancelled (POST …/cancel). */
class CancelledError extends Error {
  name = 'CancelledError';
}

/** What the MEO's Helm repository looks like to an edge cluster (Flux). */
export interface ChartRepositoryAccess {
  url: () => Promise<string>;
  username: string;
  password: string;
}

/**
 * Executes lifecycle op occurrences: STARTING (start notification, grant) →
 * PROCESSING (the driver on the granted host) → COMPLETED, or FAILED_TEMP
 * with a readable error, from where retry and fail go on. Every state is
 * persisted before it is announced; a lease makes one replica execute each
 * operation and lets another resume it after a crash. Drivers are
 * idempotent, so a resumed operation converges instead of duplicating.
 */
export class OpOccExecutor implements OperationTrigger {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      instances: AppInstanceStore;
      opOccs: AppLcmOpOccStore;
      packages: Pick<AppPackageService, 'getAppPackage' | 'getChartArchive'>;
      granting: GrantingService;
      hosts: HostDirectory;
      drivers: DriverLookup;
      notifications: AppLcmNotifications;
      chartRepository: ChartRepositoryAccess;
      logger: LoggerService;
      leaseMs?: number;
      operationTimeoutSeconds?: number;
    },
  ) {}

  /** Executes an operation in the background of this process. */
  trigger(id: string): void {
    if (this.running.has(id)) return;
    const work = this.execute(id)
      .catch(error =>
        this.deps.logger.error(`Lifecycle operation ${id} failed`, error),
      )
      .finally(() => this.running.delete(id));
    this.running.set(id, work);
  }

  /** Resumes operations nobody holds (after a restart or a crashed replica). */
  async resumeUnclaimed(): Promise<void> {
    for (const id of await this.deps.opOccs.listUnclaimed()) {
      this.trigger(id);
    }
  }

  /** Waits for the operations this process runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) {
      await Promise.all([...this.running.values()]);
    }
  }

  private leaseEnd() {
    return new Date(Date.now() + (this.deps.leaseMs ?? 60_000));
  }

  async execute(id: string): Promise<void> {
    const { opOccs } = this.deps;
    const claim = randomUUID();
    if (!(await opOccs.claim(id, claim, this.leaseEnd()))) return;
    const abort = new AbortController();
    // Keeps the lease while the driver works, and watches for a cancel.
    const heartbeat = setInterval(async () => {
      try {
        if (!(await opOccs.renew(id, claim, this.leaseEnd()))) {
          abort.abort(new LeaseLostError());
          return;
        }
        const current = await opOccs.get(id);
        if (current?.isCancelPending) abort.abort(new CancelledError());
      } catch (error) {
        this.deps.logger.warn(`Lease renewal of ${id} failed: ${error}`);
      }
    }, 1000);
    try {
      await this.advance(id, claim, abort.signal);
    } finally {
      clearInterval(heartbeat);
      await opOccs.releaseClaim(id, claim).catch(() => {});
    }
  }

  private async advance(id: string, claim: string, signal: AbortSignal) {
    const { opOccs, instances, notifications } = this.deps;
    let opOcc = (await opOccs.get(id))!;
    const instance = (await instances.get(opOcc.appInstanceId))!;

    if (!opOcc.startNotified) {
      // The "start" notification: after the 202, before anything else.
      await notifications.opOccState(undefined, instance, {
        id,
        operationType: opOcc.lcmOperation,
        operationState: opOcc.operationState,
      });
      await opOccs.markStartNotified(id);
    }

    try {
      if (opOcc.operationState === 'STARTING' || !opOcc.grantId) {
        const { command } = opOcc;
        const grant = await this.deps.granting.grant({
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
        });
        if (opOcc.lcmOperation === 'INSTANTIATE') {
          await instances.setPlacement(instance.id, {
            hostName: grant.hostName,
            namespace: grant.containerNamespace,
            releaseName: releaseNameOf(instance.id),
          });
        }
        if (opOcc.operationState === 'STARTING') {
          await this.enter(opOcc, instance, ['STARTING'], 'PROCESSING', claim, {
            grantId: grant.id,
          });
        } else {
          await opOccs.transition(id, ['PROCESSING'], 'PROCESSING', {
            grantId: grant.id,
            claim,
          });
        }
        opOcc = (await opOccs.get(id))!;
      }
      const placed = (await instances.get(instance.id))!;
      const result = await this.runDriver(opOcc, placed, signal);
      await this.complete(opOcc, placed, claim, result);
    } catch (error) {
      if (
        error instanceof LeaseLostError ||
        signal.reason instanceof LeaseLostError
      ) {
        return;
      }
      const cancelled =
        error instanceof CancelledError ||
        signal.reason instanceof CancelledError;
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
    const driver = drivers.get(await hosts.driverOf(instance.hostName));
    const host = await hosts.connection(instance.hostName);
    const ref: ReleaseRef = {
      releaseName: instance.releaseName,
      namespace: instance.namespace,
    };
    const { command } = opOcc;
    const timeoutSeconds = this.deps.operationTimeoutSeconds ?? 300;
    const onProgress = (message: string) =>
      this.deps.logger.info(`${opOcc.lcmOperation} ${instance.id}: ${message}`);
    switch (command.lcmOperation) {
      case 'INSTANTIATE': {
        const pkg = await packages.getAppPackage({
          appPkgId: instance.appPkgId,
        });
        const archive = await packages.getChartArchive(instance.appPkgId);
        return driver.install(
          host,
          {
            ...ref,
            chart: {
              name: pkg.chartName!,
              version: pkg.chartVersion!,
              archive,
              repository: {
                url: await this.deps.chartRepository.url(),
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
        });
      }
      const moved = await opOccs
        .withTransaction(trx)
        .transition(opOcc.id, ['PROCESSING'], 'COMPLETED', {
          claim,
          error: null,
        });
      if (!moved) throw new LeaseLostError();
      await notifications.opOccState(trx, instance, {
        id: opOcc.id,
        operationType: opOcc.lcmOperation,
        operationState: 'COMPLETED',
      });
      await notifications.instanceState(trx, instance, appInstanceState);
    });
    this.deps.logger.info(
      `${opOcc.lcmOperation} of ${instance.id} completed on ${instance.hostName}`,
    );
  }

  private async enter(
    opOcc: AppLcmOpOcc,
    instance: AppInstance,
    from: OperationState[],
    to: OperationState,
    claim: string,
    extra: Parameters<AppLcmOpOccStore['transition']>[3],
  ) {
    await this.deps.instances.transaction(async trx => {
      const moved = await this.deps.opOccs
        .withTransaction(trx)
        .transition(opOcc.id, from, to, { ...extra, claim });
      if (!moved) throw new LeaseLostError();
      await this.deps.notifications.opOccState(trx, instance, {
        id: opOcc.id,
        operationType: opOcc.lcmOperation,
        operationState: to,
        ...(extra?.error ? { error: extra.error } : {}),
      });
    });
  }
}

/** The Helm release of an instance: a valid release name, unique per instance. */
export function releaseNameOf(appInstanceId: string): string {
  return `mec-${appInstanceId}`.toLowerCase().slice(0, 53);
}
