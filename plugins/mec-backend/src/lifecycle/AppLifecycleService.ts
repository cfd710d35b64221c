import {
  ConflictError,
  InputError,
  isError,
  NotFoundError,
} from '@backstage/errors';
import { randomUUID } from 'node:crypto';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { AppLcmNotifications } from '../notifications/appLcm';
import { AppPackageService } from '../packages/AppPackageService';
import {
  AppInstance,
  AppLcmOpOcc,
  CancelMode,
  CreateInstanceCommand,
  LcmCommand,
  LcmOperation,
  OperateCommand,
  OperationError,
} from './model';
import { OperationTrigger, ReleaseRemoval } from './ports';

const REQUIRED_STATE: Record<
  LcmOperation,
  'NOT_INSTANTIATED' | 'INSTANTIATED'
> = {
  INSTANTIATE: 'NOT_INSTANTIATED',
  TERMINATE: 'INSTANTIATED',
  OPERATE: 'INSTANTIATED',
};

/**
 * Application lifecycle management (ETSI GS MEC 010-2 clause 5.3-5.4, 7.4):
 * application instances and the tasks on them. A task is persisted as an op
 * occurrence in STARTING, holding its instance (one operation at a time),
 * before the 202 goes out; the executor carries it on from there.
 */
export class AppLifecycleService {
  constructor(
    private readonly instances: AppInstanceStore,
    private readonly opOccs: AppLcmOpOccStore,
    private readonly packages: Pick<
      AppPackageService,
      'getAppPackage' | 'markUsage'
    >,
    private readonly notifications: AppLcmNotifications,
    /** The executor of op occurrences. */
    private readonly operations: OperationTrigger,
    /** Removes what a failed INSTANTIATE left on its host. */
    private readonly releases: ReleaseRemoval,
  ) {}

  /** Runs the op occurrence; call once the client has its 202. */
  run(appLcmOpOccId: string) {
    this.operations.trigger(appLcmOpOccId);
  }

  /** Instances, oldest first; a page of them, narrowed, when asked. */
  async listInstances(
    options?: Parameters<AppInstanceStore['list']>[0],
  ): Promise<AppInstance[]> {
    return this.instances.list(options);
  }

  async getInstance(id: string): Promise<AppInstance> {
    const instance = await this.instances.get(id);
    if (!instance) {
      throw new NotFoundError(`No application instance ${id}`);
    }
    return instance;
  }

  /** POST /app_instances: from an ENABLED, ONBOARDED package (by appDId). */
  async createInstance(request: CreateInstanceCommand): Promise<AppInstance> {
    const pkg = await this.packages
      .getAppPackage({ appDId: request.appDId })
      .catch(() => {
        throw new InputError(
          `No onboarded application package has appDId '${request.appDId}'`,
        );
      });
    if (pkg.operationalState !== 'ENABLED') {
      throw new ConflictError(
        `The package of appDId '${request.appDId}' is DISABLED; enable it to create instances`,
      );
    }
    const now = new Date();
    const instance: AppInstance = {
      id: randomUUID(),
      appInstanceName: request.appInstanceName,
      appInstanceDescription: request.appInstanceDescription,
      appPkgId: pkg.id,
      appDId: pkg.appDId!,
      appProvider: pkg.appProvider ?? '',
      appName: pkg.appName ?? pkg.appPkgName,
      appSoftVersion: pkg.appSoftwareVersion ?? pkg.appPkgVersion,
      appDVersion: pkg.appDVersion ?? '',
      instantiationState: 'NOT_INSTANTIATED',
      createdAt: now,
      updatedAt: now,
    };
    await this.instances.transaction(async trx => {
      await this.instances.withTransaction(trx).insert(instance);
      await this.notifications.identifier(trx, 'created', instance);
    });
    await this.packages.markUsage(pkg.id, true);
    return instance;
  }

  /**
   * DELETE /app_instances/{id}: only NOT_INSTANTIATED (409 otherwise). An
   * instance that still names a placement (a failed INSTANTIATE from before
   * `fail` removed its release) has its release removed first, or is
   * refused with what is left, so no workloads are orphaned.
   */
  async deleteInstance(id: string): Promise<void> {
    const instance = await this.getInstance(id);
    if (
      instance.instantiationState !== 'NOT_INSTANTIATED' ||
      instance.operationInProgress
    ) {
      throw new ConflictError(
        instance.operationInProgress
          ? `Application instance ${id} has an operation in progress (${instance.operationInProgress})`
          : `Application instance ${id} is INSTANTIATED; terminate it first`,
      );
    }
    if (instance.hostName) {
      try {
        await this.releases.removeRelease(instance);
      } catch (error) {
        throw new ConflictError(
          `Application instance ${id} may still have workloads: ${leftBehind(
            instance,
            error,
          )}. Delete it again once the host is reachable, or remove the release yourself first`,
        );
      }
    }
    await this.instances.transaction(async trx => {
      if (!(await this.instances.withTransaction(trx).delete(id))) {
        throw new ConflictError(
          `Application instance ${id} changed state; try again`,
        );
      }
      await this.notifications.identifier(trx, 'deleted', instance);
    });
    if ((await this.instances.countByPackage(instance.appPkgId)) === 0) {
      await this.packages.markUsage(instance.appPkgId, false);
    }
  }

