import {
  constants,
  createCipheriv,
  createDecipheriv,
  pbkdf2Sync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { CipherError } from './cipher-value.js';

/**
 * Spring's `{cipher}` formats (DESIGN §2a), written from the documented algorithms of
 * Spring Security's `Encryptors.standard/stronger` (AesBytesEncryptor) and
 * `RsaSecretEncryptor`, which Spring Cloud Config's server uses for `encrypt.key` and for
 * RSA keys: AES-256 under a PBKDF2WithHmacSHA1 key (1024 iterations, salt hex-decoded),
 * a 16-byte random IV written before the ciphertext; CBC with PKCS#5 padding ("standard",
 * what `Encryptors.text` and a symmetric `encrypt.key` use) or GCM with a 128-bit tag
 * ("stronger", `encrypt.rsa.strong`).
 */

/** Spring's default `encrypt.salt` and `encrypt.rsa.salt`. */
export const SPRING_DEFAULT_SALT = 'deadbeef';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const IV_BYTES = 16;

/** True when `text` is what Spring's Hex.decode accepts (an even run of hex digits). */
export function isHex(text: string): boolean {
  return HEX.test(text);
}

/** The AES key Spring derives from a password and a hex salt. */
export function springAesKey(password: string, saltHex: string): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(saltHex, 'hex'), 1024, 32, 'sha1');
}

/** AES-CBC ("standard"): iv(16) | ciphertext. */
export function aesCbcEncrypt(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
}

function aesCbcDecrypt(key: Buffer, data: Buffer): Buffer {
  if (data.length < IV_BYTES * 2 || data.length % IV_BYTES !== 0)
    throw new CipherError('is not the length of an AES-CBC value');
  const decipher = createDecipheriv('aes-256-cbc', key, data.subarray(0, IV_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES)), decipher.final()]);
  } catch {
    throw new CipherError('was altered or encrypted under another key');
  }
}

function aesGcmDecrypt(key: Buffer, data: Buffer): Buffer {
  if (data.length < IV_BYTES + 16) throw new CipherError('is too short to be an AES-GCM value');
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, -16)), decipher.final()]);
  } catch {
    throw new CipherError('was altered or encrypted under another key');
  }
}

/** A symmetric Spring key: `encrypt.key` and `encrypt.salt` (which must be hex, as in Spring). */
export class SpringTextCipher {
  private readonly key: Buffer;

  /** @throws TypeError when the salt is not hex (Spring refuses it too). */
  constructor(password: string, salt: string = SPRING_DEFAULT_SALT) {
    if (!isHex(salt))
      throw new TypeError('HOTCONF_SPRING_ENCRYPT_SALT must be hex (Spring default: deadbeef)');
    // Derived once: PBKDF2 per value would cost a millisecond each.
    this.key = springAesKey(password, salt);
  }

  /** Hex of iv | AES-CBC ciphertext, as Spring's `Encryptors.text(key, salt).encrypt` writes. */
  encrypt(plain: string): string {
    return aesCbcEncrypt(this.key, Buffer.from(plain, 'utf8')).toString('hex');
  }

  /** @throws CipherError when the value is not hex or not under this key. */
  decrypt(hex: string): string {
    const trimmed = hex.trim();
    if (!isHex(trimmed)) throw new CipherError('is not hex, as a Spring symmetric value is');
    return aesCbcDecrypt(this.key, Buffer.from(trimmed, 'hex')).toString('utf8');
  }
}

/** Spring's RSA salt rule: a hex salt is used as is, anything else as the hex of its bytes. */
function rsaSaltHex(salt: string): string {
  return isHex(salt) ? salt : Buffer.from(salt, 'utf8').toString('hex');
}

/**
 * Undoes PKCS#1 v1.5 encryption padding (00 02 PS 00 M) of a raw RSA block. Node 20
 * refuses RSA_PKCS1_PADDING for private decryption, so the block is opened without
 * padding and checked here. The only message is "cannot be opened", whatever failed.
 */
function unpadPkcs1(block: Buffer): Buffer {
  let ok = block.length > 11 && block[0] === 0 && block[1] === 2;
  const zero = block.indexOf(0, 2);
  ok = ok && zero >= 10;
  if (!ok) throw new CipherError('cannot be opened with this RSA key');
  return block.subarray(zero + 1);
}

/** An RSA private key and Spring's `encrypt.rsa.salt`: `RsaSecretEncryptor`'s format. */
export class SpringRsaCipher {
  private readonly salt: string;

  constructor(
    private readonly key: KeyObject,
    salt: string = SPRING_DEFAULT_SALT,
  ) {
    this.salt = rsaSaltHex(salt);
  }

  /**
   * Base64 of: length (2 bytes, big-endian) | RSA(PKCS#1 v1.5) of 16 random bytes | AES
   * under the password hex(random) — CBC, or GCM when `strong` (`encrypt.rsa.strong`).
   */
  encrypt(plain: string, strong = false): string {
    const random = randomBytes(16);
    const secret = publicEncrypt({ key: this.key, padding: constants.RSA_PKCS1_PADDING }, random);
    const aesKey = springAesKey(random.toString('hex'), this.salt);
    let body: Buffer;
    if (strong) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      body = Buffer.concat([iv, ct, cipher.getAuthTag()]);
    } else body = aesCbcEncrypt(aesKey, Buffer.from(plain, 'utf8'));
    const length = Buffer.alloc(2);
    length.writeUInt16BE(secret.length);
    return Buffer.concat([length, secret, body]).toString('base64');
  }

  /** Opens a value in either mode (GCM is tried first: it authenticates). */
  decrypt(base64: string): string {
    const trimmed = base64.trim();
    if (!BASE64.test(trimmed)) throw new CipherError('is not base64, as a Spring RSA value is');
    const raw = Buffer.from(trimmed, 'base64');
    const length = raw.length >= 2 ? raw.readUInt16BE(0) : 0;
    if (length === 0 || raw.length < 2 + length + IV_BYTES)
      throw new CipherError('is too short to be a Spring RSA value');
    let random: Buffer;
    try {
      const block = privateDecrypt(
        { key: this.key, padding: constants.RSA_NO_PADDING },
        raw.subarray(2, 2 + length),
      );
      random = unpadPkcs1(block);
    } catch (error) {
      if (error instanceof CipherError) throw error;
      throw new CipherError('cannot be opened with this RSA key');
    }
    const aesKey = springAesKey(random.toString('hex'), this.salt);
    const body = raw.subarray(2 + length);
    try {
      return aesGcmDecrypt(aesKey, body).toString('utf8');
    } catch {
      return aesCbcDecrypt(aesKey, body).toString('utf8');
    }
  }
}
