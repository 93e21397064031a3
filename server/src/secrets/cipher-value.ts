import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Prefix of an encrypted config value. */
export const CIPHER_PREFIX = '{cipher}';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A ciphertext that cannot be opened; the message never holds key or plaintext. */
export class CipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CipherError';
  }
}

/**
 * Parses `HOTCONF_ENCRYPT_KEY`: base64 of exactly 32 bytes.
 * @throws TypeError naming the variable and the length found, never the key.
 */
export function parseKey(encoded: string): Buffer {
  const trimmed = encoded.trim();
  if (!BASE64.test(trimmed))
    throw new TypeError(
      'HOTCONF_ENCRYPT_KEY must be base64 (of 32 random bytes: openssl rand -base64 32)',
    );
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new TypeError(
      `HOTCONF_ENCRYPT_KEY must be the base64 of 32 bytes, got ${key.length} bytes (openssl rand -base64 32)`,
    );
  }
  return key;
}

/** What precedes the base64 of a value bound to a service: `{service:orders}`. */
export const SERVICE_PREFIX = /^\{service:([a-z0-9][a-z0-9_.-]{0,63})\}/;

/**
 * The authenticated associated data of a value bound to `service` (DESIGN §7): GCM
 * refuses the value under any other service name, and an edited `{service:…}` prefix
 * changes the data, so a bound value can neither be moved nor relabelled.
 */
function aadOf(service: string): Buffer {
  return Buffer.from(`hotconf:service:${service}`, 'utf8');
}

/**
 * AES-256-GCM: `{cipher}` + base64(iv(12) | ciphertext | tag(16)), a fresh random iv each
 * time. With `service`, the value is bound to it: `{cipher}{service:orders}` + base64, the
 * service name authenticated as associated data.
 */
export function encryptValue(key: Buffer, plain: string, service?: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (service !== undefined) cipher.setAAD(aadOf(service));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const bound = service === undefined ? '' : `{service:${service}}`;
  return CIPHER_PREFIX + bound + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/**
 * Opens what follows `{cipher}` (and `{service:…}` for a bound value, whose service is
 * then given as `service`).
 * @throws CipherError when it is not base64, too short, altered, or under another key.
 */
export function decryptValue(key: Buffer, encoded: string, service?: string): string {
  const trimmed = encoded.trim();
  if (!BASE64.test(trimmed)) throw new CipherError('is not base64');
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES)
    throw new CipherError('is too short to be an AES-256-GCM value');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  if (service !== undefined) decipher.setAAD(aadOf(service));
  try {
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    // GCM authenticates before releasing anything: nothing of the plaintext was produced.
    throw new CipherError('was altered or encrypted under another key');
  }
}
