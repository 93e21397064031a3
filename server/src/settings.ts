import os from 'node:os';
import { checkLabel } from './config/names.js';
import { parseSpringBusUrl } from './spring-bus/spring-bus-url.js';
import { parseRetention } from './fleet/retention.js';
import { isValidReplicaId } from './replica-id.js';
import { SearchPath } from './config/search-paths.js';

/**
 * Everything `hotconf serve` can be told, from `HOTCONF_*` variables or the matching
 * flags (DESIGN §9). `createServer` takes this shape; `loadSettings` builds it.
 */
export interface Settings {
  /** Local path or remote URL (https, ssh, git@, file://). Default `./config-repo`. */
  repo: string;
  /** Folder inside the repository holding config files. Default: the root, or the folder `repo` names. */
  searchPath: string | undefined;
  /** Label served when a request names none. Default: the repository's default branch. */
  label: string | undefined;
  /** Where remote repositories are cloned. Default `./.hotconf`. */
  cacheDir: string;
  /** Seconds between fetches of a remote. Default 10. */
  pollInterval: number;
  /** Listen address. Default `127.0.0.1`. */
  host: string;
  /** Listen port; 0 picks a free one. Default 8888. */
  port: number;
  /** YAML token file (DESIGN §7); none means open mode. */
  tokensFile: string | undefined;
  /** Base64 of a 32-byte AES key for `{cipher}` values. */
  encryptKey: string | undefined;
  /** HMAC secret / token for `/v1/webhook`. */
  webhookSecret: string | undefined;
  /** A service without a schema is a rejection. Default false. */
  requireSchema: boolean;
  /** `redis://…` for replicas kept in step (DESIGN §8). */
  busUrl: string | undefined;
  /** Names this replica in logs, metrics and status. Default the host name. */
  replicaId: string;
  /** pino level. Default `info`. */
  logLevel: string;
  /** Binding a non-loopback address without tokens needs this. Default false. */
  allowOpen: boolean;
  /** Seconds between WebSocket pings; a peer silent for two is dropped. Default 30. */
  pingInterval: number;
  /** A config file larger than this many bytes is a rejection (DESIGN §3). Default 5 MB. */
  maxFileBytes: number;
  /** A document whose merged JSON is larger than this many bytes is a rejection. Default 10 MB. */
  maxDocumentBytes: number;
  /** `amqp://…` of Spring Cloud Bus's RabbitMQ: published changes are announced there (DESIGN §8). */
  springBusUrl: string | undefined;
  /** How long an offline instance stays in the fleet view (`30m`, `24h`, `7d`, or seconds). Default `24h`. */
  fleetRetention: string;
  /** Bearer token `/metrics` requires; none means `/metrics` is open. */
  metricsToken: string | undefined;
  /** Spring's `encrypt.key` (a password, or a PEM RSA private key). */
  springEncryptKey: string | undefined;
  /** Spring's `encrypt.salt` (hex). Default `deadbeef`. */
  springEncryptSalt: string;
  /** Spring's `encrypt.rsa.salt`. Default `deadbeef`. */
  springRsaSalt: string;
  /** Folder of PEM private keys `{alias}.pem` for `{cipher}{key:alias}` values. */
  springKeysDir: string | undefined;
}

export const DEFAULT_SETTINGS: Settings = {
  repo: './config-repo',
  searchPath: undefined,
  label: undefined,
  cacheDir: './.hotconf',
  pollInterval: 10,
  host: '127.0.0.1',
  port: 8888,
  tokensFile: undefined,
  encryptKey: undefined,
  webhookSecret: undefined,
  requireSchema: false,
  busUrl: undefined,
  replicaId: os.hostname(),
  logLevel: 'info',
  allowOpen: false,
  pingInterval: 30,
  maxFileBytes: 5 * 1024 * 1024,
  maxDocumentBytes: 10 * 1024 * 1024,
  springBusUrl: undefined,
  fleetRetention: '24h',
  metricsToken: undefined,
  springEncryptKey: undefined,
  springEncryptSalt: 'deadbeef',
  springRsaSalt: 'deadbeef',
  springKeysDir: undefined,
};

