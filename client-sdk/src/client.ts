import { cacheWriterFor, type CacheWriter, type CacheIdentity } from './cache-file.js';
import { changedKeys, checkPath, deepFreeze, valueAt } from './document.js';
import { HotconfClientError } from './errors.js';
import {
  ClientEvents,
  SafeEmitter,
  type ClientEventMap,
  type DisconnectedEvent,
} from './events.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { describeDocument, type ConfigDocument } from './http.js';
import { watchSettingsFor, type ResolvedOptions } from './options.js';
import type { Cohort, ConfigObject, SubscribeMessage } from './protocol.js';
import type { ConfigPath, ConfigValue } from './config-path.js';
import { frozenView } from './placeholders.js';
import { watch, type Watch, type WatchTarget } from './watch.js';
import { answerMessage, type HeldDocument } from './answer-message.js';
import { KeyListeners, type KeyListener } from './key-listeners.js';

/** Period of the timer that keeps the event loop alive (it does nothing when it fires). */
const KEEP_ALIVE_MS = 2 ** 30;

/** Where a client is in its life. */
export type ClientState = 'running' | 'closing' | 'closed';

export type { KeyListener } from './key-listeners.js';

/**
 * A live view of one config document. Create it with `connect()`.
 *
 * Events (names in {@link ClientEvents}): `change`, `connected`, `disconnected`, `stale`,
 * `error`. A listener that throws is reported through `error` and never stops the others;
 * an `error` nobody listens to is logged through `options.logger`.
 */
