import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CIPHER_PREFIX,
  CipherError,
  decryptValue,
  encryptValue,
  parseKey,
  SERVICE_PREFIX,
} from './cipher-value.js';
import { SpringRsaCipher, SpringTextCipher, SPRING_DEFAULT_SALT } from './spring-cipher.js';

/** Where a secret sits, for a bound value's check and for messages. */
export interface SecretSite {
  file: string;
  /** Dotted key. */
  path: string;
  /** The service whose document is being resolved. */
  service: string;
}

/** The keys a server holds (DESIGN §9). */
export interface SecretBoxOptions {
  /** `HOTCONF_ENCRYPT_KEY`: base64 of 32 bytes. */
  encryptKey?: string | undefined;
  /** `HOTCONF_SPRING_ENCRYPT_KEY`: Spring's `encrypt.key` (a password, or a PEM RSA key). */
  springEncryptKey?: string | undefined;
  /** `HOTCONF_SPRING_ENCRYPT_SALT`: Spring's `encrypt.salt`, hex. Default `deadbeef`. */
  springEncryptSalt?: string | undefined;
  /** `HOTCONF_SPRING_RSA_SALT`: Spring's `encrypt.rsa.salt`. Default `deadbeef`. */
  springRsaSalt?: string | undefined;
  /** `HOTCONF_SPRING_KEYS_DIR`: PKCS#1 PEM private keys `{alias}.pem`. */
  springKeysDir?: string | undefined;
}

/** Spring's own encryptor, for `POST /encrypt` and `/decrypt`. */
export interface SpringEncryptor {
  encrypt(plain: string): string;
  /** @throws CipherError when the text is not under this key. */
  decrypt(text: string): string;
}

/** Encrypts and decrypts `{cipher}` values under the server's keys. */
export interface SecretBox {
  /** True for a value that must be decrypted: `{cipher}…`. */
  isSecret(value: string): boolean;
  /**
   * The clear value of a `{cipher}…` string at `site`.
   * @throws Error whose message says why, naming the key alias, never the value or a key.
   */
  decode(value: string, site: SecretSite): string;
  /** `plain` → `{cipher}…` (bound to `service` when given); undefined without HOTCONF_ENCRYPT_KEY. */
  encrypt: ((plain: string, service?: string) => string) | undefined;
  /** Spring's symmetric (or PEM) `encrypt.key`; undefined when none is set. */
  spring: SpringEncryptor | undefined;
  /** True when HOTCONF_SPRING_KEYS_DIR held at least one key. */
  hasSpringKeys: boolean;
  /** Spring's RSA key `{alias}.pem`; undefined when there is none. */
  springKey(alias: string): SpringEncryptor | undefined;
  /**
   * Opens any `{cipher}` body (what follows `{cipher}`), bound or not, for an admin's
   * `POST /decrypt`. @throws Error when no key opens it.
   */
  decryptAny(body: string): string;
}

/** `{key:alias}` and `{secret:…}` (Spring's EnvironmentPrefixHelper) before a Spring value. */
const SPRING_PREFIX = /^\{(key|secret):([^}]*)\}/;

const PEM = /^-----BEGIN (RSA )?PRIVATE KEY-----/;

/** Reads `{alias}.pem` files; a key that cannot be parsed is a startup error naming the alias. */
function loadKeys(dir: string | undefined, salt: string): Map<string, SpringRsaCipher> {
  const keys = new Map<string, SpringRsaCipher>();
  if (!dir) return keys;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pem'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new TypeError(`HOTCONF_SPRING_KEYS_DIR cannot be read (${code})`);
  }
  for (const name of names) {
    const alias = name.slice(0, -4);
    try {
      keys.set(
        alias,
        new SpringRsaCipher(createPrivateKey(readFileSync(path.join(dir, name))), salt),
      );
    } catch {
      throw new TypeError(
        `HOTCONF_SPRING_KEYS_DIR: ${name} is not a PEM RSA private key (key alias ${alias})`,
      );
    }
  }
  return keys;
}