type Kind = 'string' | 'number' | 'boolean' | 'bytes';

/** Each setting's environment variable, flag and type: the one table both sources read. */
const FIELDS: Record<keyof Settings, { env: string; flag: string; kind: Kind }> = {
  repo: { env: 'HOTCONF_REPO', flag: 'repo', kind: 'string' },
  searchPath: { env: 'HOTCONF_SEARCH_PATH', flag: 'search-path', kind: 'string' },
  label: { env: 'HOTCONF_LABEL', flag: 'label', kind: 'string' },
  cacheDir: { env: 'HOTCONF_CACHE_DIR', flag: 'cache-dir', kind: 'string' },
  pollInterval: { env: 'HOTCONF_POLL_INTERVAL', flag: 'poll-interval', kind: 'number' },
  host: { env: 'HOTCONF_HOST', flag: 'host', kind: 'string' },
  port: { env: 'HOTCONF_PORT', flag: 'port', kind: 'number' },
  tokensFile: { env: 'HOTCONF_TOKENS_FILE', flag: 'tokens-file', kind: 'string' },
  encryptKey: { env: 'HOTCONF_ENCRYPT_KEY', flag: 'encrypt-key', kind: 'string' },
  webhookSecret: { env: 'HOTCONF_WEBHOOK_SECRET', flag: 'webhook-secret', kind: 'string' },
  requireSchema: { env: 'HOTCONF_REQUIRE_SCHEMA', flag: 'require-schema', kind: 'boolean' },
  busUrl: { env: 'HOTCONF_BUS_URL', flag: 'bus-url', kind: 'string' },
  replicaId: { env: 'HOTCONF_REPLICA_ID', flag: 'replica-id', kind: 'string' },
  logLevel: { env: 'HOTCONF_LOG_LEVEL', flag: 'log-level', kind: 'string' },
  allowOpen: { env: 'HOTCONF_ALLOW_OPEN', flag: 'allow-open', kind: 'boolean' },
  pingInterval: { env: 'HOTCONF_PING_INTERVAL', flag: 'ping-interval', kind: 'number' },
  maxFileBytes: { env: 'HOTCONF_MAX_FILE_BYTES', flag: 'max-file-bytes', kind: 'bytes' },
  maxDocumentBytes: {
    env: 'HOTCONF_MAX_DOCUMENT_BYTES',
    flag: 'max-document-bytes',
    kind: 'bytes',
  },
  springBusUrl: { env: 'HOTCONF_SPRING_BUS_URL', flag: 'spring-bus-url', kind: 'string' },
  fleetRetention: { env: 'HOTCONF_FLEET_RETENTION', flag: 'fleet-retention', kind: 'string' },
  metricsToken: { env: 'HOTCONF_METRICS_TOKEN', flag: 'metrics-token', kind: 'string' },
  springEncryptKey: {
    env: 'HOTCONF_SPRING_ENCRYPT_KEY',
    flag: 'spring-encrypt-key',
    kind: 'string',
  },
  springEncryptSalt: {
    env: 'HOTCONF_SPRING_ENCRYPT_SALT',
    flag: 'spring-encrypt-salt',
    kind: 'string',
  },
  springRsaSalt: { env: 'HOTCONF_SPRING_RSA_SALT', flag: 'spring-rsa-salt', kind: 'string' },
  springKeysDir: { env: 'HOTCONF_SPRING_KEYS_DIR', flag: 'spring-keys-dir', kind: 'string' },
};

/** One row of the settings table, as `hotconf serve --help` lists it. */
export interface SettingHelp {
  flag: string;
  env: string;
  kind: Kind;
  /** The default as text; `undefined` when there is none. */
  default: string | undefined;
}

