import type { Router } from 'express';
import type { EdgeHostService } from '../hosts';
import type { HostDirectory } from '../hosts/HostDirectory';
import type { MepmDirectory } from '../mepms/model';
import type { MepmNotificationHub } from '../mepms/MepmNotificationHub';
import { MecCore } from './types';

/**
 * The MEO's registry of MEPMs (`/mepms`, `mec.mepms`): their health, the
 * hosts each reports (joined with the MEO's own hosts for placement), and
 * the subscriptions to their lifecycle notifications.
 */
export async function buildMepms(
  _core: MecCore,
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
}> {
  return {
    directory: deps.localHosts,
    mepms: { mepmOfHost: async () => undefined },
  };
}
