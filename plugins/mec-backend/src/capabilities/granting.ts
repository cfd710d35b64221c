import { AppInstanceStore } from '../database/AppInstanceStore';
import { GrantStore } from '../database/GrantStore';
import { GrantDecider } from '../granting/GrantDecider';
import {
  GrantDecisionTrigger,
  GrantingService,
} from '../granting/GrantingService';
import { HostDirectory } from '../hosts/HostDirectory';
import { AppPackageService } from '../packages/AppPackageService';
import { scheduleLeasedWork } from './leasedWork';
import { MecCore } from './types';

/**
 * The MEO's granting (`mec.granting`): grants for its own lifecycle
 * management and for any MEPM over granting/v1, decided at once or, with
 * `asynchronous`, in the background by leased jobs (one replica decides
 * each; a decision a stopped backend left pending is resumed).
 */
export async function buildGranting(
  core: MecCore,
  deps: {
    hosts: HostDirectory;
    instances: AppInstanceStore;
    appPackages: AppPackageService;
  },
): Promise<GrantingService> {
  const { config, knex, logger } = core;
  const grants = GrantStore.create({ knex });
  const asynchronous =
    config.getOptionalBoolean('mec.granting.asynchronous') ?? false;
  const decisions: GrantDecisionTrigger = { trigger: () => {} };
  const granting = new GrantingService(
    deps.hosts,
    grants,
    deps.instances,
    deps.appPackages,
    asynchronous ? { asynchronous: decisions } : {},
  );
  // Pending decisions of an earlier asynchronous run are finished either way.
  const decider = new GrantDecider({
    grants,
    decide: (request, id) => granting.decide(request, id),
    logger,
  });
  decisions.trigger = id => decider.trigger(id);
  await scheduleLeasedWork(
    core,
    { id: 'mec-grant-decisions', timeout: { minutes: 5 } },
    decider,
  );
  return granting;
}
