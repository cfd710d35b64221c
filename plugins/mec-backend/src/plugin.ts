import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  MEC_CHANGES_EVENT_TOPIC,
  mecPermissions,
} from '@helmmec/plugin-mec-common';
import {
  MecEdgeDriver,
  mecDriversExtensionPoint,
} from '@helmmec/plugin-mec-node';
import {
  buildEdgeHosts,
  buildLifecycle,
  buildMeoConnection,
  buildMepmDriver,
  buildMepms,
  buildNotifications,
  buildPackages,
  buildRetention,
  buildUserNotifications,
  MecCore,
  readMecRole,
} from './capabilities';
import { checkProductionSettings } from './capabilities/checkProductionSettings';
import { sealStoredSecrets } from './capabilities/secrets';
import { AppInstanceStore } from './database/AppInstanceStore';
import {
  applyDatabaseMigrations,
  useWriteAheadLog,
} from './database/migrations';
import { MecAuthorizer } from './http/authorization';
import { MepmNotificationHub } from './mepms/MepmNotificationHub';
import { createRouter, HELM_REPOSITORY_PATH } from './http/createRouter';
import { readPageSize } from './http/query/paging';
import { OutboundUrlPolicy } from './outbound';
import { SecretCipher } from './secrets';

/**
 * The HelmMEC backend plugin: ETSI GS MEC 010-2 Mm1/Mm3 APIs under
 * `/api/mec`, playing the MEC Orchestrator and the MEC Platform Manager.
 * Each capability is built in `capabilities/` from its own configuration.
 *
 * @public
 */
export const mecPlugin = createBackendPlugin({
  pluginId: 'mec',
  register(env) {
    // Backend modules may bring more edge drivers (see @helmmec/plugin-mec-node).
    const moduleDrivers: MecEdgeDriver[] = [];
    env.registerExtensionPoint(mecDriversExtensionPoint, {
      addDriver(driver) {
        moduleDrivers.push(driver);
      },
    });
    env.registerInit({
      deps: {
        auditor: coreServices.auditor,
        config: coreServices.rootConfig,
        database: coreServices.database,
        discovery: coreServices.discovery,
        events: eventsServiceRef,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        lifecycle: coreServices.lifecycle,
        logger: coreServices.logger,
        notifications: notificationService,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
      },
      async init(deps) {
        const { config, database, discovery, events, logger } = deps;
        checkProductionSettings(config);
        const role = readMecRole(config);
        const knex = await database.getClient();
        await useWriteAheadLog(knex);
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }
        deps.permissionsRegistry.addPermissions(mecPermissions);

        const configuredApiRoot = config.getOptionalString('mec.apiRoot');
        const core: MecCore = {
          config,
          knex,
          logger,
          scheduler: deps.scheduler,
          lifecycle: deps.lifecycle,
          apiRoot: async () =>
            (
              configuredApiRoot ?? (await discovery.getExternalBaseUrl('mec'))
            ).replace(/\/+$/, ''),
          outboundPolicy: OutboundUrlPolicy.fromConfig(config),
          cipher: SecretCipher.fromConfig(config),
          announceChange: eventPayload => {
            events
              .publish({ topic: MEC_CHANGES_EVENT_TOPIC, eventPayload })
              .catch(error =>
                logger.warn(
                  `Could not announce a MEC change: ${stringifyError(error)}`,
                ),
              );
          },
        };

        await sealStoredSecrets({ knex, cipher: core.cipher, logger });
        const { subscriptions, outbox } = await buildNotifications(core);
        const { appPackages, maxUploadBytes } = await buildPackages(core, {
          outbox,
        });
        const instances = AppInstanceStore.create({ knex });
        const {
          hosts,
          healthChecker,
          drivers,
          directory: localHosts,
          localEdgeCluster,
        } = await buildEdgeHosts(core, { moduleDrivers, instances });
        // The MEO (combined and meo roles) also places on the hosts its
        // MEPMs report, and drives those through the MEPMs' app_lcm.
        const hub = new MepmNotificationHub();
        const mepms =
          role === 'mepm'
            ? undefined
            : await buildMepms(core, { localHosts, hosts, hub });
        const mepmDriver = mepms
          ? await buildMepmDriver(core, { mepms: mepms.mepms, hub })
          : undefined;
        if (mepmDriver) drivers.add(mepmDriver);
        // A MEPM asks its MEO for grants and packages over Mm3.
        const meo =
          role === 'mepm'
            ? await buildMeoConnection(core, { appPackages, hosts: localHosts })
            : undefined;
        const {
          lifecycle,
          granting,
          notifications: appLcmNotifications,
        } = await buildLifecycle(core, {
          instances,
          appPackages: meo?.packages ?? appPackages,
          hosts: mepms?.directory ?? localHosts,
          drivers,
          outbox,
          chartRepositoryPath: HELM_REPOSITORY_PATH,
          meo,
        });
        await buildRetention(core, { outbox });
        if (role !== 'mepm') {
          // A MEPM has no portal: its users are the MEO and OSS clients.
          buildUserNotifications(core, {
            notifications: deps.notifications,
            lifecycle,
            appLcmNotifications,
            hosts,
          });
        }

        deps.httpRouter.use(
          await createRouter({
            role,
            mepmsRouter: mepms?.router,
            httpAuth: deps.httpAuth,
            authorizer: MecAuthorizer.fromConfig(config, {
              httpAuth: deps.httpAuth,
              permissions: deps.permissions,
            }),
            logger,
            auditor: deps.auditor,
            apiRoot: core.apiRoot,
            outboundPolicy: core.outboundPolicy,
            maxUploadBytes,
            subscriptions,
            appPackages,
            lifecycle,
            granting,
            hosts,
            healthChecker,
            localEdgeCluster,
            pageSize: readPageSize(config),
          }),
        );
        // The router authenticates every request itself, so that a missing
        // or wrong token is answered with ETSI ProblemDetails (see
        // http/authenticate.ts). Nothing is served without credentials.
        deps.httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
