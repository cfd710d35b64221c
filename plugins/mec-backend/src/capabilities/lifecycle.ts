import { MEC_API_ROOTS } from '@helmmec/plugin-mec-common';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { DriverRegistry } from '../drivers';
import { HostDirectory } from '../hosts/HostDirectory';
import { AppLifecycleService } from '../lifecycle/AppLifecycleService';
import { InstanceStateReconciler } from '../lifecycle/InstanceStateReconciler';
import { OpOccExecutor } from '../lifecycle/OpOccExecutor';
import { NotificationOutbox } from '../notifications';
import { AppLcmNotifications } from '../notifications/appLcm';
import { AppPackageService } from '../packages/AppPackageService';
import { buildGranting } from './granting';
import { scheduleLeasedWork } from './leasedWork';
import type { MeoConnection } from './meoConnection';
import { MecCore } from './types';

/**
 * Granting and application lifecycle management (`mec.lifecycle`): the
 * executor of op occurrences, and the reconciler that follows what the
 * edge clusters really run.
 */
export async function buildLifecycle(
  core: MecCore,
  deps: {
    instances: AppInstanceStore;
    appPackages: AppPackageService;
    hosts: HostDirectory;
    drivers: DriverRegistry;
    outbox: NotificationOutbox;
    /** Where the MEO's Helm repository is served, under `{apiRoot}`. */
    chartRepositoryPath: string;
    /** A MEPM's MEO: grants and the chart repository come from there. */
    meo?: Pick<MeoConnection, 'granting' | 'chartRepository'>;
  },
) {
  const { config, knex, logger, scheduler } = core;
  const { instances, appPackages, hosts, drivers } = deps;
  const opOccs = AppLcmOpOccStore.create({ knex, cipher: core.cipher });
  const notifications = new AppLcmNotifications(
    deps.outbox,
    async () => `${await core.apiRoot()}/${MEC_API_ROOTS.appLcm}`,
  );
  const granting = await buildGranting(core, {
    hosts,
    instances,
    appPackages,
  });
  const executor = OpOccExecutor.fromConfig(config, {
    instances,
    opOccs,
    packages: appPackages,
    // The local granting also previews placement on a MEPM's own hosts.
    granting: deps.meo?.granting ?? granting,
    hosts,
    drivers,
    notifications,
    logger,
    chartRepository: deps.meo?.chartRepository ?? {
      url: async () => `${await core.apiRoot()}/${deps.chartRepositoryPath}`,
      username: 'edge',
      password: config.getOptionalString('mec.helmRepository.pullToken') ?? '',
    },
  });
  const lifecycle = new AppLifecycleService(
    instances,
    opOccs,
    appPackages,
    notifications,
    executor,
    executor,
  );
  const reconciler = new InstanceStateReconciler({
    instances,
    hosts,
    drivers,
    notifications,
    logger,
  });
  await scheduler.scheduleTask({
    id: 'mec-instance-state',
    frequency: {
      seconds:
        config.getOptionalNumber('mec.lifecycle.stateCheckSeconds') ?? 30,
    },
    timeout: { minutes: 5 },
    initialDelay: { seconds: 5 },
    scope: 'global',
    fn: () => reconciler.reconcileAll(),
  });
  await scheduleLeasedWork(
    core,
    { id: 'mec-lifecycle-operations', timeout: { minutes: 30 } },
    executor,
  );
  return { lifecycle, granting, notifications };
}