export class HotconfClient<T = ConfigObject> extends SafeEmitter<ClientEventMap<T>> {
  /** The document as the server sent it: what patches apply to and the cache file keeps. */
  #doc: ConfigDocument;
  /** `#doc.config` with placeholders resolved (unless turned off), deep-frozen: what users see. */
  #view: ConfigObject;
  #state: ClientState = 'running';
  #cohort: Cohort = 'base';
  #stale: boolean;
  #live = false;
  #closing: Promise<void> | undefined;
  #staleTimer: NodeJS.Immediate | undefined;
  readonly #opts: ResolvedOptions;
  readonly #id: string;
  readonly #keyListeners = new KeyListeners();
  readonly #cache: CacheWriter | undefined;
  readonly #releaseCacheFile: () => void;
  readonly #watch: Watch;
  /** Which listener calls belong to which document, and what they made of it. */
  readonly #deliveries = new DeliveryTracker();
  /** This client's side of what server messages ask (answer-message.ts). */
  readonly #held: HeldDocument = {
    current: () => this.#doc,
    accept: (doc) => this.#accept(doc),
    confirm: () => this.#confirm(),
    resubscribe: () => this.#watch.resubscribe(),
    outcome: () => this.#deliveries.outcome,
    reportError: (message) => {
      const where = `${this.#opts.server} reported for ${describeDocument(this.#opts)}`;
      this.emit(
        ClientEvents.ERROR,
        new HotconfClientError(message.code, `hotconf: ${where}: ${message.message}`),
      );
    },
  };
  /**
   * Holds the host's event loop while the client is open, whatever the connection is doing
   * (connected, waiting to reconnect, or stopped by a refused token): a worker whose only
   * job is its config must not exit because the server went away. `close()` releases it.
   */
  readonly #keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);

  /** @internal Use `connect()`. */
  constructor(
    opts: ResolvedOptions,
    id: string,
    identity: CacheIdentity,
    doc: ConfigDocument,
    releaseCacheFile: () => void,
    stale: ClientEventMap['stale'] | undefined,
  ) {
    super(opts.logger);
    this.#opts = opts;
    this.#id = id;
    this.#doc = { version: doc.version, etag: doc.etag, config: deepFreeze(doc.config) };
    this.#view = this.#resolve(this.#doc.config, true);
    this.#releaseCacheFile = releaseCacheFile;
    this.#stale = stale !== undefined;
    if (opts.cacheFile) {
      this.#cache = cacheWriterFor(opts.cacheFile, identity, (e) =>
        this.emit(ClientEvents.ERROR, e),
      );
      if (!stale) this.#cache.save(this.#doc);
    }
    if (stale) {
      // Deferred so that listeners attached right after `await connect()` hear it.
      this.#staleTimer = setImmediate(() => {
        this.#staleTimer = undefined;
        if (this.#stale) this.emit(ClientEvents.STALE, stale);
      }).unref();
    }
    this.#watch = watch(watchSettingsFor(opts), this.#target());
  }

  /**
   * `canary` while a canary rollout (DESIGN §11) serves this instance the canary document,
   * else `base`. Instances that send no `hello` are never in a canary.
   */
  get cohort(): Cohort {
    return this.#cohort;
  }

  /** The current document, deep-frozen. Replaced (never mutated) on every change. */
  get config(): T {
    return this.#view as T;
  }

  /** Commit id of the current document. */
  get version(): string {
    return this.#doc.version;
  }

  /** Content hash of the current document. */
  get etag(): string {
    return this.#doc.etag;
  }

  /**
   * The id the fleet view knows this instance by (`options.instanceId`, or the one the
   * server assigned); undefined until the live connection was first welcomed.
   */
  get instanceId(): string | undefined {
    return this.#watch.instanceId();
  }

  /** True while the document comes from the cache file and the server has not confirmed it. */
  get stale(): boolean {
    return this.#stale;
  }

  /** True while the live subscription is established. */
  get connected(): boolean {
    return this.#live;
  }

  /** `running` until `close()` is called, then `closing`, then `closed`. */
  get state(): ClientState {
    return this.#state;
  }

  /**
   * The value at a dotted path (`db.pool.max`, `hosts[0]` or `hosts.0`), or `defaultValue`
   * when nothing is there. A `null` in the document is returned as `null`.
   * @throws TypeError when `path` is not a non-empty string.
   */
  get<V = unknown>(path: string): V | undefined;
  get<V>(path: string, defaultValue: V): V;
  get<V>(path: string, defaultValue?: V): V | undefined {
    const segments = checkPath(path);
    const value = valueAt(this.#view, segments);
    return value === undefined ? defaultValue : (value as V);
  }

  /**
   * Calls `listener(value, previous)` whenever the value at `path` changes (compared
   * deeply), whichever commit changed it. With `connect<OrdersConfig>`, `path` must be a
   * path of `OrdersConfig` and `value` has its type there.
   * @returns a function that removes the listener.
   * @throws TypeError when `path` is not a non-empty string or `listener` not a function.
   */
  onKey<P extends ConfigPath<T>>(
    path: P,
    listener: (value: ConfigValue<T, P>, previous: ConfigValue<T, P>) => void,
  ): () => void {
    const segments = checkPath(path);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    return this.#keyListeners.add(segments, listener as KeyListener);
  }

  /**
   * Stops live updates, closes the shared socket when no other client uses it, and waits
   * for the last cache write. Leaves no timer or socket behind. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closing';
    clearInterval(this.#keepAlive);
    if (this.#staleTimer) clearImmediate(this.#staleTimer);
    this.#live = false;
    try {
      await this.#watch.release();
      await this.#cache?.flush();
    } finally {
      this.#releaseCacheFile();
      this.#state = 'closed';
    }
  }

  /** This client's end of the shared connection. */
  #target(): WatchTarget {
    return {
      id: this.#id,
      subscribeMessage: (): SubscribeMessage => ({
        type: 'subscribe',
        id: this.#id,
        service: this.#opts.service,
        profiles: this.#opts.profiles,
        label: this.#opts.label ?? null,
        etag: this.#doc.etag,
        patch: true,
      }),
      handleMessage: (message) => {
        if (this.#state !== 'running') return undefined;
        if (message.type !== 'error') this.#cohort = message.cohort ?? 'base';
        return answerMessage(message, this.#held);
      },
      handleDisconnect: (event) => this.#onDisconnect(event),
      handleFatal: (error) => {
        if (this.#state !== 'running') return;
        this.#live = false;
        this.emit(ClientEvents.ERROR, error);
      },
      handleProtocolError: (error) => {
        if (this.#state === 'running') this.emit(ClientEvents.ERROR, error);
      },
    };
  }

  /** While a document is delivered, each listener call is also watched for the fleet view. */
  protected override guard(event: string, call: () => unknown): void {
    const delivery = this.#deliveries.current;
    if (!delivery || event === 'error') super.guard(event, call);
    else delivery.run(call, (err) => this.reportListenerError(event, err));
  }

  /** The subscription is current: leave the stale state and say so once per connection. */
  #confirm(): void {
    this.#stale = false;
    if (this.#live) return;
    this.#live = true;
    this.emit(ClientEvents.CONNECTED, { version: this.#doc.version, etag: this.#doc.etag });
  }

  #onDisconnect(event: DisconnectedEvent): void {
    if (this.#state !== 'running' || !this.#live) return;
    this.#live = false;
    this.emit(ClientEvents.DISCONNECTED, event);
  }

  /**
   * Makes `doc` current, saves it to the cache file, then tells `change` and `onKey`
   * listeners. Changed keys are computed against the document this client held, which
   * stays right even when the server skipped documents a slow client never received.
   */
  #accept(doc: ConfigDocument): void {
    const previous = this.#view;
    this.#doc = { version: doc.version, etag: doc.etag, config: deepFreeze(doc.config) };
    const config = this.#resolve(this.#doc.config, false);
    this.#view = config;
    this.#cache?.save(this.#doc);
    this.#deliveries.deliver(() => this.#tell(previous, config, doc));
  }

  #tell(previous: ConfigObject, config: ConfigObject, doc: ConfigDocument): void {
    this.emit(ClientEvents.CHANGE, {
      config: config as T,
      previous: previous as T,
      changedKeys: changedKeys(previous, config),
      version: doc.version,
      etag: doc.etag,
    });
    this.#keyListeners.notify(previous, config, (event, call) => this.guard(event, call));
  }

  /**
   * The view users get of `config`: placeholders resolved against the document and the
   * environment. A cycle is reported through `error` (after a turn of the event loop at
   * boot, so listeners attached after `await connect()` hear it).
   */
  #resolve(config: ConfigObject, booting: boolean): ConfigObject {
    return frozenView(
      config,
      this.#opts.resolvePlaceholders,
      describeDocument(this.#opts),
      (error) => {
        if (booting) setImmediate(() => this.emit(ClientEvents.ERROR, error)).unref();
        else this.emit(ClientEvents.ERROR, error);
      },
    );
  }
}
