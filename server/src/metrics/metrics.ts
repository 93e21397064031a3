import Router from '@koa/router';
import type Koa from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SyncState } from '../git/change-detector.js';
import { stateOf, type DocumentState, type Publisher } from '../publish/publisher.js';
import { RequestMetrics, type CollectedMetric } from './request-metrics.js';
import { routeLabel } from './route-label.js';

/** What a change detector reports about each fetch of a remote. */
export interface FetchMetrics {
  /** One fetch took `seconds`; `ok` false when it failed. */
  fetched(seconds: number, ok: boolean): void;
}

/** The parts `observe` reads from; each is optional so a partial server still reports. */
export interface Observed {
  publisher?: Pick<Publisher, 'on' | 'all'>;
  hub?: { counts(): { connections: number; subscriptions: number } };
  /** Fetch counts read at scrape time; fetch durations arrive through `fetched`, passed to the detector. */
  detector?: { readonly state: SyncState };
  /** The replica bus; no series while it is `off` (no HOTCONF_BUS_URL). */
  bus?: { state(): 'up' | 'down' | 'off' };
}

/** What the rest of the server reports to metrics. Every hook is cheap and never throws. */
export interface Metrics extends FetchMetrics {
  /** Koa middleware timing requests by route and status. */
  middleware: Koa.Middleware;
  /** Counts and times one answered request (the Koa middleware and the fast read path). */
  request(method: string, route: string, status: number, seconds: number): void;
  /** A WebSocket push of `count` frames for a commit first seen at `seenAt` (performance.now()). */
  pushed(count: number, seenAt: number): void;
  /** Registers gauges and counters fed by the publisher, the WebSocket hub and the detector. */
  observe(parts: Observed): void;
  /** `GET /metrics`. */
  routes: Router;
  /** The registry, for tests and for embedding. */
  registry: Registry;
}

const DOCUMENT_STATES: readonly DocumentState[] = [
  'ok',
  'unvalidated',
  'rejected',
  'degraded',
  'unavailable',
  'removed',
];

/** Request latencies: config reads are sub-millisecond from memory, refreshes take seconds. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Commit seen → frames written: milliseconds normally, seconds under load. */
const PUBLISH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A git fetch: a LAN remote answers in tens of ms, a hosted one in seconds. */
const FETCH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Builds hotconf's Prometheus registry (prom-client, its own `Registry`, never the global
 * one): process metrics plus hotconf's, every series labelled with `replica`.
 * Metric names are listed in docs/operations.md.
 */
export function createMetrics(options: { replicaId: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ replica: options.replicaId });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new RequestMetrics(HTTP_BUCKETS);
  const register = (metric: CollectedMetric) =>
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  register(
    requests.counter(
      'hotconf_http_requests_total',
      'HTTP requests answered, by method, route pattern and status.',
    ),
  );
  register(
    requests.histogram(
      'hotconf_http_request_duration_seconds',
      'HTTP request latency until the response body was handed to the socket, by method, route pattern and status.',
    ),
  );
  const pushes = new Counter({
    name: 'hotconf_pushes_total',
    help: 'WebSocket change frames sent to subscribers.',
    registers,
  });
  const publishLatency = new Histogram({
    name: 'hotconf_publish_latency_seconds',
    help: 'From a commit first seen to its change frames written to every subscriber.',
    buckets: PUBLISH_BUCKETS,
    registers,
  });
  const fetchDuration = new Histogram({
    name: 'hotconf_git_fetch_duration_seconds',
    help: 'Duration of each fetch of the remote config repository, successful or not.',
    buckets: FETCH_BUCKETS,
    registers,
  });

  const request = (method: string, route: string, status: number, seconds: number) =>
    requests.record(method, route, status, seconds);

  const middleware: Koa.Middleware = async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // The error middleware sits inside this one, so ctx.status is what the caller got.
      request(ctx.method, routeLabel(ctx), ctx.status, (performance.now() - start) / 1000);
    }
  };

  const routes = new Router();
  routes.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });

  let observed = false;
  const metrics: Metrics = {
    middleware,
    request,
    routes,
    registry,
    pushed(count, seenAt) {
      if (count <= 0) return;
      pushes.inc(count);
      publishLatency.observe(Math.max(0, performance.now() - seenAt) / 1000);
    },
    fetched(seconds, ok) {
      void ok; // failures are counted from the detector's own tally, so none is missed
      fetchDuration.observe(Math.max(0, seconds));
    },
    observe(parts) {
      if (observed) throw new Error('metrics.observe() may be called once');
      observed = true;
      observeParts(registry, parts);
    },
  };
  return metrics;
}

