import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  RootConfigService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';

/** Settings of the MEC entity provider, `catalog.providers.mec`. */
export interface MecProviderConfig {
  schedule: SchedulerServiceTaskScheduleDefinition;
  owner: string;
  appBaseUrl?: string;
}

/** Owner of the mirrored entities when none is configured. */
export const DEFAULT_MEC_OWNER = 'group:default/mec-platform';

/**
 * Reads `catalog.providers.mec` (all optional) and `app.baseUrl` for links.
 * The schedule runs on every backend instance by default (`scope: local`)
 * because each instance diffs against what it emitted itself.
 */
export function readMecProviderConfig(
  config: RootConfigService,
): MecProviderConfig {
  const provider = config.getOptionalConfig('catalog.providers.mec');
  const scheduleConfig = provider?.getOptionalConfig('schedule');
  const configured =
    scheduleConfig &&
    readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig);
  const schedule: SchedulerServiceTaskScheduleDefinition = configured
    ? { ...configured, scope: configured.scope ?? 'local' }
    : {
        // Announced changes arrive at once; this only catches the rest.
        frequency: { minutes: 10 },
        timeout: { minutes: 3 },
        scope: 'local',
      };
  return {
    schedule,
    owner: provider?.getOptionalString('owner') ?? DEFAULT_MEC_OWNER,
    appBaseUrl: config.getOptionalString('app.baseUrl'),
  };
}
