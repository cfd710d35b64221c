import { MEC_API_ROOTS } from '@helmmec/plugin-mec-common';
import { AppPackageStore } from '../database/AppPackageStore';
import { NotificationOutbox } from '../notifications';
import { AppPackageService } from '../packages/AppPackageService';
import { notifyingAppPackageEvents } from '../packages/notifyingAppPackageEvents';
import { PackageOnboarder } from '../packages/onboarding/PackageOnboarder';
import { scheduleLeasedWork } from './leasedWork';
import { MecCore } from './types';

/** Application package management and onboarding (`mec.packages`). */
export async function buildPackages(
  core: MecCore,
  deps: { outbox: NotificationOutbox },
) {
  const { config, knex, logger, outboundPolicy } = core;
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
  await scheduleLeasedWork(
    core,
    { id: 'mec-package-onboarding', timeout: { minutes: 10 } },
    onboarder,
  );
  return { appPackages, maxUploadBytes: onboarder.maxPackageBytes };
}
