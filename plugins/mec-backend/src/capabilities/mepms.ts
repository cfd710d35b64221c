import type { Router } from 'express';
import { MepmStore } from '../database/MepmStore';
import type { EdgeHostService } from '../hosts';
import type { HostDirectory } from '../hosts/HostDirectory';
import { createMepmsRouter } from '../http/mepms/createMepmsRouter';
import { readPageSize } from '../http/query/paging';
import { mepmAwareHostDirectory } from '../mepms/hostDirectory';
import type { MepmDirectory } from '../mepms/model';
import type { MepmNotificationHub } from '../mepms/MepmNotificationHub';
import { MepmRegistry } from '../mepms/MepmRegistry';
import { OutboundAllowRule, OutboundUrlPolicy } from '../outbound';
import { isDevelopment } from './checkProductionSettings';
import { MecCore } from './types';

/** The scheduler task that checks every MEPM. */
export const MEPM_CHECK_TASK_ID = 'mec-mepm-check';

/**
 * The MEPM rules without `mec.mepms.outbound` in development: this
 * machine only, where the MEPMs of `npm start` listen.
 */
export const DEVELOPMENT_MEPM_RULES: readonly OutboundAllowRule[] = [
  { host: '127.0.0.0/8', schemes: ['http', 'https'] },
  { host: '::1', schemes: ['http', 'https'] },
];

/**
 * The MEO's registry of MEPMs (`/mepms`, `mec.mepms`): their health, the
 * hosts each reports (joined with the MEO's own hosts for placement), and
 * the subscriptions to their lifecycle notifications.
 */
export async function buildMepms(
  core: MecCore,
  deps: {
    localHosts: HostDirectory;
    hosts: EdgeHostService;
    hub: MepmNotificationHub;
  },
): Promise<{
  /** The MEO's hosts and every MEPM's, as placement and lifecycle see them. */
  directory: HostDirectory;
  mepms: MepmDirectory;
  /** Serves `/mepms` and the MEPMs' notification callbacks. */
  router?: Router;
  /** The registry itself (checks, registration), for the MEO's own use. */
  registry?: MepmRegistry;
}> {
  const { config, knex, logger } = core;
  const store = MepmStore.create({ knex });
  const registry = new MepmRegistry({
    store,
    hosts: deps.hosts,
    cipher: core.cipher,
    // Without mec.mepms.outbound: this machine in development, else nothing.
    outboundPolicy: OutboundUrlPolicy.fromConfig(config, {
      key: 'mec.mepms.outbound',
      defaultAllow: isDevelopment(config, process.env.NODE_ENV)
        ? [...DEVELOPMENT_MEPM_RULES]
        : [],
    }),
    hub: deps.hub,
    logger,
    apiRoot: core.apiRoot,
    notificationToken: config.getOptionalString('mec.mepms.notificationToken'),
  });
  await registry.verifyStoredCredentials();
  const seconds =
    config.getOptionalNumber('mec.mepms.checkIntervalSeconds') ?? 30;
  if (!(seconds > 0)) {
    throw new Error(
      `mec.mepms.checkIntervalSeconds must be positive, not ${seconds}`,
    );
  }
  await core.scheduler.scheduleTask({
    id: MEPM_CHECK_TASK_ID,
    frequency: { seconds },
    // Each call is bounded; this bounds a round of many MEPMs.
    timeout: { minutes: 5 },
    initialDelay: { seconds: 1 },
    scope: 'global',
    fn: () => registry.checkAll(),
  });
  return {
    directory: mepmAwareHostDirectory(deps.localHosts, {
      hosts: deps.hosts,
      store,
    }),
    mepms: registry,
    router: await createMepmsRouter({
      mepms: registry,
      baseUrl: core.apiRoot,
      pageSize: readPageSize(config),
    }),
    registry,
  };
}
