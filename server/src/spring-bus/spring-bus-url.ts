/** Where Spring Cloud Bus lives, from `HOTCONF_SPRING_BUS_URL`. */
export interface SpringBusAddress {
  /** The URL as given: handed to amqplib, never logged. */
  url: string;
  /** The URL with any password replaced by `***`: fit for logs, errors and `/v1/status`. */
  redacted: string;
}

/**
 * Checks an `amqp://` or `amqps://` URL.
 * @throws TypeError naming HOTCONF_SPRING_BUS_URL (never echoing a password) when unusable.
 */
export function parseSpringBusUrl(raw: string): SpringBusAddress {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new TypeError(
      'HOTCONF_SPRING_BUS_URL must be a URL like amqp://user:password@rabbit:5672/vhost',
    );
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new TypeError(
      `HOTCONF_SPRING_BUS_URL must start with amqp:// or amqps://, got "${parsed.protocol.slice(0, 20)}//"`,
    );
  }
  if (!parsed.hostname) throw new TypeError('HOTCONF_SPRING_BUS_URL names no host');
  const shown = new URL(parsed.href);
  if (shown.password) shown.password = '***';
  shown.search = '';
  return { url: raw, redacted: shown.href };
}

/**
 * `text` with the URL's password replaced by `***`, raw and percent-decoded: for messages
 * from the AMQP library, which may echo the URL it was given.
 */
export function hideSpringBusPassword(address: SpringBusAddress, text: string): string {
  const raw = new URL(address.url).password;
  if (raw === '') return text;
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not valid percent-encoding: hidden as written.
  }
  let out = text.split(address.url).join(address.redacted);
  for (const secret of new Set([raw, decoded])) out = out.split(secret).join('***');
  return out;
}
