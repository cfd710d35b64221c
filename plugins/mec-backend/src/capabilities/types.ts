import {
  LifecycleService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { MecChangesEventPayload } from '@helmmec/plugin-mec-common';
import { Knex } from 'knex';
import { OutboundUrlPolicy } from '../outbound';
import { SecretCipher } from '../secrets';

/**
 * What every capability of the mec plugin is built from: the plugin's
 * core services and the few things all of them share.
 */
export interface MecCore {
  config: Config;
  knex: Knex;
  logger: LoggerService;
  scheduler: SchedulerService;
  /** The plugin's lifecycle: workers stop and hand back their claims on shutdown. */
  lifecycle: LifecycleService;
  /** The externally visible `{apiRoot}`, without a trailing slash. */
  apiRoot: () => Promise<string>;
  /** Allow rules for every URL a caller hands us. */
  outboundPolicy: OutboundUrlPolicy;
  /** Encrypts secrets at rest (`mec.encryptionKeys`); absent without a key (development only). */
  cipher?: SecretCipher;
  /** Tells the catalog (events topic `mec.changes`) what changed. */
  announceChange: (change: MecChangesEventPayload) => void;
}
