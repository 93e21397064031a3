import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigResolver } from './config/config-resolver.js';
import { ChangeDetector } from './git/change-detector.js';
import { Repository } from './git/repository.js';
import { createAccess } from './access/create-access.js';
import { checkOpenBind } from './access/open-bind.js';
import { createApp } from './http/app.js';
import { gracefulCloser } from './http/graceful-close.js';
import { webhookRoutes } from './http/webhook-routes.js';
import { createMetrics } from './metrics/metrics.js';
import { createSecretBox } from './secrets/secret-box.js';
import { encryptRoutes } from './secrets/encrypt-routes.js';
import { auditRoutes } from './audit/audit-routes.js';
import { createBus } from './bus/bus.js';
import { createLogger, type Logger } from './logger.js';
import { Publisher } from './publish/publisher.js';
import { SchemaGate } from './schema/schema-gate.js';
import { WatchHub } from './watch/watch-hub.js';
import { checkSettings, DEFAULT_SETTINGS, type Settings } from './settings.js';

/** A running hotconf: what `hotconf serve` and the tests hold. */
export interface HotconfServer {
  /** Opens the repository, publishes every document, and binds the port. */
  listen(): Promise<void>;
  /** `http://host:port` once listening. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, closes WebSockets with 1012, lets in-flight requests finish. */
  close(): Promise<void>;
  /** Internals for tests and benchmarks: the stages as wired. */
  readonly parts: { publisher: Publisher; repository: Repository; detector: ChangeDetector; hub: WatchHub } | undefined;
  readonly logger: Logger;
}

/** Lifecycle of a server. */
type Lifecycle = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/**
 * Wires every stage — git source, change detector, resolver, gate, publisher, HTTP app —
 * handing each only what it needs. Nothing deeper creates a collaborator.
 */
export function createServer(options: Partial<Settings> & { logger?: Logger } = {}): HotconfServer {
  const settings = checkSettings({ ...DEFAULT_SETTINGS, ...options });
  const logger = options.logger ?? createLogger(settings.logLevel, settings.replicaId);
  let state: Lifecycle = 'new';
  let parts: HotconfServer['parts'];
  let httpServer: http.Server | undefined;
  let closeHttp: ((graceMs: number) => Promise<void>) | undefined;
  let port = 0;
  const closers: (() => Promise<void> | void)[] = [];

  const server: HotconfServer = {
    get url() {
      const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    },
    get port() {
      return port;
    },
    get parts() {
      return parts;
    },
    logger,

    async listen() {
      if (state !== 'new') throw new Error(`cannot listen: the server is ${state}`);
      state = 'starting';
      const repository = await Repository.open({ repo: settings.repo, searchPath: settings.searchPath, cacheDir: settings.cacheDir, label: settings.label, logger });
      closers.push(() => repository.close());
      const readBlob = (oid: string) => repository.readBlob(oid);
      const secrets = createSecretBox(settings.encryptKey);
      const resolver = new ConfigResolver({ readBlob, decodeSecret: secrets.decode });
      const gate = new SchemaGate({ readBlob, requireSchema: settings.requireSchema });
      const publisher = new Publisher({ repository, resolver, gate, logger });
      const detector = new ChangeDetector({
        repository,
        pollInterval: settings.pollInterval,
        logger,
        onMoves: (moves, seenAt) => void publisher.labelsMoved(moves, seenAt),
      });
      closers.push(() => detector.close());
      let hub: WatchHub | undefined;
      const accessHandle = await createAccess({ tokensFile: settings.tokensFile, logger, onChange: () => hub?.revalidate() });
      closers.push(() => accessHandle.close());
      const { access } = accessHandle;
      if (access.open) {
        checkOpenBind(settings.host, settings.allowOpen);
        logger.warn({ host: settings.host }, 'open mode: no HOTCONF_TOKENS_FILE, every caller may read everything');
      }
      const metrics = createMetrics({ replicaId: settings.replicaId });

      await publisher.start();
      await detector.start();
      const bus = await createBus({
        url: settings.busUrl,
        replicaId: settings.replicaId,
        logger,
        convergeLabel: repository.defaultLabel,
        onRemoteChange: () => void detector.refresh(),
      });
      closers.push(() => bus.close());
      const heard = (refs: string[]) => {
        void detector.refresh();
        bus.announceChange(refs);
      };
      publisher.on('settled', () => bus.announceHeads(repository.labelTable()));
      bus.announceHeads(repository.labelTable());
      hub = new WatchHub({ publisher, access, logger, pingIntervalMs: settings.pingInterval * 1000 });
      hub.metrics = metrics;
      metrics.observe({ publisher, hub, detector, bus });
      const watchHub = hub;
      parts = { publisher, repository, detector, hub };

      const app = createApp({
        logger,
        publisher,
        repository,
        detector,
        access,
        replicaId: settings.replicaId,
        isReady: () => state === 'running',
        onRefresh: () => bus.announceChange([]),
        statusExtras: () => bus.status(),
        metrics,
        extraRoutes: [
          webhookRoutes({ secret: settings.webhookSecret, logger, onPush: heard }),
          encryptRoutes({ box: secrets, access }),
          auditRoutes({ publisher, repository, resolver, gate, access }),
          metrics.routes,
        ],
      });
      // Limits against slow and oversized requests (docs/security.md): headers must arrive
      // within 10 s and the whole request within 30 s; timeouts are checked every second.
      httpServer = http.createServer(
        { maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 },
        app.callback(),
      );
      httpServer.keepAliveTimeout = 65_000;
      closeHttp = gracefulCloser(httpServer);
      httpServer.maxHeadersCount = 100;
      httpServer.on('upgrade', (req, socket, head) => {
        if (state === 'running' && (req.url ?? '').split('?')[0] === '/v1/watch') watchHub.handleUpgrade(req, socket, head);
        else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      });
      await new Promise<void>((resolve, reject) => {
        httpServer?.once('error', reject);
        httpServer?.listen(settings.port, settings.host, () => resolve());
      });
      port = (httpServer.address() as AddressInfo).port;
      state = 'running';
      logger.info({ url: server.url, label: repository.defaultLabel, documents: publisher.all().length }, 'hotconf is serving');
    },

    async close() {
      if (state === 'closing' || state === 'closed') return;
      state = 'closing';
      await parts?.hub.close();
      if (closeHttp) await closeHttp(4000);
      for (const close of closers.reverse()) await close();
      state = 'closed';
    },
  };
  return server;
}
