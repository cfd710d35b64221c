import type { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import { MepmDriver } from '../drivers/mepm/MepmDriver';
import { MepmMappingStore } from '../drivers/mepm/MepmMappingStore';
import type { MepmDirectory } from '../mepms/model';
import type { MepmNotificationHub } from '../mepms/MepmNotificationHub';
import { MecCore } from './types';

/**
 * The `mepm` edge driver: an instance placed on a host that a MEPM reported
 * is created and operated through that MEPM's app_lcm
 * (`mec.mepms.unreachableSeconds`).
 */
export async function buildMepmDriver(
  core: MecCore,
  deps: { mepms: MepmDirectory; hub: MepmNotificationHub },
): Promise<MecEdgeDriver | undefined> {
  return MepmDriver.fromConfig(core.config, {
    mepms: deps.mepms,
    hub: deps.hub,
    mappings: MepmMappingStore.create({ knex: core.knex }),
    logger: core.logger.child({ driver: 'mepm' }),
  });
}
