import { Config } from '@backstage/config';
import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
  scryptSync,
} from 'node:crypto';
import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';

/** The credential of an edge host, as drivers receive it. */
export type EdgeHostCredential = EdgeHostConnection['credential'];

const VERSION = 'v1';
const IV_BYTES = 12;
const MIN_PASSPHRASE_LENGTH = 16;
// Fixed salts: the key must derive the same on every replica and restart.
const HKDF_INFO = 'helmmec edge host credentials v1';
const SCRYPT_SALT = 'helmmec-edge-hosts-v1';

/** Thrown when a stored credential cannot be decrypted with the configured key. */
export class CredentialDecryptionError extends Error {
  name = 'CredentialDecryptionError';
}

/**
 * Encrypts edge host credentials at rest with AES-256-GCM. The host name is
 * authenticated with each ciphertext, so a credential copied to another
 * host's row does not decrypt.
 */
export class CredentialCipher {
  /**
   * The key from `mec.hosts.encryptionKey`, or undefined when it is not set.
   * A base64 value of at least 32 bytes is used as key material (HKDF);
   * anything else is a passphrase (scrypt) of at least 16 characters.
   */
  static fromConfig(config: Config): CredentialCipher | undefined {
    const key = config.getOptionalString('mec.hosts.encryptionKey');
    return key === undefined ? undefined : CredentialCipher.fromKey(key);
  }

  static fromKey(key: string): CredentialCipher {
    const trimmed = key.trim();
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
    if (decoded && decoded.length >= 32) {
      return new CredentialCipher(
        Buffer.from(
          hkdfSync('sha256', decoded, Buffer.alloc(0), HKDF_INFO, 32),
        ),
      );
    }
    if (trimmed.length < MIN_PASSPHRASE_LENGTH) {
      throw new Error(
        `mec.hosts.encryptionKey is too short: give 32 random bytes in base64 (openssl rand -base64 32) or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
      );
    }
    return new CredentialCipher(scryptSync(trimmed, SCRYPT_SALT, 32));
  }

  private constructor(private readonly key: Buffer) {}

  /** Encrypts a credential for the host `hostName`. */
  encrypt(hostName: string, credential: EdgeHostCredential): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`edge-host:${hostName}`));
    const ciphertext = Buffer.concat([
      cipher.update(JSON.stringify(credential), 'utf8'),
      cipher.final(),
    ]);
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join('.');
  }

  /** Decrypts the credential of `hostName`; throws CredentialDecryptionError. */
  decrypt(hostName: string, encrypted: string): EdgeHostCredential {
    const [version, iv, tag, ciphertext] = encrypted.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new CredentialDecryptionError(
        `The stored credential of edge host '${hostName}' has an unknown format`,
      );
    }
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.key,
        Buffer.from(iv, 'base64'),
      );
      decipher.setAAD(Buffer.from(`edge-host:${hostName}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64')),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8'));
    } catch {
      throw new CredentialDecryptionError(
        `mec.hosts.encryptionKey cannot decrypt the stored credential of edge host '${hostName}': the key differs from the one it was encrypted with`,
      );
    }
  }
}
