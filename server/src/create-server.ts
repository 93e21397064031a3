import { createAccess } from './access/create-access.js';
import { checkOpenBind } from './access/open-bind.js';
import { auditRoutes } from './audit/audit-routes.js';
import { createBus } from './bus/bus.js';
import { ConfigResolver } from './config/config-resolver.js';
import { SNAPSHOT_FILES } from './config/snapshot-files.js';
import { ChangeDetector } from './git/change-detector.js';
import { Repository } from './git/repository.js';
import { actuatorRoutes } from './http/actuator-routes.js';
import { createFleet } from './fleet/create-fleet.js';
import type { FleetRegistry } from './fleet/fleet-registry.js';
import { parseRetention } from './fleet/retention.js';
import { createApp } from './http/app.js';
import { fleetRoutes } from './http/fleet-routes.js';
import { fastReads } from './http/fast-reads.js';
import { listenHttp, type HttpServer } from './http/http-server.js';
import { webhookRoutes } from './http/webhook-routes.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics/metrics.js';
import { Publisher } from './publish/publisher.js';
import { SchemaGate } from './schema/schema-gate.js';
import { encryptRoutes } from './secrets/encrypt-routes.js';
import { createSecretBox } from './secrets/secret-box.js';
import { checkSettings, DEFAULT_SETTINGS, type Settings } from './settings.js';
import { createSpringBus } from './spring-bus/spring-bus.js';
import { WatchHub } from './watch/watch-hub.js';

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
      const repository = await Repository.open({ ...settings, files: SNAPSHOT_FILES, logger });
      closers.push(() => repository.close());
      const readBlob = (oid: string) => repository.readBlob(oid);
      const secrets = createSecretBox(settings.encryptKey);
      const resolver = new ConfigResolver({
        readBlob,
        decodeSecret: secrets.decode,
        maxDocumentBytes: settings.maxDocumentBytes,
      });
      const gate = new SchemaGate({ readBlob, requireSchema: settings.requireSchema });
      const publisher = new Publisher({ repository, resolver, gate, logger });
      const detector = new ChangeDetector({
        repository,
        pollInterval: settings.pollInterval,
        logger,
        onMoves: (moves, seenAt) => void publisher.labelsMoved(moves, seenAt),
      });
      closers.push(() => detector.close());

      // Who may read what; a token file change re-checks open sockets.
      const tokensChanged = { revalidate: () => undefined as void };
      const accessHandle = await createAccess({
        tokensFile: settings.tokensFile,
        logger,
        onChange: () => tokensChanged.revalidate(),
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
      const metrics = createMetrics({ replicaId: settings.replicaId });
      const fleet = createFleet({
        publisher,
        logger,
        replicaId: settings.replicaId,
        retentionMs: parseRetention(settings.fleetRetention),
        pingIntervalMs: settings.pingInterval * 1000,
        busUrl: settings.busUrl,
        metrics: metrics.registry,
      });
      closers.push(() => fleet.close());
      const hub = new WatchHub({
        publisher,
        access,
        logger,
        pingIntervalMs: settings.pingInterval * 1000,
        fleet: fleet.registry,
      });
      hub.metrics = metrics;
      tokensChanged.revalidate = () => hub.revalidate();
      metrics.observe({ publisher, hub, detector, bus });
      // Spring Cloud Bus: published changes announced, fire and forget (DESIGN §8).
      const springBus = createSpringBus({
        url: settings.springBusUrl,
        redisUrl: settings.busUrl,
        replicaId: settings.replicaId,
        port: () => http?.port ?? settings.port,
        logger,
        registry: metrics.registry,
      });
      closers.push(() => springBus.close());
      publisher.on('change', (change) => springBus.changed(change));
      publisher.on('rejected', (_record, rejection) => springBus.rejected(rejection.commit.id));
      publisher.on('settled', () => springBus.settled());
      parts = { publisher, repository, detector, hub, fleet: fleet.registry };
      const app = createApp({
        logger,
        publisher,
        repository,
        detector,
        access,
        metrics,
        resolver,
        gate,
        replicaId: settings.replicaId,
        isReady: () => state === 'running',
        onRefresh: () => bus.announceChange([]),
        statusExtras: () => ({ ...bus.status(), springBus: springBus.status() }),
        extraRoutes: [
          webhookRoutes({ secret: settings.webhookSecret, logger, onPush: heardOfChange }),
          encryptRoutes({ box: secrets, access }),
          auditRoutes({ publisher, repository, resolver, gate, access }),
          metrics.routes,
          actuatorRoutes({ springBus, access }),
          fleetRoutes({
            fleet: fleet.view,
            access,
            publisher,
            repository,
            defaultLabel: repository.defaultLabel,
            replicaId: settings.replicaId,
          }),
        ],
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
      await http?.close(SHUTDOWN_GRACE_MS);
      for (const close of closers.reverse()) await close();
      state = 'closed';
    },
  };
  return server;
}
