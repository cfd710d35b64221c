import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
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
} from './model';
import { OperationTrigger } from './ports';

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

  /** DELETE /app_instances/{id}: only NOT_INSTANTIATED (409 otherwise). */
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

  /** fail: FAILED_TEMP → FAILED, final; the instance is free again (409 otherwise). */
  async fail(id: string): Promise<AppLcmOpOcc> {
    await this.leaveFailedTemp(id, 'FAILED', 'marked failed');
    return this.getOpOcc(id);
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
