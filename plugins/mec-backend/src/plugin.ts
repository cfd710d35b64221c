import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  MEC_API_ROOTS,
  MEC_CHANGES_EVENT_TOPIC,
  MecChangesEventPayload,
  mecPermissions,
} from '@helmmec/plugin-mec-common';
import {
  MecEdgeDriver,
  mecDriversExtensionPoint,
} from '@helmmec/plugin-mec-node';
import { AppInstanceStore } from './database/AppInstanceStore';
import { AppLcmOpOccStore } from './database/AppLcmOpOccStore';
import { GrantStore } from './database/GrantStore';
import { createDefaultDrivers, DriverRegistry } from './drivers';
import { GrantingService } from './granting/GrantingService';
import { EdgeHostHealthChecker, EdgeHostService } from './hosts';
import { edgeHostDirectory } from './hosts/HostDirectory';
import { AppLifecycleService } from './lifecycle/AppLifecycleService';
import { InstanceStateReconciler } from './lifecycle/InstanceStateReconciler';
import { OpOccExecutor } from './lifecycle/OpOccExecutor';
import { AppLcmNotifications } from './notifications/appLcm';
import { AppPackageStore } from './database/AppPackageStore';
import { applyDatabaseMigrations } from './database/migrations';
import { createRouter, HELM_REPOSITORY_PATH } from './http/createRouter';
import {
  NotificationDeliveryWorker,
  NotificationOutbox,
  SubscriptionStore,
} from './notifications';
import { OutboundUrlPolicy } from './outbound';
import { notifyingAppPackageEvents } from './packages/notifyingAppPackageEvents';
import { AppPackageService } from './packages/AppPackageService';
import { PackageOnboarder } from './packages/onboarding/PackageOnboarder';

/**
 * The HelmMEC backend plugin: ETSI GS MEC 010-2 Mm1/Mm3 APIs under
 * `/api/mec`, playing the MEC Orchestrator and the MEC Platform Manager.
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
        config: coreServices.rootConfig,
        database: coreServices.database,
        discovery: coreServices.discovery,
        events: eventsServiceRef,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
      },
      async init({
        config,
        database,
        discovery,
        events,
        httpAuth,
        httpRouter,
        logger,
        permissions,
        permissionsRegistry,
        scheduler,
      }) {
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }
        permissionsRegistry.addPermissions(mecPermissions);

        const configuredApiRoot = config.getOptionalString('mec.apiRoot');
        const apiRoot = async () =>
          (
            configuredApiRoot ?? (await discovery.getExternalBaseUrl('mec'))
          ).replace(/\/+$/, '');

        const outboundPolicy = OutboundUrlPolicy.fromConfig(config);
        const subscriptions = SubscriptionStore.create({ knex });
        const outbox = NotificationOutbox.create({ knex });
        const deliveryWorker = NotificationDeliveryWorker.fromConfig(config, {
          knex,
          outboundPolicy,
          logger,
        });
        // Lets the catalog mirror a change at once rather than at its next poll.
        const announceChange = (eventPayload: MecChangesEventPayload) => {
          events
            .publish({ topic: MEC_CHANGES_EVENT_TOPIC, eventPayload })
            .catch(error =>
              logger.warn(
                `Could not announce a MEC change: ${stringifyError(error)}`,
              ),
            );
        };
        // Deliver right after a commit rather than at the next poll.
        outbox.onPublished(event => {
          if (event.deliveries > 0) deliveryWorker.wake();
          announceChange({
            api: event.api,
            notificationTypes: event.subscriptionTypes,
            ...event.subject,
          });
        });
        await deliveryWorker.start(scheduler);

        const appPackageStore = AppPackageStore.create({ knex });
        const packageEvents = notifyingAppPackageEvents(
          outbox,
          async () => `${await apiRoot()}/${MEC_API_ROOTS.appPkgm}`,
        );
        const onboarder = PackageOnboarder.fromConfig(config, {
          store: appPackageStore,
          events: packageEvents,
          outboundPolicy,
          logger,
        });
        const appPackages = new AppPackageService(
          appPackageStore,
          packageEvents,
          {
            checkPackagePath: async path => {
              await outboundPolicy.check(path, { purpose: 'package' });
            },
            onboarding: onboarder,
          },
        );

        // Edge hosts, drivers, granting and lifecycle management.
        const drivers = DriverRegistry.create([
          ...createDefaultDrivers(config, logger),
          ...moduleDrivers,
        ]);
        const instances = AppInstanceStore.create({ knex });
        const hosts = await EdgeHostService.fromConfig(config, {
          knex,
          logger,
          drivers,
          usage: instances,
        });
        hosts.onHostChanged(hostName => announceChange({ hostName }));
        const healthChecker = EdgeHostHealthChecker.fromConfig(config, {
          hosts,
          logger,
        });
        await healthChecker.start(scheduler);
        const opOccs = AppLcmOpOccStore.create({ knex });
        const appLcmBase = async () =>
          `${await apiRoot()}/${MEC_API_ROOTS.appLcm}`;
        const lcmNotifications = new AppLcmNotifications(outbox, appLcmBase);
        const directory = edgeHostDirectory(hosts);
        const granting = new GrantingService(
          directory,
          GrantStore.create({ knex }),
          instances,
          appPackages,
        );
        const lifecycleConfig = config.getOptionalConfig('mec.lifecycle');
        const executor = OpOccExecutor.fromConfig(config, {
          instances,
          opOccs,
          packages: appPackages,
          granting,
          hosts: directory,
          drivers,
          notifications: lcmNotifications,
          logger,
          chartRepository: {
            url: async () => `${await apiRoot()}/${HELM_REPOSITORY_PATH}`,
            username: 'edge',
            password:
              config.getOptionalString('mec.helmRepository.pullToken') ?? '',
          },
        });
        const lifecycle = new AppLifecycleService(
          instances,
          opOccs,
          appPackages,
          lcmNotifications,
          executor,
        );
        const reconciler = new InstanceStateReconciler({
          instances,
          hosts: directory,
          drivers,
          notifications: lcmNotifications,
          logger,
        });
        await scheduler.scheduleTask({
          id: 'mec-instance-state',
          frequency: {
            seconds:
              lifecycleConfig?.getOptionalNumber('stateCheckSeconds') ?? 30,
          },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 5 },
          scope: 'global',
          fn: () => reconciler.reconcileAll(),
        });
        // Resumes operations that were in flight when a backend stopped.
        await scheduler.scheduleTask({
          id: 'mec-lifecycle-operations',
          frequency: { seconds: 10 },
          timeout: { minutes: 30 },
          initialDelay: { seconds: 5 },
          scope: 'local',
          fn: () => executor.resumeUnclaimed(),
        });
        // Picks up onboardings that were in flight when a backend stopped.
        await scheduler.scheduleTask({
          id: 'mec-package-onboarding',
          frequency: { seconds: 10 },
          timeout: { minutes: 10 },
          initialDelay: { seconds: 5 },
          scope: 'local',
          fn: () => onboarder.resumeUnclaimed(),
        });

        httpRouter.use(
          await createRouter({
            httpAuth,
            permissions,
            logger,
            appPackages,
            apiRoot,
            maxUploadBytes: onboarder.maxPackageBytes,
            subscriptions,
            outboundPolicy,
            lifecycle,
            granting,
            hosts,
            healthChecker,
          }),
        );
        // The router authenticates every request itself, so that a missing
        // or wrong token is answered with ETSI ProblemDetails (see
        // http/authenticate.ts). Nothing is served without credentials.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
