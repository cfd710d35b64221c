import { randomBytes } from 'node:crypto';
import {
  CredentialCipher,
  CredentialDecryptionError,
} from './CredentialCipher';

describe('CredentialCipher', () => {
  const credential = {
    type: 'serviceAccountToken' as const,
    token: 'eyJhbGciOi.secret-token-value',
  };

  it('round-trips a credential without the plaintext in the ciphertext', () => {
    const cipher = CredentialCipher.fromKey(randomBytes(32).toString('base64'));
    const encrypted = cipher.encrypt('edge-1', credential);
    expect(encrypted).not.toContain(credential.token);
    expect(encrypted).not.toContain('secret');
    expect(cipher.decrypt('edge-1', encrypted)).toEqual(credential);
    // A fresh IV each time.
    expect(cipher.encrypt('edge-1', credential)).not.toBe(encrypted);
  });

  it('takes a passphrase and derives the same key every time', () => {
    const a = CredentialCipher.fromKey('correct horse battery staple');
    const b = CredentialCipher.fromKey('correct horse battery staple');
    expect(b.decrypt('edge-1', a.encrypt('edge-1', credential))).toEqual(
      credential,
    );
  });

  it('fails clearly with a wrong key, naming the host', () => {
    const encrypted = CredentialCipher.fromKey(
      'the first passphrase of the test',
    ).encrypt('edge-1', credential);
    const wrong = CredentialCipher.fromKey('another passphrase, not the first');
    expect(() => wrong.decrypt('edge-1', encrypted)).toThrow(
      CredentialDecryptionError,
    );
    expect(() => wrong.decrypt('edge-1', encrypted)).toThrow(
      /mec.hosts.encryptionKey cannot decrypt the stored credential of edge host 'edge-1'/,
    );
  });

  it("does not decrypt a ciphertext moved to another host's row", () => {
    const cipher = CredentialCipher.fromKey('a passphrase for moving rows');
    const encrypted = cipher.encrypt('edge-1', credential);
    expect(() => cipher.decrypt('edge-2', encrypted)).toThrow(
      CredentialDecryptionError,
    );
  });

  it('writes key ids: version 2 under the legacy key', () => {
    const cipher = CredentialCipher.fromKey('a passphrase for key ids here');
    expect(cipher.encrypt('edge-1', credential)).toMatch(/^v2\.legacy\./);
  });

  it('refuses a short key', () => {
    expect(() => CredentialCipher.fromKey('short')).toThrow(/too short/);
  });
});
