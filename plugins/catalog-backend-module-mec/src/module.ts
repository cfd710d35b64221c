import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { MecEntitiesProcessor } from './processor/MecEntitiesProcessor';
import { MecEntityProvider } from './providers/MecEntityProvider';
import { readMecProviderConfig } from './providers/readMecProviderConfig';

/**
 * Catalog module of HelmMEC: the MEC entity kinds' processor and the
 * provider that mirrors packages, instances and edge hosts.
 *
 * @public
 */
export const catalogModuleMec = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'mec',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ catalog, config, logger, scheduler, discovery, auth }) {
        const { schedule, owner, appBaseUrl } = readMecProviderConfig(config);
        catalog.addProcessor(new MecEntitiesProcessor());
        catalog.addEntityProvider(
          new MecEntityProvider({
            logger,
            taskRunner: scheduler.createScheduledTaskRunner(schedule),
            discovery,
            auth,
            owner,
            appBaseUrl,
          }),
        );
      },
    });
  },
});
