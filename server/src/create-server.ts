import { EventEmitter } from 'node:events';
import { createAccess } from './access/create-access.js';
import { checkOpenBind } from './access/open-bind.js';
import { createBus } from './bus/bus.js';
import { ConfigResolver } from './config/config-resolver.js';
import { SearchPath } from './config/search-paths.js';
import { snapshotFiles } from './config/snapshot-files.js';
import { ChangeDetector } from './git/change-detector.js';
import { Repository } from './git/repository.js';
import { createFleet } from './fleet/create-fleet.js';
import { FleetChangeFeed } from './fleet/fleet-change-feed.js';
import type { FleetRegistry } from './fleet/fleet-registry.js';
import { parseRetention } from './fleet/retention.js';
import { createApp } from './http/app.js';
import { routeExists } from './http/console-routes.js';
import { extraRoutes } from './http/extra-routes.js';
import { EventStream } from './http/event-stream.js';
import { fastReads } from './http/fast-reads.js';
import { listenHttp, type HttpServer } from './http/http-server.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics/metrics.js';
import { Publisher } from './publish/publisher.js';
import { SchemaGate } from './schema/schema-gate.js';
import { createSecretBox } from './secrets/secret-box.js';
import { checkSettings, DEFAULT_SETTINGS, type Settings } from './settings.js';
import { wireSpringBus } from './spring-bus/wire-spring-bus.js';
import { WatchHub } from './watch/watch-hub.js';
import { createRollouts } from './rollout/create-rollouts.js';

/** A running hotconf: what `hotconf serve` and the tests hold. */
export interface HotconfServer {
  /** Opens the repository, publishes every document, and binds the port. */
  listen(): Promise<void>;
  /** `http://host:port` once listening. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, closes WebSockets with 1012, lets in-flight responses finish. */
  close(): Promise<void>;
  /** Internals for tests and benchmarks: the stages as wired. */
  readonly parts:
    | {
        publisher: Publisher;
        repository: Repository;
        detector: ChangeDetector;
        hub: WatchHub;
        /** The fleet registry (DESIGN §10); `recordExternal` takes Spring Cloud Bus acks. */
        fleet: FleetRegistry;
        /** `/v1/events`: later stages add their events with `events.emit(kind, payload)`. */
        events: EventStream;
      }
    | undefined;
  readonly logger: Logger;
}

/** Lifecycle of a server. */
type Lifecycle = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** How long shutdown waits for responses before cutting what is left. */
const SHUTDOWN_GRACE_MS = 4000;

/**
 * Wires every stage — git source, change detector, resolver, gate, publisher, HTTP app,
 * WebSocket hub — handing each only what it needs. Nothing deeper creates a collaborator.
 */
