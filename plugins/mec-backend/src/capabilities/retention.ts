import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { GrantStore } from '../database/GrantStore';
import { NotificationOutbox } from '../notifications';
import { RetentionPruner } from '../retention';
import { MecCore } from './types';

/**
 * Prunes settled op occurrences, grants and notifications after their
 * retention (`mec.retention`), one replica per round.
 */
export async function buildRetention(
  core: MecCore,
  deps: { outbox: NotificationOutbox },
): Promise<RetentionPruner> {
  const { config, knex, logger, scheduler } = core;
  const pruner = RetentionPruner.fromConfig(config, {
    opOccs: AppLcmOpOccStore.create({ knex, cipher: core.cipher }),
    grants: GrantStore.create({ knex }),
    outbox: deps.outbox,
    logger,
  });
  await pruner.start(scheduler);
  return pruner;
}
