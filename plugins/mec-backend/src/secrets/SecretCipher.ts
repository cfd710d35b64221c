import { Config } from '@backstage/config';
import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
  scryptSync,
} from 'node:crypto';

/** One entry of `mec.encryptionKeys`. */
export interface EncryptionKey {
  /** Named in every ciphertext it makes, so that keys can be rotated. */
  id: string;
  /** 32+ random bytes in base64, or a passphrase of 16+ characters. */
  secret: string;
}

/** Thrown when a stored secret cannot be decrypted with the configured keys. */
export class SecretDecryptionError extends Error {
  name = 'SecretDecryptionError';
}

/**
 * The id under which the deprecated single key `mec.hosts.encryptionKey`
 * encrypts when `mec.encryptionKeys` is not set.
 */
export const LEGACY_KEY_ID = 'legacy';

const VERSION = 'v2';
const IV_BYTES = 12;
const MIN_PASSPHRASE_LENGTH = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
// Fixed salts: a key must derive the same on every replica and restart.
const KDF = {
  hkdfInfo: 'helmmec secrets v2',
  scryptSalt: 'helmmec-secrets-v2',
};
// Version 1 (edge host credentials before key ids) derived its key thus.
const KDF_V1 = {
  hkdfInfo: 'helmmec edge host credentials v1',
  scryptSalt: 'helmmec-edge-hosts-v1',
};

