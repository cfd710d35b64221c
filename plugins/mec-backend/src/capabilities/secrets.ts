import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Knex } from 'knex';
import { AppLcmOpOccStore } from '../database/AppLcmOpOccStore';
import { EdgeHostStore } from '../database/EdgeHostStore';
import { MepmStore } from '../database/MepmStore';
import { applyDatabaseMigrations } from '../database/migrations';
import { SubscriptionStore } from '../notifications';
import { ReencryptScope, SecretCipher } from '../secrets';

/** How many stored secrets {@link reencryptStoredSecrets} rewrote, by kind. */
export interface ReencryptSummary {
  /** The id of the key everything is now encrypted under. */
  keyId: string;
  edgeHostCredentials: number;
  /** The credentials of registered MEPMs (`/mepms`). */
  mepmCredentials: number;
  subscriptionCredentials: number;
  opOccCommands: number;
}

async function rewrite(
  knex: Knex,
  cipher: SecretCipher,
  scope: ReencryptScope,
): Promise<ReencryptSummary> {
  return {
    keyId: cipher.primaryKeyId,
    // Host credentials were always encrypted; only rotation rewrites them.
    edgeHostCredentials:
      scope === 'all'
        ? await EdgeHostStore.create({ knex }).reencryptCredentials(cipher)
        : 0,
    // Likewise MEPM credentials.
    mepmCredentials:
      scope === 'all'
        ? await MepmStore.create({ knex }).reencryptAuth(cipher)
        : 0,
    subscriptionCredentials: await SubscriptionStore.create({
      knex,
      cipher,
    }).reencryptAuthentication(scope),
    opOccCommands: await AppLcmOpOccStore.create({
      knex,
      cipher,
    }).reencryptCommands(scope),
  };
}

/**
 * At startup: encrypts the secrets still stored in clear, those written
 * before they were encrypted at rest (subscription credentials, op
 * occurrence commands with their Helm values) or while no key was set.
 * A startup step rather than a knex migration, because it needs the key
 * from config; safe when replicas start together (rows are rewritten with
 * compare and set).
 */
export async function sealStoredSecrets(options: {
  knex: Knex;
  cipher: SecretCipher | undefined;
  logger: LoggerService;
}): Promise<void> {
  const { knex, cipher, logger } = options;
  if (!cipher) {
    logger.warn(
      'mec.encryptionKeys is not configured: subscription credentials and Helm values are stored in clear (development only)',
    );
    return;
  }
  const sealed = await rewrite(knex, cipher, 'plaintext');
  const count = sealed.subscriptionCredentials + sealed.opOccCommands;
  if (count > 0) {
    logger.info(
      `Encrypted ${sealed.subscriptionCredentials} subscription credential(s) and ${sealed.opOccCommands} op occurrence command(s) stored in clear, under key '${sealed.keyId}'`,
    );
  }
}

/**
 * Re-encrypts every stored secret under the first key of
 * `mec.encryptionKeys` (`npm run mec:reencrypt`): after it, keys other
 * than the first may be removed from config. Brings the schema up to date
 * first, as the plugin would.
 *
 * @public
 */
export async function reencryptStoredSecrets(options: {
  config: Config;
  knex: Knex;
}): Promise<ReencryptSummary> {
  const cipher = SecretCipher.fromConfig(options.config);
  if (!cipher) {
    throw new Error(
      'Nothing to encrypt with: mec.encryptionKeys (or mec.hosts.encryptionKey) is not configured',
    );
  }
  await applyDatabaseMigrations(options.knex);
  return rewrite(options.knex, cipher, 'all');
}
