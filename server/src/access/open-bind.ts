import net from 'node:net';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (h.startsWith('::ffff:') && net.isIPv4(h.slice(7))) return h.slice(7).startsWith('127.');
  return net.isIPv6(h) && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(h);
}

/**
 * Open mode (no token file) lets every caller do everything, so it may listen only on
 * loopback unless the operator says otherwise (DESIGN §7).
 * @throws Error with a message saying both ways out.
 */
export function checkOpenBind(host: string, allowOpen: boolean): void {
  if (allowOpen || isLoopback(host)) return;
  throw new Error(
    `refusing to listen on ${host} in open mode: without HOTCONF_TOKENS_FILE anyone who can reach it may read every secret. ` +
      'Set HOTCONF_TOKENS_FILE, or HOTCONF_ALLOW_OPEN=true if the network is trusted.',
  );
}