export function createServer(options: Partial<Settings> & { logger?: Logger } = {}): HotconfServer {
  const settings = checkSettings({ ...DEFAULT_SETTINGS, ...options });
  const logger = options.logger ?? createLogger(settings.logLevel, settings.replicaId);
  let state: Lifecycle = 'new';
  let parts: HotconfServer['parts'];
  let http: HttpServer | undefined;
  let events: EventStream | undefined;
  const closers: (() => Promise<void> | void)[] = [];

  const server: HotconfServer = {
    get url() {
      const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${http?.port ?? 0}`;
    },
    get port() {
      return http?.port ?? 0;
    },
    get parts() {
      return parts;
    },
    logger,

    async listen() {
      if (state !== 'new') throw new Error(`cannot listen: the server is ${state}`);
      state = 'starting';

      // Refuse a public bind without tokens before cloning anything.
      if (settings.tokensFile === undefined) checkOpenBind(settings.host, settings.allowOpen);

      // git → snapshot → resolve → validate → publish
      const searchPath = SearchPath.parse(settings.searchPath);
      const files = snapshotFiles(searchPath);
      const repository = await Repository.open({ ...settings, files, logger });
      closers.push(() => repository.close());
      const readBlob = (oid: string) => repository.readBlob(oid);
      const secrets = createSecretBox({
        encryptKey: settings.encryptKey,
        springEncryptKey: settings.springEncryptKey,
        springEncryptSalt: settings.springEncryptSalt,
        springRsaSalt: settings.springRsaSalt,
        springKeysDir: settings.springKeysDir,
      });
      const resolver = new ConfigResolver({
        readBlob,
        secrets,
        maxDocumentBytes: settings.maxDocumentBytes,
        searchPath,
      });
      const gate = new SchemaGate({ readBlob, requireSchema: settings.requireSchema });
      const publisher = new Publisher({ repository, resolver, gate, logger });
      const metrics = createMetrics({ replicaId: settings.replicaId });
      const detector = new ChangeDetector({
        repository,
        pollInterval: settings.pollInterval,
        logger,
        metrics,
        onMoves: (moves, seenAt) => void publisher.labelsMoved(moves, seenAt),
      });
      closers.push(() => detector.close());

      // Who may read what; a token file change re-checks open sockets (the hub listens).
      const tokenChanges = new EventEmitter<{ change: [] }>();
      const accessHandle = await createAccess({
        tokensFile: settings.tokensFile,
        logger,
        onChange: () => tokenChanges.emit('change'),
      });
      closers.push(() => accessHandle.close());
      const { access } = accessHandle;
      if (access.open) {
        logger.warn(
          { host: settings.host },
          'open mode: no HOTCONF_TOKENS_FILE, every caller may read everything',
        );
      }

      await publisher.start();
      await detector.start();

      // Other replicas: tell them what this one hears, fetch when they hear something.
      const bus = await createBus({
        url: settings.busUrl,
        replicaId: settings.replicaId,
        logger,
        convergeLabel: repository.defaultLabel,
        onRemoteChange: () => void detector.refresh(),
      });
      closers.push(() => bus.close());
      const heardOfChange = (refs: string[]) => {
        void detector.refresh();
        bus.announceChange(refs);
      };
      publisher.on('settled', () => bus.announceHeads(repository.labelTable()));
      bus.announceHeads(repository.labelTable());

      // → HTTP / WebSocket
      // The console hears of fleet changes, coalesced per document (`fleet` events).
      const fleetFeed = new FleetChangeFeed({
        documentsOf: (id) => fleet.registry.documentsOf(id),
        emit: (doc) => events?.emit('fleet', { ...doc }),
      });
      closers.push(() => fleetFeed.close());
      const fleetChanges = new EventEmitter<{ change: [] }>();
      const fleet = createFleet({
        publisher,
        logger,
        replicaId: settings.replicaId,
        retentionMs: parseRetention(settings.fleetRetention),
        pingIntervalMs: settings.pingInterval * 1000,
        busUrl: settings.busUrl,
        metrics: metrics.registry,
        onChange: (id) => {
          fleetFeed.changed(id);
          fleetChanges.emit('change');
        },
      });
      closers.push(() => fleet.close());
      // Canary rollouts (DESIGN §11): the hub asks which subscribers get the canary.
      const rollouts = createRollouts({
        publisher,
        fleet: fleet.view,
        logger,
        replicaId: settings.replicaId,
        cacheDir: settings.cacheDir,
        busUrl: settings.busUrl,
        metrics: metrics.registry,
        reassign: (key) => hub.reassign(key),
        event: (kind, payload) => events?.emit(kind, payload),
        fleetChanges,
      });
      const hub = new WatchHub({
        publisher,
        access,
        logger,
        metrics,
        tokenChanges,
        pingIntervalMs: settings.pingInterval * 1000,
        fleet: fleet.registry,
        cohorts: rollouts.controller,
      });
      await rollouts.controller.start();
      closers.push(() => rollouts.close());
      tokenChanges.on('change', () => events?.revalidate());
      metrics.observe({ publisher, hub, detector, bus });
      // Spring Cloud Bus: published changes announced, Spring instances' acks in the fleet.
      const spring = wireSpringBus({
        springBusUrl: settings.springBusUrl,
        busUrl: settings.busUrl,
        replicaId: settings.replicaId,
        port: () => http?.port ?? settings.port,
        logger,
        registry: metrics.registry,
        publisher,
        defaultLabel: repository.defaultLabel,
        record: (report) => fleet.registry.recordExternal(report),
      });
      closers.push(() => spring.close());
      const { springBus } = spring;
      // The console's live feed; fleet and rollouts can add their events with events.emit().
      events = new EventStream({ publisher, access });
      parts = { publisher, repository, detector, hub, fleet: fleet.registry, events };
      const app = createApp({
        logger,
        publisher,
        repository,
        detector,
        access,
        metrics,
        metricsToken: settings.metricsToken,
        resolver,
        gate,
        replicaId: settings.replicaId,
        isReady: () => state === 'running',
        onRefresh: () => bus.announceChange([]),
        statusExtras: () => ({
          ...bus.status(),
          springBus: springBus.status(),
          rollouts: rollouts.status(),
        }),
        extraRoutes: extraRoutes({
          webhookSecret: settings.webhookSecret,
          logger,
          onPush: heardOfChange,
          secrets,
          access,
          publisher,
          repository,
          resolver,
          gate,
          metricsRoutes: metrics.routes,
          springBus,
          fleet: fleet.view,
          rollouts,
          events,
          replicaId: settings.replicaId,
          hasRoute: (path) => routeExists(app, path),
        }),
      });
      http = await listenHttp({
        host: settings.host,
        port: settings.port,
        app,
        fastPath: fastReads({ publisher, access, metrics, logger }),
        onWatchUpgrade: (req, socket, head) => {
          if (state === 'running') hub.handleUpgrade(req, socket, head);
          else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        },
      });
      state = 'running';
      logger.info(
        { url: server.url, label: repository.defaultLabel, documents: publisher.all().length },
        'hotconf is serving',
      );
    },

    async close() {
      if (state === 'closing' || state === 'closed') return;
      state = 'closing';
      await parts?.hub.close();
      // Event streams never finish by themselves: end them before waiting for responses.
      events?.close();
      await http?.close(SHUTDOWN_GRACE_MS);
      for (const close of closers.reverse()) await close();
      state = 'closed';
    },
  };
  return server;
}