  /**
   * instantiate / terminate / operate: persists the op occurrence in
   * STARTING and takes the instance for it; 409 for a wrong state or an
   * operation already in progress.
   */
  async startOperation(
    appInstanceId: string,
    command: LcmCommand,
  ): Promise<AppLcmOpOcc> {
    const { lcmOperation } = command;
    const instance = await this.getInstance(appInstanceId);
    if (command.lcmOperation === 'OPERATE') {
      validateOperate(command, instance);
    }
    if (lcmOperation === 'INSTANTIATE') {
      const pkg = await this.packages.getAppPackage({
        appPkgId: instance.appPkgId,
      });
      if (pkg.operationalState !== 'ENABLED') {
        throw new ConflictError(
          `The package ${pkg.id} is DISABLED; only an ENABLED package can be instantiated`,
        );
      }
    }
    const now = new Date();
    const opOcc: AppLcmOpOcc = {
      id: randomUUID(),
      appInstanceId,
      lcmOperation,
      operationState: 'STARTING',
      stateEnteredTime: now,
      startTime: now,
      command,
      isCancelPending: false,
      startNotified: false,
    };
    await this.instances.transaction(async trx => {
      const acquired = await this.instances
        .withTransaction(trx)
        .acquire(appInstanceId, opOcc.id, REQUIRED_STATE[lcmOperation]);
      if (!acquired) {
        const current = await this.instances
          .withTransaction(trx)
          .get(appInstanceId);
        throw new ConflictError(
          current?.operationInProgress
            ? `Application instance ${appInstanceId} has an operation in progress (${current.operationInProgress})`
            : `${lcmOperation} needs an instance that is ${REQUIRED_STATE[lcmOperation]}; it is ${current?.instantiationState}`,
        );
      }
      await this.opOccs.withTransaction(trx).insert(opOcc);
    });
    return opOcc;
  }

  /** Op occurrences by start; a page of them, narrowed, when asked. */
  async listOpOccs(
    options?: Parameters<AppLcmOpOccStore['list']>[0],
  ): Promise<AppLcmOpOcc[]> {
    return this.opOccs.list(options);
  }

  async getOpOcc(id: string): Promise<AppLcmOpOcc> {
    const opOcc = await this.opOccs.get(id);
    if (!opOcc) {
      throw new NotFoundError(`No lifecycle operation occurrence ${id}`);
    }
    return opOcc;
  }

  /** cancel: only while PROCESSING (409); the executor ends it in FAILED_TEMP. */
  async cancel(id: string, mode: CancelMode): Promise<void> {
    const opOcc = await this.getOpOcc(id);
    if (!(await this.opOccs.requestCancel(id, mode))) {
      throw new ConflictError(
        `Only a PROCESSING operation can be cancelled; it is ${opOcc.operationState}`,
      );
    }
  }

  /** retry: FAILED_TEMP → PROCESSING (409 otherwise), then executed again. */
  async retry(id: string): Promise<void> {
    await this.leaveFailedTemp(id, 'PROCESSING', 'retried');
  }

  /**
   * fail: FAILED_TEMP → FAILED, final; the instance is free again (409
   * otherwise). A failed INSTANTIATE first has its partial release removed
   * (see {@link AppLifecycleService.failInstantiate}).
   */
  async fail(id: string): Promise<AppLcmOpOcc> {
    const opOcc = await this.getOpOcc(id);
    if (opOcc.lcmOperation === 'INSTANTIATE') {
      await this.failInstantiate(opOcc);
    } else {
      await this.leaveFailedTemp(id, 'FAILED', 'marked failed');
    }
    return this.getOpOcc(id);
  }

