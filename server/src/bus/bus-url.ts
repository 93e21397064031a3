/** Where the bus lives, from `HOTCONF_BUS_URL`. */
export interface BusAddress {
  /** The URL as given: handed to ioredis, never logged. */
  url: string;
  /** The URL with any password replaced by `***`: fit for logs and `/v1/status`. */
  redacted: string;
  /** Database number from the path (default 0). */
  db: number;
  /**
   * Pub/sub channel. Redis channels ignore the database, so the number is part of the
   * name: fleets sharing one Redis stay apart by using different databases.
   */
  channel: string;
}

/**
 * Checks a `redis://` or `rediss://` URL and derives the channel.
 * @throws TypeError naming HOTCONF_BUS_URL (without echoing a password) when it is unusable.
 */
export function parseBusUrl(raw: string): BusAddress {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new TypeError('HOTCONF_BUS_URL must be a URL like redis://host:6379/0');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(
      `HOTCONF_BUS_URL must start with redis:// or rediss://, got "${parsed.protocol}//"`,
    );
  }
  if (!parsed.hostname) throw new TypeError('HOTCONF_BUS_URL names no host');
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    throw new TypeError(
      'HOTCONF_BUS_URL may name only a database number in its path, like redis://host:6379/0',
    );
  }
  const db = path === '' ? 0 : Number(path);
  const shown = new URL(parsed.href);
  if (shown.password) shown.password = '***';
  shown.search = '';
  return { url: raw, redacted: shown.href, db, channel: `hotconf:v1:${db}:changes` };
}

/** `text` with the URL's password, if any, replaced by `***` (for errors that might echo it). */
export function hidePassword(address: BusAddress, text: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(address.url).password);
  } catch {
    // parseBusUrl accepted the URL; a password that is not valid percent-encoding is hidden as written.
    password = new URL(address.url).password;
  }
  return password === '' ? text : text.split(password).join('***');
}