/** Every setting's flag, variable, type and default, in table order: help is generated, not copied. */
export function settingsHelp(): SettingHelp[] {
  return Object.entries(FIELDS).map(([key, field]) => {
    const value = DEFAULT_SETTINGS[key as keyof Settings];
    return { ...field, default: value === undefined ? undefined : String(value) };
  });
}

/** Flag names for `util.parseArgs`, all taking a value (`--require-schema true`). */
export const SETTING_FLAGS = Object.fromEntries(
  Object.values(FIELDS).map((f) => [f.flag, { type: 'string' as const }]),
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Binary multiples, as Spring's `DataSize` reads `5MB`. */
const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function parseValue(name: string, kind: Kind, raw: string): string | number | boolean {
  if (kind === 'string') return raw;
  if (kind === 'bytes') {
    const m = /^(\d+(?:\.\d+)?)\s*([kmg]?b)?$/i.exec(raw.trim());
    const unit = BYTE_UNITS[(m?.[2] ?? '').toLowerCase()];
    if (!m || unit === undefined || !(Number(m[1]) * unit >= 1)) {
      throw new TypeError(`${name} must be a size such as 5MB, 512KB or 1048576, got "${raw}"`);
    }
    return Math.floor(Number(m[1]) * unit);
  }
  if (kind === 'boolean') {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no|)$/i.test(raw)) return false;
    throw new TypeError(`${name} must be true or false, got "${raw}"`);
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new TypeError(`${name} must be a non-negative number, got "${raw}"`);
  }
  return n;
}

/**
 * Builds settings from defaults, then the environment, then flags (highest).
 * @throws TypeError naming the variable or flag whose value is unusable.
 */
export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  flags: Record<string, string | boolean | undefined> = {},
): Settings {
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, field] of Object.entries(FIELDS)) {
    const fromEnv = env[field.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      out[key] = parseValue(field.env, field.kind, fromEnv);
    }
    const fromFlag = flags[field.flag];
    if (fromFlag !== undefined) {
      out[key] = parseValue(`--${field.flag}`, field.kind, String(fromFlag));
    }
  }
  return checkSettings(out as unknown as Settings);
}

/** Validates a settings object; used by `loadSettings` and `createServer`. */
export function checkSettings(settings: Settings): Settings {
  const s = { ...DEFAULT_SETTINGS, ...settings };
  if (!Number.isInteger(s.port) || s.port > 65535) {
    throw new TypeError(`HOTCONF_PORT must be an integer from 0 to 65535, got "${s.port}"`);
  }
  if (!(s.pollInterval > 0)) {
    throw new TypeError(`HOTCONF_POLL_INTERVAL must be a positive number of seconds`);
  }
  if (!(s.pingInterval > 0)) {
    throw new TypeError(`HOTCONF_PING_INTERVAL must be a positive number of seconds`);
  }
  for (const [key, env] of [
    ['maxFileBytes', 'HOTCONF_MAX_FILE_BYTES'],
    ['maxDocumentBytes', 'HOTCONF_MAX_DOCUMENT_BYTES'],
  ] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) {
      throw new TypeError(`${env} must be a size such as 5MB, 512KB or 1048576`);
    }
  }
  parseRetention(s.fleetRetention);
  if (!LOG_LEVELS.includes(s.logLevel)) {
    throw new TypeError(`HOTCONF_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (s.label !== undefined) {
    try {
      checkLabel(s.label);
    } catch {
      throw new TypeError(
        `HOTCONF_LABEL must be a branch, tag or commit id, got "${s.label.slice(0, 40)}"`,
      );
    }
  }
  if (!isValidReplicaId(s.replicaId)) {
    throw new TypeError(
      'HOTCONF_REPLICA_ID must be 1-128 letters, digits or . _ : @ -, starting with a letter or digit',
    );
  }
  if (s.springBusUrl !== undefined) parseSpringBusUrl(s.springBusUrl);
  // Throws a TypeError naming HOTCONF_SEARCH_PATH and the bad entry.
  SearchPath.parse(s.searchPath);
  return s;
}
