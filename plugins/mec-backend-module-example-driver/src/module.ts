import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mecDriversExtensionPoint } from '@helmmec/plugin-mec-node';
import { ExampleDriver } from './ExampleDriver';

/**
 * Adds the `example` edge driver to the mec plugin; edge hosts registered
 * with `driver: example` are then deployed through it.
 * @public
 */
export const mecModuleExampleDriver = createBackendModule({
  pluginId: 'mec',
  moduleId: 'example-driver',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        drivers: mecDriversExtensionPoint,
      },
      async init({ config, logger, drivers }) {
        drivers.addDriver(
          ExampleDriver.fromConfig(config, {
            logger: logger.child({ driver: ExampleDriver.ID }),
          }),
        );
      },
    });
  },
});
