/**
 * `@hotconf/client`: load a service's config from a hotconf server at boot, keep it
 * current over WebSocket, and survive the server being away.
 *
 * ```ts
 * import { connect } from '@hotconf/client';
 * const cfg = await connect<OrdersConfig>({ server: 'http://config:8888', service: 'orders' });
 * cfg.get('db.pool.max', 10);
 * ```
 */
export { connect } from './connect.js';
export { HotconfClient, type ClientState, type KeyListener } from './client.js';
export {
  ClientEvents,
  type ClientEventName,
  type ClientEventMap,
  type ChangeEvent,
  type ConnectedEvent,
  type DisconnectedEvent,
  type StaleEvent,
  type Logger,
} from './events.js';
export { ErrorCodes, HotconfClientError } from './errors.js';
export type { ConfigPath, ConfigValue } from './config-path.js';
export { DEFAULTS, type ConnectOptions, type RetryOptions } from './options.js';
export { CACHE_FORMAT, type CacheContent } from './cache-file.js';
export { openConnectionCount } from './watch.js';
/** The dotted paths two documents differ at: the one definition server and SDK share. */
export { changedKeys } from './document.js';
export * from './protocol.js';
export {
  ACK_HOLD_MS,
  FLEET_LIMITS,
  INSTANCE_ID_IN_USE,
  SDK_NAME,
  type AppliedMessage,
  type FailedMessage,
  type HelloMessage,
  type WelcomeMessage,
} from './fleet.js';
