import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  MEC_CHANGES_EVENT_TOPIC,
  MecChangesEventPayload,
} from '@helmmec/plugin-mec-common';
import { MecEntitiesProcessor } from './processor/MecEntitiesProcessor';
import { textPlaceholderResolver } from './placeholders/textPlaceholderResolver';
import { MecEntityProvider } from './providers/MecEntityProvider';
import { readMecProviderConfig } from './providers/readMecProviderConfig';

/**
 * Catalog module of HelmMEC: the MEC entity kinds' processor, the provider
 * that mirrors packages, instances and edge hosts, and a `$text` placeholder
 * that also reads beside file locations.
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
        events: eventsServiceRef,
      },
      async init({
        catalog,
        config,
        logger,
        scheduler,
        discovery,
        auth,
        events,
      }) {
        const { schedule, owner, appBaseUrl } = readMecProviderConfig(config);
        catalog.addProcessor(new MecEntitiesProcessor());
        // $text beside a file location too: the API entities of
        // catalog-info.yaml read our OpenAPI documents from the checkout.
        catalog.addPlaceholderResolver('text', textPlaceholderResolver);
        const provider = new MecEntityProvider({
          logger,
          taskRunner: scheduler.createScheduledTaskRunner(schedule),
          discovery,
          auth,
          owner,
          appBaseUrl,
        });
        catalog.addEntityProvider(provider);
        // Changes announced by the mec plugin show at once; the schedule
        // still catches what no announcement reached (another process).
        await events.subscribe({
          id: 'catalog-module-mec',
          topics: [MEC_CHANGES_EVENT_TOPIC],
          onEvent: async event =>
            provider.announce(event.eventPayload as MecChangesEventPayload),
        });
      },
    });
  },
});
