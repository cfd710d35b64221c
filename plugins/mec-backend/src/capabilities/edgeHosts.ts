import { MecEdgeDriver } from '@helmmec/plugin-mec-node';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { createDefaultDrivers, DriverRegistry } from '../drivers';
import {
  DEVELOPMENT_HOST_RULES,
  EdgeHostHealthChecker,
  EdgeHostService,
} from '../hosts';
import { edgeHostDirectory } from '../hosts/HostDirectory';
import { LocalEdgeClusterStatus } from '../hosts/localEdgeCluster';
import { OutboundUrlPolicy } from '../outbound';
import { isDevelopment } from './checkProductionSettings';
import { MecCore } from './types';

/**
 * The edge hosts (`mec.hosts`) with their health checks, and the drivers
 * that deploy to them: the built-in ones (`mec.drivers`) and those that
 * backend modules add through `mecDriversExtensionPoint`.
 */
export async function buildEdgeHosts(
  core: MecCore,
  deps: { moduleDrivers: MecEdgeDriver[]; instances: AppInstanceStore },
) {
  const { config, knex, logger, scheduler } = core;
  const drivers = DriverRegistry.create([
    ...createDefaultDrivers(config, logger),
    ...deps.moduleDrivers,
  ]);
  const hosts = await EdgeHostService.fromConfig(config, {
    knex,
    logger,
    drivers,
    usage: deps.instances,
    cipher: core.cipher,
    // Without mec.hosts.outbound: this machine in development, else nothing.
    outboundPolicy: OutboundUrlPolicy.fromConfig(config, {
      key: 'mec.hosts.outbound',
      defaultAllow: isDevelopment(config, process.env.NODE_ENV)
        ? [...DEVELOPMENT_HOST_RULES]
        : [],
    }),
  });
  hosts.onHostChanged(hostName => core.announceChange({ hostName }));
  const healthChecker = EdgeHostHealthChecker.fromConfig(config, {
    hosts,
    logger,
  });
  await healthChecker.start(scheduler);
  return {
    hosts,
    healthChecker,
    drivers,
    directory: edgeHostDirectory(hosts),
    // Set by npm start only (mec.localEdgeCluster.statusFile).
    localEdgeCluster: LocalEdgeClusterStatus.fromConfig(config),
  };
}