  /**
   * Ends a failed INSTANTIATE without orphaning workloads. The occurrence
   * goes to FAILED first, still holding its instance, so that neither a
   * retry nor another operation runs helm on the release meanwhile; then
   * the partial release is removed and the instance freed, NOT_INSTANTIATED
   * and unplaced. If removal fails, the instance is left INSTANTIATED where
   * the release is (so that TERMINATE removes it and DELETE is refused),
   * and the error says what is left and how to remove it. A fail repeated
   * on a FAILED occurrence that still holds its instance (the first was
   * interrupted) finishes the job.
   */
  private async failInstantiate(opOcc: AppLcmOpOcc): Promise<void> {
    const { id } = opOcc;
    const moved = await this.opOccs.transition(id, ['FAILED_TEMP'], 'FAILED');
    let instance = await this.getInstance(opOcc.appInstanceId);
    if (!moved) {
      const current = await this.getOpOcc(id);
      if (
        current.operationState !== 'FAILED' ||
        instance.operationInProgress !== id
      ) {
        throw new ConflictError(
          `Only a FAILED_TEMP operation can be marked failed; it is ${current.operationState}`,
        );
      }
    }
    let error: OperationError | undefined = opOcc.error;
    let removed = true;
    try {
      await this.releases.removeRelease(instance);
    } catch (removal) {
      removed = false;
      error = {
        title: error?.title ?? 'Operation failed',
        status: error?.status ?? 500,
        detail: `${
          error?.detail ? `${error.detail}. ` : ''
        }The partial release was not removed: ${leftBehind(
          instance,
          removal,
        )}. The instance stays INSTANTIATED there: terminate it once the host is reachable, or remove the release yourself`,
      };
    }
    await this.instances.transaction(async trx => {
      const freed = await this.instances.withTransaction(trx).release(
        instance.id,
        id,
        removed
          ? {
              instantiationState: 'NOT_INSTANTIATED',
              hostName: undefined,
              namespace: undefined,
              releaseName: undefined,
            }
          : { instantiationState: 'INSTANTIATED', operationalState: undefined },
      );
      if (!freed) {
        // Another fail of the same occurrence finished first.
        return;
      }
      if (!removed) {
        await this.opOccs
          .withTransaction(trx)
          .transition(id, ['FAILED'], 'FAILED', { error });
      }
      instance = (await this.instances.withTransaction(trx).get(instance.id))!;
      await this.notifications.opOccState(trx, instance, {
        id,
        operationType: opOcc.lcmOperation,
        operationState: 'FAILED',
        ...(error ? { error } : {}),
      });
    });
  }

  /**
   * Moves a FAILED_TEMP occurrence on and notifies, in one transaction: to
   * PROCESSING with any cancel request cleared, or to FAILED, which frees
   * the instance and reports the error.
   */
  private async leaveFailedTemp(
    id: string,
    to: 'PROCESSING' | 'FAILED',
    refused: string,
  ): Promise<void> {
    const opOcc = await this.getOpOcc(id);
    const instance = await this.getInstance(opOcc.appInstanceId);
    const failed = to === 'FAILED';
    const moved = await this.instances.transaction(async trx => {
      const ok = await this.opOccs
        .withTransaction(trx)
        .transition(
          id,
          ['FAILED_TEMP'],
          to,
          failed ? {} : { isCancelPending: false, cancelMode: null },
        );
      if (ok) {
        if (failed) {
          await this.instances.withTransaction(trx).release(instance.id, id);
        }
        await this.notifications.opOccState(trx, instance, {
          id,
          operationType: opOcc.lcmOperation,
          operationState: to,
          ...(failed ? { error: opOcc.error } : {}),
        });
      }
      return ok;
    });
    if (!moved) {
      throw new ConflictError(
        `Only a FAILED_TEMP operation can be ${refused}; it is ${opOcc.operationState}`,
      );
    }
  }
}

function validateOperate(command: OperateCommand, instance: AppInstance) {
  const { changeStateTo, stopType, gracefulStopTimeout } = command;
  if (
    changeStateTo === 'STARTED' &&
    (stopType || gracefulStopTimeout !== undefined)
  ) {
    throw new InputError(
      'stopType and gracefulStopTimeout apply to changeStateTo STOPPED only',
    );
  }
  if (
    changeStateTo === 'STOPPED' &&
    stopType === 'FORCEFUL' &&
    gracefulStopTimeout !== undefined
  ) {
    throw new InputError('gracefulStopTimeout applies to a GRACEFUL stop only');
  }
  if (
    instance.instantiationState === 'INSTANTIATED' &&
    instance.operationalState === changeStateTo
  ) {
    throw new ConflictError(
      `Application instance ${instance.id} is already ${changeStateTo}`,
    );
  }
}

/** Which release is left where, why, and the helm command that removes it. */
function leftBehind(instance: AppInstance, error: unknown): string {
  const { hostName, namespace, releaseName } = instance;
  return `release ${releaseName} in namespace ${namespace} on edge host ${hostName} (${
    isError(error) ? error.message : String(error)
  }; remove it with \`helm uninstall ${releaseName} --namespace ${namespace}\` on that host)`;
}
