import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { MecEntityProvider } from './providers/MecEntityProvider';

/**
 * Catalog module that registers the HelmMEC entity provider.
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
        logger: coreServices.logger,
      },
      async init({ catalog, logger }) {
        catalog.addEntityProvider(new MecEntityProvider(logger));
      },
    });
  },
});
