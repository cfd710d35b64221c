import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mecPermissions } from '@helmmec/plugin-mec-common';
import { AppPackageStore } from './database/AppPackageStore';
import { applyDatabaseMigrations } from './database/migrations';
import { createRouter } from './http/createRouter';
import { AppPackageService } from './packages/AppPackageService';

/**
 * The HelmMEC backend plugin: ETSI GS MEC 010-2 Mm1/Mm3 APIs under
 * `/api/mec`, playing the MEC Orchestrator and the MEC Platform Manager.
 *
 * @public
 */
export const mecPlugin = createBackendPlugin({
  pluginId: 'mec',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        database: coreServices.database,
        discovery: coreServices.discovery,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        config,
        database,
        discovery,
        httpAuth,
        httpRouter,
        logger,
        permissionsRegistry,
      }) {
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }
        permissionsRegistry.addPermissions(mecPermissions);

        const appPackages = new AppPackageService(
          AppPackageStore.create({ knex }),
        );

        const configuredApiRoot = config.getOptionalString('mec.apiRoot');
        const apiRoot = async () =>
          (
            configuredApiRoot ?? (await discovery.getExternalBaseUrl('mec'))
          ).replace(/\/+$/, '');

        httpRouter.use(
          await createRouter({ httpAuth, logger, appPackages, apiRoot }),
        );
        // The router authenticates every request itself, so that a missing
        // or wrong token is answered with ETSI ProblemDetails (see
        // http/authenticate.ts). Nothing is served without credentials.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
