import { LABEL_PATTERN, NAME_PATTERN, RESERVED_NAMES } from './protocol.js';
import path from 'node:path';
import type { Logger } from './events.js';
import { checkFleetOptions } from './fleet.js';
import type { WatchSettings } from './watch.js';

/** Back-off for the boot fetch and for WebSocket reconnects. */
export interface RetryOptions {
  /**
   * Base delay in ms. Attempt n waits a random time in `[0, min(maxDelayMs, minDelayMs·2ⁿ)]`
   * (exponential back-off with full jitter). Default `200`.
   */
  minDelayMs?: number;
  /** Upper bound of any single wait in ms. Default `30000`. */
  maxDelayMs?: number;
  /**
   * After the server closes with 1012 (restarting), the first reconnect waits a random
   * time in `[0, restartDelayMs]` instead of backing off. Default `1000`.
   */
  restartDelayMs?: number;
}

/** Everything `connect` accepts. Only `server` and `service` are required. */
export interface ConnectOptions {
  /** Base URL of the hotconf server, `http://` or `https://`, e.g. `http://config:8888`. Required. */
  server: string;
  /** Service name, matching `^[a-z0-9][a-z0-9_.-]{0,63}$`. Required. */
  service: string;
  /** Profiles, later ones winning; 1 to 8 names. Default `['default']`. */
  profiles?: string[];
  /** Branch, tag or commit to follow. Default: the server's default label. */
  label?: string;
  /**
   * Sent as `Authorization: Bearer <token>` on HTTP and on the WebSocket upgrade. Default:
   * none; an empty string also means none.
   */
  token?: string;
  /**
   * File the last accepted document is written to (atomically, mode 0600) and read from
   * when the server cannot be reached at boot. Default: none (no cache).
   */
  cacheFile?: string;
  /**
   * Total time in ms the boot fetch keeps retrying before falling back to the cache file
   * (or rejecting when there is none). Default `30000`.
   */
  bootTimeoutMs?: number;
  /** Time limit in ms of a single HTTP request during boot. Default `10000`. */
  requestTimeoutMs?: number;
  /**
   * A connection that carries nothing (no message, no ping) for this long in ms is
   * considered dead and replaced. The server pings every 30 s. Default `75000`.
   */
  heartbeatTimeoutMs?: number;
  /** Back-off settings; see {@link RetryOptions}. Default `{ minDelayMs: 200, maxDelayMs: 30000, restartDelayMs: 1000 }`. */
  retry?: RetryOptions;
  /**
   * Resolve `${name}` and `${name:default}` in string values as a Spring client does: other
   * keys of the document first, then environment variables, then the default. `\${…}` stays
   * a literal `${…}`. Default `true`.
   */
  resolvePlaceholders?: boolean;
  /** Receives warnings given before listeners can exist and `error`s nobody listens for. Default `console`. */
  logger?: Logger;
  /**
   * This instance's id in the fleet view (e.g. the pod name), kept across restarts; must
   * match `^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`. Default: the server assigns one, kept for
   * the life of the process. Clients with different ids use different sockets.
   */
  instanceId?: string;
  /** Up to 20 labels shown in the fleet view (`{ zone: 'eu-1' }`); keys ≤ 63, values ≤ 128 characters. Default `{}`. */
  labels?: Record<string, string>;
}

/** Options after defaults and checks. */
export interface ResolvedOptions {
  server: string;
  service: string;
  profiles: string[];
  label: string | undefined;
  token: string | undefined;
  cacheFile: string | undefined;
  bootTimeoutMs: number;
  requestTimeoutMs: number;
  heartbeatTimeoutMs: number;
  retry: Required<RetryOptions>;
  resolvePlaceholders: boolean;
  logger: Logger;
  instanceId: string | undefined;
  labels: Record<string, string>;
}

/** Defaults of every optional setting. */
export const DEFAULTS = {
  profiles: ['default'],
  bootTimeoutMs: 30_000,
  requestTimeoutMs: 10_000,
  heartbeatTimeoutMs: 75_000,
  retry: { minDelayMs: 200, maxDelayMs: 30_000, restartDelayMs: 1000 },
  resolvePlaceholders: true,
} as const;

const NAME = NAME_PATTERN;
const LABEL = LABEL_PATTERN;
const TOKEN = /^[\x21-\x7e]+$/;
const RESERVED = RESERVED_NAMES;
const KNOWN = new Set([
  'server',
  'service',
  'profiles',
  'label',
  'token',
  'cacheFile',
  'bootTimeoutMs',
  'requestTimeoutMs',
  'heartbeatTimeoutMs',
  'retry',
  'resolvePlaceholders',
  'logger',
  'instanceId',
  'labels',
]);
const KNOWN_RETRY = new Set(['minDelayMs', 'maxDelayMs', 'restartDelayMs']);

/**
 * Applies defaults and checks every option.
 * @throws TypeError with a message naming the option and what it must be.
 */