function deriveKey(setting: string, secret: string, kdf: typeof KDF): Buffer {
  const trimmed = secret.trim();
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)
    ? Buffer.from(trimmed, 'base64')
    : undefined;
  if (decoded && decoded.length >= 32) {
    return Buffer.from(
      hkdfSync('sha256', decoded, Buffer.alloc(0), kdf.hkdfInfo, 32),
    );
  }
  if (trimmed.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(
      `${setting} is too short: give 32 random bytes in base64 (openssl rand -base64 32) or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return scryptSync(trimmed, kdf.scryptSalt, 32);
}

interface KeyEntry {
  id: string;
  /** Where it was configured, for messages. */
  setting: string;
  secret: string;
  key: Buffer;
  /** The version 1 derivation, computed on first use (scrypt is slow). */
  v1Key?: Buffer;
}

/**
 * Encrypts secrets at rest (edge host credentials, subscription
 * credentials, Helm values) with AES-256-GCM under keys that have ids:
 * the first key of `mec.encryptionKeys` encrypts, every listed key
 * decrypts, and each ciphertext names the id of its key
 * (`v2.<keyId>.<iv>.<tag>.<ciphertext>`), so keys can be rotated.
 *
 * Each ciphertext is bound to a context (which row and column it belongs
 * to, authenticated with it), so a value copied into another row does not
 * decrypt. Callers give strings; JSON is theirs to encode.
 */
export class SecretCipher {
  /**
   * The keys of `mec.encryptionKeys`, with the deprecated
   * `mec.hosts.encryptionKey` after them (or alone, as key id `legacy`);
   * undefined when neither is set. Throws on a short key or a repeated id.
   */
  static fromConfig(config: Config): SecretCipher | undefined {
    const keys: Array<EncryptionKey & { setting: string }> = (
      config.getOptionalConfigArray('mec.encryptionKeys') ?? []
    ).map((entry, index) => ({
      id: entry.getString('id'),
      secret: entry.getString('secret'),
      setting: `mec.encryptionKeys[${index}]`,
    }));
    const legacy = config.getOptionalString('mec.hosts.encryptionKey');
    if (legacy !== undefined) {
      keys.push({
        id: LEGACY_KEY_ID,
        secret: legacy,
        setting: 'mec.hosts.encryptionKey',
      });
    }
    return keys.length ? new SecretCipher(keys) : undefined;
  }

  /**
   * A cipher of these keys; the first encrypts. `setting` names where a
   * key comes from, in messages.
   */
  static fromKeys(
    keys: Array<EncryptionKey & { setting?: string }>,
  ): SecretCipher {
    return new SecretCipher(
      keys.map((k, index) => ({
        ...k,
        setting: k.setting ?? `mec.encryptionKeys[${index}]`,
      })),
    );
  }

  private readonly keys: KeyEntry[];

  private constructor(keys: Array<EncryptionKey & { setting: string }>) {
    if (keys.length === 0) {
      throw new Error('At least one encryption key is required');
    }
    const seen = new Set<string>();
    this.keys = keys.map(({ id, secret, setting }) => {
      if (!KEY_ID.test(id)) {
        throw new Error(
          `${setting}.id '${id}' is not a key id: use 1 to 64 letters, digits, '-' or '_'`,
        );
      }
      if (seen.has(id)) {
        throw new Error(`${setting}.id '${id}' is given twice`);
      }
      seen.add(id);
      return { id, setting, secret, key: deriveKey(setting, secret, KDF) };
    });
  }

  /** The id of the key that encrypts (the first). */
  get primaryKeyId(): string {
    return this.keys[0].id;
  }

  /** Whether a stored value is a ciphertext (of any version) rather than plaintext. */
  static isEncrypted(value: string): boolean {
    return /^v[12]\./.test(value);
  }

  /**
   * The id of the key a ciphertext was made with; undefined for a version 1
   * ciphertext (edge host credentials stored before keys had ids).
   */
  static keyIdOf(ciphertext: string): string | undefined {
    return ciphertext.startsWith(`${VERSION}.`)
      ? ciphertext.split('.')[1]
      : undefined;
  }

  /** Whether a ciphertext is under the first key already. */
  isCurrent(ciphertext: string): boolean {
    return SecretCipher.keyIdOf(ciphertext) === this.primaryKeyId;
  }

  /** Encrypts `plaintext` under the first key, bound to `context`. */
  encrypt(context: string, plaintext: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
    ]);
    return [
      VERSION,
      id,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join('.');
  }

  /**
   * Decrypts a ciphertext of {@link SecretCipher.encrypt} (or of version 1)
   * made for `context`. Throws SecretDecryptionError naming `what`.
   */
  decrypt(
    context: string,
    ciphertext: string,
    what = 'a stored secret',
  ): string {
    const parts = ciphertext.split('.');
    if (parts[0] === 'v1' && parts.length === 4) {
      return this.decryptV1(context, parts, what);
    }
    const [version, keyId, iv, tag, data] = parts;
    if (version !== VERSION || parts.length !== 5) {
      throw new SecretDecryptionError(`${what} has an unknown format`);
    }
    const entry = this.keys.find(k => k.id === keyId);
    if (!entry) {
      throw new SecretDecryptionError(
        `${what} was encrypted with key '${keyId}', which mec.encryptionKeys does not list`,
      );
    }
    const plain = open(entry.key, context, iv, tag, data);
    if (plain === undefined) {
      throw new SecretDecryptionError(
        `${entry.setting} cannot decrypt ${what} (key '${keyId}'): the key differs from the one it was encrypted with`,
      );
    }
    return plain;
  }

  /**
   * The ciphertext re-encrypted under the first key, or undefined when it
   * is under that key already.
   */
  reencrypt(
    context: string,
    ciphertext: string,
    what?: string,
  ): string | undefined {
    if (this.isCurrent(ciphertext)) return undefined;
    return this.encrypt(context, this.decrypt(context, ciphertext, what));
  }

  /**
   * Version 1 ciphertexts name no key: they were made with
   * `mec.hosts.encryptionKey`. Tried with that key first, then with every
   * other key, for an operator who moved it into `mec.encryptionKeys`.
   */
  private decryptV1(context: string, parts: string[], what: string): string {
    const [, iv, tag, data] = parts;
    const ordered = [
      ...this.keys.filter(k => k.id === LEGACY_KEY_ID),
      ...this.keys.filter(k => k.id !== LEGACY_KEY_ID),
    ];
    for (const entry of ordered) {
      entry.v1Key ??= deriveKey(entry.setting, entry.secret, KDF_V1);
      const plain = open(entry.v1Key, context, iv, tag, data);
      if (plain !== undefined) return plain;
    }
    throw new SecretDecryptionError(
      `No configured key decrypts ${what} (stored before keys had ids, under mec.hosts.encryptionKey): the key differs from the one it was encrypted with`,
    );
  }
}

/** AES-256-GCM decryption; undefined when the key or context is wrong. */
function open(
  key: Buffer,
  context: string,
  iv: string,
  tag: string,
  data: string,
): string | undefined {
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      key,
      Buffer.from(iv, 'base64'),
    );
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * A value for a secrets column: encrypted when a cipher is configured, in
 * clear otherwise (only under development: production refuses to start
 * without a key).
 */
export function sealSecret(
  cipher: SecretCipher | undefined,
  context: string,
  plaintext: string,
): string {
  return cipher ? cipher.encrypt(context, plaintext) : plaintext;
}

/**
 * The plaintext of a secrets column: a value in clear (stored without a
 * key, or before encryption) as it is, a ciphertext decrypted.
 */
export function openSecret(
  cipher: SecretCipher | undefined,
  context: string,
  stored: string,
  what: string,
): string {
  if (!SecretCipher.isEncrypted(stored)) return stored;
  if (!cipher) {
    throw new SecretDecryptionError(
      `${what} is encrypted, but mec.encryptionKeys is not configured`,
    );
  }
  return cipher.decrypt(context, stored, what);
}
