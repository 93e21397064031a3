import Router from '@koa/router';
import { FLEET_LIMITS } from '@hotconf/client';
import type { Context } from 'koa';
import { checkLabel, checkService, parseProfiles } from '../config/names.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { standingOn, type FleetView } from '../fleet/fleet-view.js';
import { documentName, type InstanceView } from '../fleet/instance-view.js';
import { commitOrder } from '../fleet/commit-order.js';
import type { Repository } from '../git/repository.js';
import type { Publisher } from '../publish/publisher.js';
import {
  requirePrincipal,
  requireRead,
  requireReadDocument,
  type Access,
} from '../access/access.js';
import { sendJson } from './send.js';

export interface FleetRoutesDeps {
  fleet: FleetView;
  access: Access;
  /** For `?commit=`: the document as of a commit (404 unknown, 503 invalid there). */
  publisher: Pick<Publisher, 'document'>;
  /** For `?commit=`: the commit a label or id names (404 when not known yet). */
  repository: Pick<Repository, 'headOf' | 'gitDir'>;
  /** Label of documents asked for without `?label=`. */
  defaultLabel: string;
  replicaId: string;
}

const STATES = new Set(['online', 'offline', 'applied', 'failed', 'older']);
const MAX_LIMIT = 1000;

/** One query parameter given at most once, or undefined. */
function single(ctx: Context, name: string): string | undefined {
  const raw = ctx.query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new InvalidInputError('HC_INVALID_PARAMETER', `${name} may be given once`);
  return raw;
}

/**
 * `?label=`: a value with a colon filters on instance labels (`label=zone:eu-1`,
 * repeatable, all must match); one without is the git label of the document, as
 * elsewhere in the API (git labels cannot contain a colon).
 */
function labelParams(ctx: Context): { gitLabel: string | undefined; filters: [string, string][] } {
  const raw = ctx.query.label;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const filters: [string, string][] = [];
  const plain: string[] = [];
  for (const item of list) {
    const at = item.indexOf(':');
    if (at === -1) plain.push(item);
    else if (at === 0)
      throw new InvalidInputError(
        'HC_INVALID_PARAMETER',
        'label filters look like label=zone:eu-1',
      );
    else filters.push([item.slice(0, at), item.slice(at + 1)]);
  }
  if (plain.length > 1) throw new InvalidInputError('HC_INVALID_LABEL', 'label may be given once');
  const gitLabel = plain[0] === undefined || plain[0] === '' ? undefined : checkLabel(plain[0]);
  return { gitLabel, filters };
}

function limitOf(ctx: Context): number {
  const raw = single(ctx, 'limit');
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) {
    throw new InvalidInputError(
      'HC_INVALID_PARAMETER',
      `limit must be a whole number from 1 to ${MAX_LIMIT}`,
    );
  }
  return n;
}

function cursorOf(ctx: Context): string | undefined {
  const raw = single(ctx, 'cursor');
  if (raw === undefined) return undefined;
  const id = Buffer.from(raw, 'base64url').toString('utf8');
  if (!FLEET_LIMITS.instanceId.test(id)) {
    throw new InvalidInputError('HC_INVALID_PARAMETER', 'cursor is not one this server gave out');
  }
  return id;
}

/** A row of the per-document list: the instance without its event history. */
function row(view: InstanceView, standing: string) {
  const { events: _events, ...rest } = view;
  return { ...rest, state: standing };
}

/**
 * The fleet view over HTTP (DESIGN §10): `GET /v1/fleet`, `GET /v1/fleet/{service}/{profiles}`
 * and `GET /v1/instances/{id}`. Read tokens see their own services' instances only.
 */
export function fleetRoutes(deps: FleetRoutesDeps): Router {
  const { fleet, access } = deps;
  const router = new Router();
  const atOrAfter = commitOrder(deps.repository.gitDir);

  router.get('/v1/fleet', async (ctx) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const { partial, documents } = await fleet.summarize(principal);
    sendJson(ctx, { replica: deps.replicaId, partial, defaultLabel: deps.defaultLabel, documents });
  });

  const list = async (ctx: Context) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const service = checkService(ctx.params.service ?? '');
    const profiles = parseProfiles(ctx.params.profiles);
    const { gitLabel, filters: labels } = labelParams(ctx);
    const label = gitLabel ?? deps.defaultLabel;
    requireRead(principal, service);
    const state = single(ctx, 'state');
    if (state !== undefined && !STATES.has(state)) {
      throw new InvalidInputError(
        'HC_INVALID_PARAMETER',
        `state must be one of ${[...STATES].join(', ')}`,
      );
    }
    const etag = single(ctx, 'etag');
    const limit = limitOf(ctx);
    const after = cursorOf(ctx);
    const doc = { service, profiles, label };
    requireReadDocument(principal, fleet.ownersOf(doc));
    const key = documentName(doc);
    const published = fleet.publishedOf(doc);
    const commit = single(ctx, 'commit');
    const target =
      commit === undefined
        ? undefined
        : await (async () => {
            const id = await deps.repository.headOf(checkLabel(commit));
            const doc = await deps.publisher.document(service, profiles, id);
            return { id, etag: doc.etag };
          })();
    const progress = { reached: 0, failed: 0, waiting: 0 };
    const snapshot = await fleet.snapshot();
    const rows: (ReturnType<typeof row> & { commit?: keyof typeof progress })[] = [];
    let more = false;
    for (const view of snapshot.views) {
      if (after !== undefined && view.id <= after) continue;
      const on = standingOn(view, key, published);
      if (!on) continue;
      if (state === 'online' ? !view.online : state !== undefined && on.standing !== state)
        continue;
      if (etag !== undefined && on.doc.etag !== etag) continue;
      if (!labels.every(([k, v]) => view.labels[k] === v)) continue;
      let towards: keyof typeof progress | undefined;
      if (target && view.online) {
        const { etag: held, version, error } = on.doc;
        const there =
          held === target.etag || (version !== null && (await atOrAfter(target.id, version)));
        towards = !there ? 'waiting' : error === null ? 'reached' : 'failed';
        progress[towards]++;
      }
      if (rows.length === limit) {
        more = true;
        if (!target) break;
        continue;
      }
      const shown = row({ ...view, documents: [on.doc] }, on.standing);
      rows.push(towards ? { ...shown, commit: towards } : shown);
    }
    const last = rows.at(-1);
    sendJson(ctx, {
      service,
      profiles,
      label,
      published: published ?? null,
      partial: snapshot.partial,
      ...(target ? { commit: { id: target.id, etag: target.etag, ...progress } } : {}),
      instances: rows,
      nextCursor: more && last ? Buffer.from(last.id).toString('base64url') : null,
    });
  };
  router.get('/v1/fleet/:service/:profiles', list);
  router.get('/v1/fleet/:service', list);

  router.get('/v1/instances/:id', async (ctx) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const id = ctx.params.id ?? '';
    if (!FLEET_LIMITS.instanceId.test(id)) {
      throw new InvalidInputError(
        'HC_INVALID_PARAMETER',
        'an instance id is 1-128 letters, digits, . _ : @ -',
      );
    }
    const snapshot = await fleet.snapshot();
    const found = snapshot.views.find((v) => v.id === id);
    const view = found && fleet.visibleTo(found, principal);
    // A read token cannot tell someone else's instance from one that does not exist.
    if (!view) throw new NotFoundError('HC_INSTANCE_NOT_FOUND', `no instance ${id} is known`);
    const events = view.events.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
    sendJson(ctx, { ...view, events, partial: snapshot.partial });
  });
  return router;
}
