import {
  ConflictError,
  InputError,
  isError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { randomUUID } from 'node:crypto';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { AppLcmNotifications } from '../notifications/appLcm';
import { AppPackageService } from '../packages/AppPackageService';
import {
  AppInstance,
  AppInstanceRevision,
  AppLcmOpOcc,
  CancelMode,
  ChangeAppPkgCommand,
  ChangeAppPkgRequest,
  CreateInstanceCommand,
  LcmCommand,
  LcmOperation,
  OperateCommand,
  OperationError,
} from './model';
import { OperationTrigger, ReleaseHistory, ReleaseRemoval } from './ports';

const REQUIRED_STATE: Record<
  LcmOperation,
  'NOT_INSTANTIATED' | 'INSTANTIATED'
> = {
  INSTANTIATE: 'NOT_INSTANTIATED',
  TERMINATE: 'INSTANTIATED',
  OPERATE: 'INSTANTIATED',
  CHANGE_APP_PKG: 'INSTANTIATED',
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
      'getAppPackage' | 'markUsage' | 'listAppPackages'
    >,
    private readonly notifications: AppLcmNotifications,
    /** The executor of op occurrences. */
    private readonly operations: OperationTrigger,
    /**
     * Removes what a failed INSTANTIATE left on its host, puts a failed
     * change's release back, reads release history.
     */
    private readonly releases: ReleaseRemoval & ReleaseHistory,
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
      .catch(error => {
        // On a MEPM the package comes from its MEO: say why it is unusable.
        throw new InputError(
          `No onboarded application package has appDId '${request.appDId}'${
            error instanceof NotFoundError ? '' : `: ${String(error.message)}`
          }`,
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
      ...(request.createdBy ? { createdBy: request.createdBy } : {}),
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
    /** Who asks: a user entity ref, or `service:<subject>`. */
    options: { requestedBy?: string } = {},
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
      ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
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

  /**
   * change_app_pkg (our extension): resolves the target package, which must
   * be another ONBOARDED, ENABLED package of the same appName and
   * appProvider (409 otherwise; an unknown appDId is 400), and starts the
   * operation. Without values, those of the instance's last instantiation
   * or change are kept, as `helm upgrade` would otherwise reset them.
   */
  async changeAppPkg(
    appInstanceId: string,
    request: ChangeAppPkgRequest,
    options: { requestedBy?: string } = {},
  ): Promise<AppLcmOpOcc> {
    const instance = await this.getInstance(appInstanceId);
    const target = await this.packages
      .getAppPackage({ appDId: request.appDId })
      .catch(() => {
        throw new InputError(
          `No onboarded application package has appDId '${request.appDId}'`,
        );
      });
    const appName = target.appName ?? target.appPkgName;
    const appProvider = target.appProvider ?? '';
    if (appName !== instance.appName || appProvider !== instance.appProvider) {
      throw new ConflictError(
        `The package of appDId '${request.appDId}' is application '${appName}' of '${appProvider}'; instance ${appInstanceId} runs '${instance.appName}' of '${instance.appProvider}', and can only change to a version of that application`,
      );
    }
    if (target.id === instance.appPkgId) {
      throw new ConflictError(
        `Application instance ${appInstanceId} already runs the package of appDId '${request.appDId}'`,
      );
    }
    if (target.operationalState !== 'ENABLED') {
      throw new ConflictError(
        `The package of appDId '${request.appDId}' is DISABLED; enable it to change instances to it`,
      );
    }
    if (instance.instantiationState !== 'INSTANTIATED') {
      throw new ConflictError(
        `CHANGE_APP_PKG needs an instance that is INSTANTIATED; it is ${instance.instantiationState}`,
      );
    }
    const command: ChangeAppPkgCommand = {
      lcmOperation: 'CHANGE_APP_PKG',
      appDId: target.appDId!,
      appPkgId: target.id,
      values: request.values ?? (await this.lastValues(appInstanceId)),
    };
    const opOcc = await this.startOperation(appInstanceId, command, options);
    // IN_USE from now on, so the target cannot be deleted under the change.
    await this.packages.markUsage(target.id, true);
    return opOcc;
  }

  /**
   * The revisions of the instance's release on its edge host (our
   * extension), newest first, each with the package of the same
   * application whose chart it ran; none when it is not placed.
   */
  async listRevisions(appInstanceId: string): Promise<AppInstanceRevision[]> {
    const instance = await this.getInstance(appInstanceId);
    const [revisions, packages] = await Promise.all([
      this.releases.releaseHistory(instance).catch(error => {
        throw new ServiceUnavailableError(
          `Could not read the revisions of application instance ${appInstanceId} from edge host ${
            instance.hostName
          }: ${isError(error) ? error.message : String(error)}`,
        );
      }),
      this.packages.listAppPackages({ onboardedOnly: true }),
    ]);
    const ofApp = packages.filter(
      p =>
        (p.appName ?? p.appPkgName) === instance.appName &&
        (p.appProvider ?? '') === instance.appProvider,
    );
    return revisions.map(r => {
      const pkg = ofApp.find(
        p => p.chartName === r.chart.name && p.chartVersion === r.chart.version,
      );
      return {
        revision: r.revision,
        chartName: r.chart.name,
        chartVersion: r.chart.version,
        ...(r.appVersion ? { appVersion: r.appVersion } : {}),
        status: r.status,
        ...(r.updated ? { updated: new Date(r.updated) } : {}),
        ...(r.description ? { description: r.description } : {}),
        ...(pkg
          ? {
              appPkgId: pkg.id,
              appDId: pkg.appDId,
              appSoftVersion: pkg.appSoftwareVersion ?? pkg.appPkgVersion,
            }
          : {}),
      };
    });
  }

  /** The Helm values of the instance's newest completed instantiation or change. */
  private async lastValues(
    appInstanceId: string,
  ): Promise<Record<string, unknown>> {
    const done = await this.opOccs.list({
      conditions: [
        { field: 'appInstanceId', op: 'in', values: [appInstanceId] },
        {
          field: 'lcmOperation',
          op: 'in',
          values: ['INSTANTIATE', 'CHANGE_APP_PKG'],
        },
        { field: 'operationState', op: 'in', values: ['COMPLETED'] },
      ],
    });
    const last = done.sort(
      (a, b) => b.stateEnteredTime.getTime() - a.stateEnteredTime.getTime(),
    )[0];
    const command = last?.command;
    return command &&
      (command.lcmOperation === 'INSTANTIATE' ||
        command.lcmOperation === 'CHANGE_APP_PKG')
      ? command.values
      : {};
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
    if (
      opOcc.lcmOperation !== 'INSTANTIATE' &&
      opOcc.operationState === 'FAILED_TEMP'
    ) {
      // Where a driver handed the operation on (a MEPM), it is marked
      // failed there first; a failed INSTANTIATE is, while its release is
      // removed.
      await this.forwardFail(opOcc);
    }
    if (opOcc.lcmOperation === 'INSTANTIATE') {
      await this.failInstantiate(opOcc);
    } else if (opOcc.command.lcmOperation === 'CHANGE_APP_PKG') {
      await this.failChange(opOcc, opOcc.command.appPkgId);
    } else {
      await this.leaveFailedTemp(id, 'FAILED', 'marked failed');
    }
    return this.getOpOcc(id);
  }

  private async forwardFail(opOcc: AppLcmOpOcc): Promise<void> {
    if (!this.releases.failOperation) return;
    const instance = await this.getInstance(opOcc.appInstanceId);
    try {
      await this.releases.failOperation(instance, opOcc);
    } catch (error) {
      throw new ConflictError(
        `Operation ${
          opOcc.id
        } stays FAILED_TEMP: it could not be marked failed on edge host ${
          instance.hostName
        } (${isError(error) ? error.message : String(error)}); try again`,
      );
    }
  }

  /**
   * Ends a failed CHANGE_APP_PKG with the instance's release on the
   * instance's own package. A failed upgrade was rolled back already, but a
   * cancelled or interrupted one may have left the new chart (or a failed
   * revision of it) there. As for INSTANTIATE, the occurrence goes to FAILED
   * first, still holding its instance; then the release is put back if it
   * needs to be, the instance freed, and the target package NOT_IN_USE
   * again unless others use it. If the release cannot be put back, the
   * error says what runs there.
   */
  private async failChange(opOcc: AppLcmOpOcc, targetPkgId: string) {
    const { id } = opOcc;
    const moved = await this.opOccs.transition(id, ['FAILED_TEMP'], 'FAILED');
    const instance = await this.getInstance(opOcc.appInstanceId);
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
    try {
      await this.releases.restorePackage(
        instance,
        await this.lastValues(instance.id),
      );
    } catch (restore) {
      const { hostName, namespace, releaseName } = instance;
      error = {
        title: error?.title ?? 'Operation failed',
        status: error?.status ?? 500,
        detail: `${
          error?.detail ? `${error.detail}. ` : ''
        }The release was not put back on ${instance.appName} ${
          instance.appSoftVersion
        }: release ${releaseName} in namespace ${namespace} on edge host ${hostName} (${
          isError(restore) ? restore.message : String(restore)
        }) may run another version; terminate the instance, or roll it back with \`helm rollback ${releaseName} --namespace ${namespace}\` on that host`,
      };
    }
    await this.instances.transaction(async trx => {
      const freed = await this.instances
        .withTransaction(trx)
        .release(instance.id, id);
      if (!freed) return;
      if (error !== opOcc.error) {
        await this.opOccs
          .withTransaction(trx)
          .transition(id, ['FAILED'], 'FAILED', { error });
      }
      await this.notifications.opOccState(trx, instance, {
        id,
        operationType: opOcc.lcmOperation,
        operationState: 'FAILED',
        ...(error ? { error } : {}),
      });
    });
    if ((await this.instances.countByPackage(targetPkgId)) === 0) {
      await this.packages.markUsage(targetPkgId, false);
    }
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
