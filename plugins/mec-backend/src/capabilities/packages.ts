import { MEC_API_ROOTS } from '@helmmec/plugin-mec-common';
import { AppPackageStore } from '../database/AppPackageStore';
import { NotificationOutbox } from '../notifications';
import { AppPackageService } from '../packages/AppPackageService';
import { notifyingAppPackageEvents } from '../packages/notifyingAppPackageEvents';
import { PackageOnboarder } from '../packages/onboarding/PackageOnboarder';
import { MecCore } from './types';

/** Application package management and onboarding (`mec.packages`). */
export async function buildPackages(
  core: MecCore,
  deps: { outbox: NotificationOutbox },
) {
  const { config, knex, logger, outboundPolicy, scheduler } = core;
  const store = AppPackageStore.create({ knex });
  const events = notifyingAppPackageEvents(
    deps.outbox,
    async () => `${await core.apiRoot()}/${MEC_API_ROOTS.appPkgm}`,
  );
  const onboarder = PackageOnboarder.fromConfig(config, {
    store,
    events,
    outboundPolicy,
    logger,
  });
  const appPackages = new AppPackageService(store, events, {
    checkPackagePath: async path => {
      await outboundPolicy.check(path, { purpose: 'package' });
    },
    onboarding: onboarder,
  });
  // Picks up onboardings that were in flight when a backend stopped.
  await scheduler.scheduleTask({
    id: 'mec-package-onboarding',
    frequency: { seconds: 10 },
    timeout: { minutes: 10 },
    initialDelay: { seconds: 5 },
    scope: 'local',
    fn: () => onboarder.resumeUnclaimed(),
  });
  core.lifecycle.addShutdownHook(() => onboarder.stop());
  return { appPackages, maxUploadBytes: onboarder.maxPackageBytes };
}