/** Spring's `encrypt.key`: a PEM RSA key, or a password for `Encryptors.text`. */
function springDefault(options: SecretBoxOptions): SpringEncryptor | undefined {
  const key = options.springEncryptKey;
  if (!key) return undefined;
  if (PEM.test(key.trim())) {
    try {
      return new SpringRsaCipher(
        createPrivateKey(key),
        options.springRsaSalt ?? SPRING_DEFAULT_SALT,
      );
    } catch {
      throw new TypeError(
        'HOTCONF_SPRING_ENCRYPT_KEY looks like PEM but is not an RSA private key',
      );
    }
  }
  return new SpringTextCipher(key, options.springEncryptSalt || SPRING_DEFAULT_SALT);
}

/**
 * Builds the secret box (DESIGN §2, §2a, §7). A value is opened as:
 * `{cipher}{service:s}…` — hotconf's AES-GCM bound to service `s`, only in `s`'s documents;
 * `{cipher}{key:alias}…` — Spring's RSA format under `{alias}.pem`;
 * `{cipher}…` — hotconf's unbound AES-GCM, else Spring's `encrypt.key`.
 * @throws TypeError on an unusable key (a startup error naming the setting, never the key).
 */
export function createSecretBox(options: SecretBoxOptions = {}): SecretBox {
  const native = options.encryptKey ? parseKey(options.encryptKey) : undefined;
  const spring = springDefault(options);
  const rsa = loadKeys(options.springKeysDir, options.springRsaSalt || SPRING_DEFAULT_SALT);

  const open = (body: string, site: SecretSite): string => {
    const bound = SERVICE_PREFIX.exec(body);
    if (bound) {
      const owner = bound[1] as string;
      if (owner !== site.service)
        throw new CipherError(
          `is encrypted for service ${owner} and decrypts only in ${owner}'s documents, not in ${site.service}'s`,
        );
      if (!native) throw new CipherError('is encrypted but the server has no HOTCONF_ENCRYPT_KEY');
      return decryptValue(native, body.slice(bound[0].length), owner);
    }
    let rest = body;
    let alias: string | undefined;
    for (let m = SPRING_PREFIX.exec(rest); m; m = SPRING_PREFIX.exec(rest)) {
      // `{secret:…}` is a keystore password; PEM keys need none, so it is skipped.
      if (m[1] === 'key') alias = m[2];
      rest = rest.slice(m[0].length);
    }
    if (alias !== undefined) {
      const key = rsa.get(alias);
      if (!key)
        throw new CipherError(
          `names key alias ${alias}, but ${options.springKeysDir ? `HOTCONF_SPRING_KEYS_DIR has no ${alias}.pem` : 'HOTCONF_SPRING_KEYS_DIR is not set'}`,
        );
      try {
        return key.decrypt(rest);
      } catch (error) {
        throw new CipherError(`${(error as Error).message} (key alias ${alias})`);
      }
    }
    if (!native && !spring)
      throw new CipherError(
        'is encrypted but the server has no HOTCONF_ENCRYPT_KEY or HOTCONF_SPRING_ENCRYPT_KEY',
      );
    let failure: CipherError | undefined;
    if (native) {
      try {
        return decryptValue(native, rest);
      } catch (error) {
        failure = error as CipherError;
      }
    }
    if (spring) {
      try {
        return spring.decrypt(rest);
      } catch (error) {
        // Under both keys: the native reason is the clearer one when it is a native value.
        failure ??= error as CipherError;
        if (!native) failure = error as CipherError;
      }
    }
    throw failure as CipherError;
  };

  return {
    hasSpringKeys: rsa.size > 0,
    springKey: (alias) => rsa.get(alias),
    decryptAny: (body) => {
      const bound = SERVICE_PREFIX.exec(body)?.[1];
      return open(body, { file: '', path: '', service: bound ?? '' });
    },
    isSecret: (value) => value.startsWith(CIPHER_PREFIX),
    decode: (value, site) => {
      try {
        return open(value.slice(CIPHER_PREFIX.length), site);
      } catch (error) {
        if (!(error instanceof CipherError)) throw new Error('could not be decrypted');
        throw new Error(`the {cipher} value ${error.message}`);
      }
    },
    encrypt: native && ((plain, service) => encryptValue(native, plain, service)),
    spring,
  };
}
