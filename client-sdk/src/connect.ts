import { claimCacheFile, readCacheFile, type CacheIdentity } from './cache-file.js';
import { HotconfClient } from './client.js';
import { ErrorCodes, HotconfClientError } from './errors.js';
import { bootFetch, describeDocument, isDocument } from './http.js';
import { resolveOptions, type ConnectOptions } from './options.js';
import { subscriptionId, type ConfigObject } from './protocol.js';

/**
 * Loads a service's config, then keeps it current over one shared WebSocket.
 *
 * Boot: `GET /v1/config/{service}/{profiles}` with exponential back-off for up to
 * `bootTimeoutMs`; fatal answers (400, 401, 403, 404) reject at once. When the server stays
 * unreachable, the `cacheFile` (if valid for this document) serves and the client emits
 * `stale`; with no usable cache the promise rejects with code `HC_BOOT_TIMEOUT`.
 *
 * @throws TypeError (as a rejection) when an option is invalid.
 * @example
 * const cfg = await connect<OrdersConfig>({ server: 'http://config:8888', service: 'orders', profiles: ['dev'] });
 * cfg.get('db.pool.max', 10);
 */
export async function connect<T = ConfigObject>(
  options: ConnectOptions,
): Promise<HotconfClient<T>> {
  const opts = resolveOptions(options);
  const id = subscriptionId(opts.service, opts.profiles, opts.label);
  const identity: CacheIdentity = {
    server: opts.server,
    service: opts.service,
    profiles: opts.profiles,
    label: opts.label ?? null,
  };
  const release = opts.cacheFile
    ? claimCacheFile(opts.cacheFile, `${describeDocument(opts)} from ${opts.server}`)
    : noop;
  try {
    const boot = await bootFetch(opts);
    if (isDocument(boot)) return new HotconfClient<T>(opts, id, identity, boot, release, undefined);
    const what = `no answer from ${opts.server} for ${describeDocument(opts)} within ${opts.bootTimeoutMs} ms (${boot.attempts} attempts; last error: ${boot.reason})`;
    if (!opts.cacheFile) {
      throw new HotconfClientError(
        ErrorCodes.BOOT_TIMEOUT,
        `hotconf: ${what}, and no cacheFile is configured`,
      );
    }
    const cached = await readCacheFile(opts.cacheFile, identity);
    if ('problem' in cached) {
      opts.logger.warn(`[hotconf] cache file ${opts.cacheFile} ignored: ${cached.problem}`);
      throw new HotconfClientError(
        ErrorCodes.BOOT_TIMEOUT,
        `hotconf: ${what}, and cache file ${opts.cacheFile} was ignored: ${cached.problem}`,
      );
    }
    opts.logger.warn(
      `[hotconf] ${what}; serving version ${cached.version} from cache file ${opts.cacheFile} (saved ${cached.savedAt})`,
    );
    return new HotconfClient<T>(opts, id, identity, cached, release, {
      cacheFile: opts.cacheFile,
      version: cached.version,
      etag: cached.etag,
      savedAt: cached.savedAt,
      reason: boot.reason,
    });
  } catch (err) {
    release();
    throw err;
  }
}

function noop(): void {}
