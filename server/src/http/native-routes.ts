import Router from '@koa/router';
import type { Context } from 'koa';
import { checkLabel, checkService, parseProfiles } from '../config/names.js';
import { InvalidInputError } from '../errors.js';
import type { ChangeDetector } from '../git/change-detector.js';
import type { Repository } from '../git/repository.js';
import { stateOf, type DocumentRecord, type Publisher } from '../publish/publisher.js';
import {
  requireAdmin,
  requirePrincipal,
  requireRead,
  requireReadDocument,
  type Access,
} from '../access/access.js';
import { nativeBody } from './render.js';
import { sendCached, sendJson } from './send.js';

export interface NativeRoutesDeps {
  publisher: Publisher;
  repository: Repository;
  detector: ChangeDetector;
  access: Access;
  replicaId: string;
  isReady(): boolean;
  /** Called on `POST /v1/refresh`, before fetching (to tell other replicas). */
  onRefresh?(): void;
  /** Extra sections for `/v1/status` (bus, replicas), added by later stages. */
  statusExtras?(): Record<string, unknown>;
}

/** Reads `?label=` once, checked; undefined means the default label. */
export function queryLabel(ctx: Context): string | undefined {
  const raw = ctx.query.label;
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new InvalidInputError('HC_INVALID_LABEL', 'label may be given once');
  return checkLabel(raw);
}

function describeRecord(r: DocumentRecord) {
  return {
    service: r.service,
    profiles: r.profiles,
    label: r.label,
    state: stateOf(r),
    version: r.published?.version ?? null,
    etag: r.published?.etag ?? null,
  };
}

/** hotconf's own API under `/v1`, plus `/health` and `/ready`. */
export function nativeRoutes(deps: NativeRoutesDeps): Router {
  const { publisher, repository, access } = deps;
  const router = new Router();

  const config = async (ctx: Context) => {
    // 401 before anything about the names is said (DESIGN §7).
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const service = checkService(ctx.params.service ?? '');
    const profiles = parseProfiles(ctx.params.profiles);
    const label = queryLabel(ctx);
    requireRead(principal, service);
    const doc = await publisher.document(service, profiles, label);
    requireReadDocument(principal, doc.owners);
    sendCached(ctx, doc.etag, 'application/json', nativeBody(doc));
  };
  router.get('/v1/config/:service/:profiles', config);
  router.get('/v1/config/:service', config);

  router.get('/v1/services', async (ctx) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const label = queryLabel(ctx) ?? repository.defaultLabel;
    // Only documents this caller may see are made: a listing must not grow memory for others'.
    if (label !== repository.defaultLabel)
      await publisher.trackLabel(label, (service) => principal.canRead(service));
    const services = new Map<string, ReturnType<typeof describeRecord>[]>();
    for (const r of publisher.all()) {
      if (r.label !== label || r.removed || !principal.canRead(r.service)) continue;
      const owners = r.published?.owners;
      if (owners && !principal.canReadDocument(owners)) continue;
      const list = services.get(r.service) ?? [];
      list.push(describeRecord(r));
      services.set(r.service, list);
    }
    sendJson(ctx, {
      label,
      services: [...services.keys()].sort().map((name) => ({
        service: name,
        documents: (services.get(name) ?? []).sort((a, b) =>
          a.profiles.join().localeCompare(b.profiles.join()),
        ),
      })),
    });
  });

  router.get('/v1/status', (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    sendJson(ctx, {
      replica: deps.replicaId,
      ready: deps.isReady(),
      repository: {
        defaultLabel: repository.defaultLabel,
        labels: Object.fromEntries(repository.labelTable()),
        ambiguousLabels: repository.ambiguousLabels(),
        ...deps.detector.state,
      },
      documents: publisher.all().map((r) => ({
        ...describeRecord(r),
        degraded: r.degraded,
        validated: r.published?.validated ?? false,
        rejection: r.rejection && {
          commit: r.rejection.commit.id,
          author: r.rejection.commit.author,
          time: r.rejection.commit.time,
          message: r.rejection.commit.message,
          problems: r.rejection.problems,
        },
        lastRejection: r.lastRejection && {
          commit: r.lastRejection.commit.id,
          author: r.lastRejection.commit.author,
          time: r.lastRejection.commit.time,
          problems: r.lastRejection.problems,
        },
      })),
      ...deps.statusExtras?.(),
    });
  });

  router.post('/v1/refresh', async (ctx) => {
    requireAdmin(requirePrincipal(access, ctx.get('Authorization')));
    deps.onRefresh?.();
    await deps.detector.refresh();
    await publisher.retryUnreadable();
    await publisher.settled();
    sendJson(ctx, {
      labels: Object.fromEntries(repository.labelTable()),
      lastError: deps.detector.state.lastError ?? null,
    });
  });

  router.get('/health', (ctx) => sendJson(ctx, { status: 'ok' }));
  router.get('/ready', (ctx) => {
    const ready = deps.isReady();
    sendJson(ctx, { status: ready ? 'ready' : 'starting' }, ready ? 200 : 503);
  });
  return router;
}
