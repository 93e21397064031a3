/** Longest Authorization header value looked at; longer ones carry no token. */
export const MAX_AUTHORIZATION_LENGTH = 4096;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The token a request presents: `Bearer <token>`, or the password of HTTP Basic (the
 * user name is ignored, so a Spring client's `user:token` works unchanged). Undefined for
 * anything else — a missing, empty, oversized or malformed header never throws.
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(authorization);
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  const credentials = match[2] as string;
  if (scheme === 'bearer') return credentials;
  if (scheme !== 'basic' || !BASE64.test(credentials)) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const password = decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}
