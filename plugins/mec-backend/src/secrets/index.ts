export {
  LEGACY_KEY_ID,
  openSecret,
  sealSecret,
  SecretCipher,
  SecretDecryptionError,
  type EncryptionKey,
} from './SecretCipher';
export { reencryptColumn, type ReencryptScope } from './reencryptColumn';
