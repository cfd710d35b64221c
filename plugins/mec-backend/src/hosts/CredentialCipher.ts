import { Config } from '@backstage/config';
import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import { edgeHostCredentialContext } from '../database/EdgeHostStore';
import { LEGACY_KEY_ID, SecretCipher, SecretDecryptionError } from '../secrets';

/** The credential of an edge host, as drivers receive it. */
export type EdgeHostCredential = EdgeHostConnection['credential'];

/** Thrown when a stored credential cannot be decrypted with the configured keys. */
export const CredentialDecryptionError = SecretDecryptionError;

/**
 * Edge host credentials through the plugin's {@link SecretCipher}: JSON,
 * bound to the host's name, so a credential copied to another host's row
 * does not decrypt.
 */
export class CredentialCipher {
  /** The keys of `mec.encryptionKeys` (see SecretCipher), or undefined when none is set. */
  static fromConfig(config: Config): CredentialCipher | undefined {
    const secrets = SecretCipher.fromConfig(config);
    return secrets ? new CredentialCipher(secrets) : undefined;
  }

  /** One key, as `mec.hosts.encryptionKey` gives it. */
  static fromKey(key: string): CredentialCipher {
    return new CredentialCipher(
      SecretCipher.fromKeys([
        { id: LEGACY_KEY_ID, secret: key, setting: 'mec.hosts.encryptionKey' },
      ]),
    );
  }

  constructor(readonly secrets: SecretCipher) {}

  /** Encrypts a credential for the host `hostName`. */
  encrypt(hostName: string, credential: EdgeHostCredential): string {
    return this.secrets.encrypt(
      edgeHostCredentialContext(hostName),
      JSON.stringify(credential),
    );
  }

  /** Decrypts the credential of `hostName`; throws CredentialDecryptionError. */
  decrypt(hostName: string, encrypted: string): EdgeHostCredential {
    return JSON.parse(
      this.secrets.decrypt(
        edgeHostCredentialContext(hostName),
        encrypted,
        `the stored credential of edge host '${hostName}'`,
      ),
    );
  }
}