/** The series fed by events and read at scrape time from the server's parts. */
function observeParts(registry: Registry, parts: Observed): void {
  const registers = [registry];
  const { publisher, hub, detector, bus } = parts;
  // No bus configured: no series at all (a 0 would read as "bus down" and fire alerts).
  if (bus && bus.state() !== 'off') {
    new Gauge({
      name: 'hotconf_bus_up',
      help: 'Whether the Redis bus to the other replicas is connected (1) or reconnecting (0).',
      registers,
      collect() {
        const state = bus.state();
        if (state === 'off') this.reset();
        else this.set(state === 'up' ? 1 : 0);
      },
    });
  }
  if (publisher) {
    const publishes = new Counter({
      name: 'hotconf_publishes_total',
      help: 'New versions of documents published (valid and changed), by service.',
      labelNames: ['service'] as const,
      registers,
    });
    const rejections = new Counter({
      name: 'hotconf_rejections_total',
      help: 'Commits refused for a document (syntax, schema, secret), by service.',
      labelNames: ['service'] as const,
      registers,
    });
    publisher.on('change', (event) => publishes.inc({ service: event.record.service }));
    publisher.on('rejected', (record) => rejections.inc({ service: record.service }));
    new Gauge({
      name: 'hotconf_documents',
      help: 'Documents held, by state (ok, unvalidated, rejected, degraded, unavailable).',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const counts = new Map<DocumentState, number>(DOCUMENT_STATES.map((s) => [s, 0]));
        for (const record of publisher.all()) {
          const state = stateOf(record);
          counts.set(state, (counts.get(state) ?? 0) + 1);
        }
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
  }
  if (hub) {
    new Gauge({
      name: 'hotconf_websocket_connections',
      help: 'Open WebSocket connections on /v1/watch.',
      registers,
      collect() {
        this.set(hub.counts().connections);
      },
    });
    new Gauge({
      name: 'hotconf_websocket_subscriptions',
      help: 'Document subscriptions held by open WebSocket connections.',
      registers,
      collect() {
        this.set(hub.counts().subscriptions);
      },
    });
  }
  if (detector) {
    const state = detector.state;
    let fetchesSeen = 0;
    let failuresSeen = 0;
    new Counter({
      name: 'hotconf_git_fetches_total',
      help: 'Fetches of the remote config repository attempted.',
      registers,
      collect() {
        if (state.fetches > fetchesSeen) this.inc(state.fetches - fetchesSeen);
        fetchesSeen = state.fetches;
      },
    });
    new Counter({
      name: 'hotconf_git_fetch_failures_total',
      help: 'Fetches of the remote config repository that failed.',
      registers,
      collect() {
        if (state.failures > failuresSeen) this.inc(state.failures - failuresSeen);
        failuresSeen = state.failures;
      },
    });
    new Gauge({
      name: 'hotconf_git_stale',
      help: '1 while the last fetch of the remote failed (what is served may be behind), else 0.',
      registers,
      collect() {
        this.set(state.stale ? 1 : 0);
      },
    });
    new Gauge({
      name: 'hotconf_last_successful_sync_timestamp_seconds',
      help: 'Unix time of the last successful sync with the repository (for a local one: start-up).',
      registers,
      collect() {
        const at = state.lastSuccess ? Date.parse(state.lastSuccess) : NaN;
        this.set(Number.isFinite(at) ? at / 1000 : 0);
      },
    });
  }
}
