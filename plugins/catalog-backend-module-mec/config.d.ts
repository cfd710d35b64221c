import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** The HelmMEC entity provider: MEC packages, instances, edge hosts. */
      mec?: {
        /**
         * How often the mec backend is read in full, to catch what no
         * announcement on the events service reached; each run applies only
         * what changed. Default every 10 minutes, on every backend instance.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /** Entity reference of the owner. Default `group:default/mec-platform`. */
        owner?: string;
      };
    };
  };
}
