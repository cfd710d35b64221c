import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import type { MepmDirectory } from '../mepms/model';
import type { MepmNotificationHub } from '../mepms/MepmNotificationHub';
import { MecCore } from './types';

/**
 * The `mepm` edge driver: an instance placed on a host that a MEPM reported
 * is created and operated through that MEPM's app_lcm.
 */
export async function buildMepmDriver(
  _core: MecCore,
  _deps: { mepms: MepmDirectory; hub: MepmNotificationHub },
): Promise<MecEdgeDriver | undefined> {
  return undefined;
}
