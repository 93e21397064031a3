import type { SecretDecoder } from '../config/config-resolver.js';
import { decryptValue, encryptValue, parseKey } from './cipher-value.js';

/** Encrypts and decrypts `{cipher}` values under the server's key. */
export interface SecretBox {
  /** Undefined when no key is configured: `{cipher}` values are then rejected. */
  decode: SecretDecoder | undefined;
  /** `plain` → `{cipher}…`; undefined when no key is configured. */
  encrypt: ((plain: string) => string) | undefined;
}

/**
 * Builds the secret box from `HOTCONF_ENCRYPT_KEY` (base64 of 32 bytes). A decode failure
 * throws a sentence naming the key path and file, never the ciphertext's content.
 * @throws TypeError when the key is not base64 of 32 bytes (a startup error).
 */
export function createSecretBox(key: string | undefined): SecretBox {
  if (key === undefined || key === '') return { decode: undefined, encrypt: undefined };
  const bytes = parseKey(key);
  return {
    encrypt: (plain) => encryptValue(bytes, plain),
    decode: (value, file, path) => {
      try {
        return decryptValue(bytes, value);
      } catch (error) {
        throw new Error(
          `\`${path}\` could not be decrypted: the {cipher} value ${(error as Error).message} (${file})`,
        );
      }
    },
  };
}