export function resolveOptions(options: ConnectOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`options.${key} is not a known option`);
  }
  const merged = { ...DEFAULTS, ...definedOnly(options) };
  const retryInput: unknown = options.retry ?? {};
  if (typeof retryInput !== 'object' || retryInput === null) {
    throw new TypeError('options.retry must be an object');
  }
  for (const key of Object.keys(retryInput)) {
    if (!KNOWN_RETRY.has(key)) throw new TypeError(`options.retry.${key} is not a known option`);
  }
  const retry = { ...DEFAULTS.retry, ...definedOnly(retryInput as RetryOptions) };

  const server = checkServer(merged.server);
  if (typeof merged.service !== 'string' || !NAME.test(merged.service)) {
    throw new TypeError(`options.service must match ${NAME.source}`);
  }
  if (RESERVED.has(merged.service)) {
    throw new TypeError('options.service must not be one of v1, health, ready, metrics, monitor');
  }
  const profiles: unknown = merged.profiles;
  if (
    !Array.isArray(profiles) ||
    profiles.length < 1 ||
    profiles.length > 8 ||
    !profiles.every((p) => typeof p === 'string' && NAME.test(p))
  ) {
    throw new TypeError(
      `options.profiles must be an array of 1 to 8 names matching ${NAME.source}`,
    );
  }
  const label: unknown = merged.label;
  if (
    label !== undefined &&
    (typeof label !== 'string' || !LABEL.test(label) || label.includes('..'))
  ) {
    throw new TypeError(`options.label must match ${LABEL.source} and must not contain ..`);
  }
  // `token: process.env.HOTCONF_TOKEN` with `HOTCONF_TOKEN=` set but empty means "no token".
  const token: unknown = merged.token === '' ? undefined : merged.token;
  if (token !== undefined && (typeof token !== 'string' || !TOKEN.test(token))) {
    throw new TypeError('options.token must be a non-empty string of visible ASCII characters');
  }
  const cacheFile: unknown = merged.cacheFile;
  if (cacheFile !== undefined && (typeof cacheFile !== 'string' || cacheFile === '')) {
    throw new TypeError('options.cacheFile must be a non-empty string');
  }
  positive('options.bootTimeoutMs', merged.bootTimeoutMs);
  positive('options.requestTimeoutMs', merged.requestTimeoutMs);
  positive('options.heartbeatTimeoutMs', merged.heartbeatTimeoutMs);
  positive('options.retry.minDelayMs', retry.minDelayMs);
  if (
    typeof retry.maxDelayMs !== 'number' ||
    !(retry.maxDelayMs >= retry.minDelayMs) ||
    !Number.isFinite(retry.maxDelayMs)
  ) {
    throw new TypeError(
      'options.retry.maxDelayMs must be a finite number ≥ options.retry.minDelayMs',
    );
  }
  if (
    typeof retry.restartDelayMs !== 'number' ||
    !(retry.restartDelayMs >= 0) ||
    !Number.isFinite(retry.restartDelayMs)
  ) {
    throw new TypeError('options.retry.restartDelayMs must be a finite number ≥ 0');
  }
  if (typeof merged.resolvePlaceholders !== 'boolean') {
    throw new TypeError('options.resolvePlaceholders must be a boolean');
  }
  const logger: unknown = merged.logger ?? console;
  if (
    typeof logger !== 'object' ||
    logger === null ||
    typeof (logger as Logger).warn !== 'function'
  ) {
    throw new TypeError('options.logger must be an object with a warn function');
  }
  const fleet = checkFleetOptions(options.instanceId, options.labels);

  return {
    server,
    service: merged.service,
    profiles: [...(profiles as string[])],
    label: label as string | undefined,
    token: token as string | undefined,
    cacheFile: cacheFile === undefined ? undefined : path.resolve(cacheFile as string),
    bootTimeoutMs: merged.bootTimeoutMs,
    requestTimeoutMs: merged.requestTimeoutMs,
    heartbeatTimeoutMs: merged.heartbeatTimeoutMs,
    retry,
    resolvePlaceholders: merged.resolvePlaceholders,
    logger: logger as Logger,
    instanceId: fleet.instanceId,
    labels: fleet.labels,
  };
}

/** Checks the server URL and returns it without a trailing slash, query or fragment. */
function checkServer(value: unknown): string {
  const message = 'options.server must be an http(s) URL';
  if (typeof value !== 'string') throw new TypeError(message);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(message);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new TypeError(message);
  }
  if (url.username || url.password) {
    throw new TypeError('options.server must not contain credentials; use options.token');
  }
  return url.href.replace(/\/+$/, '');
}

function positive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive finite number`);
  }
}

/** Drops keys whose value is `undefined`, so they do not hide a default when spread. */
function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Exponential back-off with full jitter: a random delay in `[0, min(max, min·2^attempt)]`,
 * so many clients that lost the same server do not come back in step.
 */
export function backoffDelay(
  attempt: number,
  retry: Required<RetryOptions>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/** The live connection's settings for a client with `opts`: its URL, token and timings. */
export function watchSettingsFor(opts: ResolvedOptions): WatchSettings {
  return {
    url: `${opts.server.replace(/^http/, 'ws')}/v1/watch`,
    token: opts.token,
    retry: opts.retry,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    handshakeTimeoutMs: opts.requestTimeoutMs,
    instanceId: opts.instanceId,
    labels: opts.labels,
  };
}
