import { LoggerService } from '@backstage/backend-plugin-api';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { HostDirectory } from '../hosts/HostDirectory';
import { AppLcmNotifications } from '../notifications/appLcm';
import { releaseRefOf } from './OpOccExecutor';
import { DriverLookup } from './ports';

/**
 * Keeps each instance's operationalState true to what its cluster runs: a
 * release scaled to zero (or back) behind the MEPM's back is noticed, stored
 * and announced with an AppInstNotification. Instances with an operation in
 * progress are left to that operation; unreachable hosts are skipped.
 */
export class InstanceStateReconciler {
  constructor(
    private readonly deps: {
      instances: AppInstanceStore;
      hosts: HostDirectory;
      drivers: DriverLookup;
      notifications: AppLcmNotifications;
      logger: LoggerService;
    },
  ) {}

  async reconcileAll(): Promise<void> {
    for (const instance of await this.deps.instances.list()) {
      if (
        instance.instantiationState !== 'INSTANTIATED' ||
        instance.operationInProgress ||
        !instance.hostName ||
        !instance.namespace ||
        !instance.releaseName
      ) {
        continue;
      }
      try {
        const driver = this.deps.drivers.get(
          await this.deps.hosts.driverOf(instance.hostName),
        );
        const status = await driver.status(
          await this.deps.hosts.connection(instance.hostName),
          releaseRefOf(instance),
        );
        const actual = status.operationalState;
        if (
          !actual ||
          status.phase === 'absent' ||
          actual === instance.operationalState
        ) {
          continue;
        }
        await this.deps.instances.transaction(async trx => {
          const changed = await this.deps.instances
            .withTransaction(trx)
            .recordOperationalState(
              instance.id,
              instance.operationalState,
              actual,
            );
          if (changed) {
            await this.deps.notifications.instanceState(trx, instance, actual);
          }
        });
        this.deps.logger.info(
          `Application instance ${instance.id} is ${actual} on ${instance.hostName}, not ${instance.operationalState}: updated`,
        );
      } catch (error) {
        this.deps.logger.debug(
          `Could not read the state of instance ${instance.id}: ${error}`,
        );
      }
    }
  }
}
