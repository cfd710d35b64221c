import { ConfigReader } from '@backstage/config';
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import {
  LEGACY_KEY_ID,
  openSecret,
  sealSecret,
  SecretCipher,
  SecretDecryptionError,
} from './SecretCipher';

const OLD = { id: 'k2026-01', secret: 'the old passphrase of the tests' };
const NEW = { id: 'k2026-12', secret: randomBytes(32).toString('base64') };

/** A ciphertext as CredentialCipher wrote it before keys had ids. */
function v1Ciphertext(passphrase: string, context: string, plain: string) {
  const key = scryptSync(passphrase, 'helmmec-edge-hosts-v1', 32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    data.toString('base64'),
  ].join('.');
}

describe('SecretCipher', () => {
  it('encrypts under the first key, naming its id, with a fresh IV each time', () => {
    const cipher = SecretCipher.fromKeys([NEW, OLD]);
    const sealed = cipher.encrypt('row-1', 'hunter2-password');
    expect(sealed).toMatch(/^v2\.k2026-12\./);
    expect(sealed).not.toContain('hunter2');
    expect(SecretCipher.keyIdOf(sealed)).toBe('k2026-12');
    expect(cipher.isCurrent(sealed)).toBe(true);
    expect(cipher.decrypt('row-1', sealed)).toBe('hunter2-password');
    expect(cipher.encrypt('row-1', 'hunter2-password')).not.toBe(sealed);
  });

  it('decrypts with every listed key, and re-encrypts under the first', () => {
    const before = SecretCipher.fromKeys([OLD]).encrypt('row-1', 'value');
    const rotated = SecretCipher.fromKeys([NEW, OLD]);
    expect(rotated.isCurrent(before)).toBe(false);
    expect(rotated.decrypt('row-1', before)).toBe('value');
    const after = rotated.reencrypt('row-1', before)!;
    expect(SecretCipher.keyIdOf(after)).toBe(NEW.id);
    expect(rotated.reencrypt('row-1', after)).toBeUndefined();
    // Once rotated, the old key is no longer needed.
    expect(SecretCipher.fromKeys([NEW]).decrypt('row-1', after)).toBe('value');
  });

  it('names a key id that config no longer lists', () => {
    const sealed = SecretCipher.fromKeys([OLD]).encrypt('row-1', 'value');
    expect(() =>
      SecretCipher.fromKeys([NEW]).decrypt('row-1', sealed, 'the secret'),
    ).toThrow(
      /the secret was encrypted with key 'k2026-01', which mec.encryptionKeys does not list/,
    );
  });

  it('fails clearly when a key of the same id differs', () => {
    const sealed = SecretCipher.fromKeys([OLD]).encrypt('row-1', 'value');
    const wrong = SecretCipher.fromKeys([
      { id: OLD.id, secret: 'another passphrase entirely' },
    ]);
    expect(() => wrong.decrypt('row-1', sealed, 'the secret')).toThrow(
      SecretDecryptionError,
    );
    expect(() => wrong.decrypt('row-1', sealed, 'the secret')).toThrow(
      /mec.encryptionKeys\[0\] cannot decrypt the secret \(key 'k2026-01'\)/,
    );
  });

  it('does not decrypt a ciphertext moved to another context', () => {
    const cipher = SecretCipher.fromKeys([NEW]);
    const sealed = cipher.encrypt('row-1', 'value');
    expect(() => cipher.decrypt('row-2', sealed)).toThrow(
      SecretDecryptionError,
    );
  });

  it('decrypts version 1 ciphertexts with the legacy key, wherever it is configured', () => {
    const v1 = v1Ciphertext(OLD.secret, 'edge-host:e1', '{"token":"t"}');
    const legacyOnly = SecretCipher.fromConfig(
      new ConfigReader({ mec: { hosts: { encryptionKey: OLD.secret } } }),
    )!;
    expect(legacyOnly.primaryKeyId).toBe(LEGACY_KEY_ID);
    expect(legacyOnly.decrypt('edge-host:e1', v1)).toBe('{"token":"t"}');
    expect(SecretCipher.keyIdOf(v1)).toBeUndefined();
    expect(legacyOnly.isCurrent(v1)).toBe(false);

    // Keys listed first, the legacy one after them, still decrypting.
    const both = SecretCipher.fromConfig(
      new ConfigReader({
        mec: {
          encryptionKeys: [NEW],
          hosts: { encryptionKey: OLD.secret },
        },
      }),
    )!;
    expect(both.primaryKeyId).toBe(NEW.id);
    expect(both.decrypt('edge-host:e1', v1)).toBe('{"token":"t"}');
    expect(SecretCipher.keyIdOf(both.reencrypt('edge-host:e1', v1)!)).toBe(
      NEW.id,
    );

    // The old key moved into mec.encryptionKeys under an id of its own.
    const moved = SecretCipher.fromKeys([NEW, OLD]);
    expect(moved.decrypt('edge-host:e1', v1)).toBe('{"token":"t"}');
    expect(() =>
      SecretCipher.fromKeys([NEW]).decrypt('edge-host:e1', v1, 'the host'),
    ).toThrow(/No configured key decrypts the host/);
  });

  it('reads keys from config, or none', () => {
    expect(SecretCipher.fromConfig(new ConfigReader({}))).toBeUndefined();
    const cipher = SecretCipher.fromConfig(
      new ConfigReader({ mec: { encryptionKeys: [NEW, OLD] } }),
    )!;
    expect(cipher.primaryKeyId).toBe(NEW.id);
  });

  it('refuses short keys, bad ids and repeated ids, naming the setting', () => {
    expect(() =>
      SecretCipher.fromConfig(
        new ConfigReader({
          mec: { encryptionKeys: [NEW, { id: 'k2', secret: 'short' }] },
        }),
      ),
    ).toThrow(/mec.encryptionKeys\[1\] is too short/);
    expect(() =>
      SecretCipher.fromConfig(
        new ConfigReader({ mec: { hosts: { encryptionKey: 'short' } } }),
      ),
    ).toThrow(/mec.hosts.encryptionKey is too short/);
    expect(() =>
      SecretCipher.fromKeys([{ id: 'a.b', secret: NEW.secret }]),
    ).toThrow(/is not a key id/);
    expect(() => SecretCipher.fromKeys([NEW, NEW])).toThrow(/given twice/);
    expect(() =>
      SecretCipher.fromConfig(
        new ConfigReader({
          mec: {
            encryptionKeys: [{ id: LEGACY_KEY_ID, secret: NEW.secret }],
            hosts: { encryptionKey: OLD.secret },
          },
        }),
      ),
    ).toThrow(/'legacy' is given twice/);
  });

  it('leaves values in clear without a cipher, and reads both forms', () => {
    const cipher = SecretCipher.fromKeys([NEW]);
    expect(sealSecret(undefined, 'c', '{"a":1}')).toBe('{"a":1}');
    const sealed = sealSecret(cipher, 'c', '{"a":1}');
    expect(SecretCipher.isEncrypted(sealed)).toBe(true);
    expect(openSecret(cipher, 'c', sealed, 'x')).toBe('{"a":1}');
    expect(openSecret(cipher, 'c', '{"a":1}', 'x')).toBe('{"a":1}');
    expect(() => openSecret(undefined, 'c', sealed, 'the values')).toThrow(
      /the values is encrypted, but mec.encryptionKeys is not configured/,
    );
  });
});
