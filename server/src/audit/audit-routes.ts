import Router from '@koa/router';
import type { Context } from 'koa';
import type { ConfigResolver } from '../config/config-resolver.js';
import { checkLabel, checkService, parseProfiles } from '../config/names.js';
import { HotconfError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Repository } from '../git/repository.js';
import {
  requirePrincipal,
  requireRead,
  requireReadDocument,
  type Access,
  type Principal,
} from '../access/access.js';
import { queryLabel } from '../http/native-routes.js';
import { sendJson } from '../http/send.js';
import type { Publisher } from '../publish/publisher.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import { diffConfigs } from './diff.js';
import { historyOf, MAX_HISTORY } from './history.js';
import { encryptedKeys, revisionAt, type AuditDeps, type Revision } from './revision.js';

export interface AuditRoutesOptions {
  publisher: Publisher;
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
  access: Access;
}

/** Entries returned when `?limit=` is not given. */
const DEFAULT_LIMIT = 20;

/**
 * `GET /v1/history/{service}/{profiles}?limit=&label=` — commits that changed the served
 * document, newest first — and `GET /v1/diff/{service}/{profiles}?from=&to=` — keys
 * added, removed and changed between two labels or commits, secrets masked. Both read
 * git directly (any commit, not only published ones) and need read access to the service.
 */
export function auditRoutes(options: AuditRoutesOptions): Router {
  const { repository, access } = options;
  const deps: AuditDeps = options;
  const router = new Router();

  const target = (ctx: Context) => {
    const principal: Principal = requirePrincipal(access, ctx.get('Authorization'));
    const service = checkService(ctx.params.service ?? '');
    const profiles = parseProfiles(ctx.params.profiles);
    requireRead(principal, service);
    return { service, profiles, principal };
  };

  const history = async (ctx: Context) => {
    const { service, profiles, principal } = target(ctx);
    const limit = queryLimit(ctx);
    const label = queryLabel(ctx) ?? repository.defaultLabel;
    const head = await repository.headOf(label);
    const at = await revisionAt(deps, head, service, profiles, label);
    if (at.kind === 'absent') throw serviceNotFound(service, label);
    // Valid or not: history names keys of every file the document reads (DESIGN §7).
    requireReadDocument(principal, at.owners);
    const commits = await historyOf(deps, head, service, profiles, limit, label);
    sendJson(ctx, { service, profiles, label, commits });
  };
  router.get('/v1/history/:service/:profiles', history);
  router.get('/v1/history/:service', history);

  const diff = async (ctx: Context) => {
    const { service, profiles, principal } = target(ctx);
    const from = requiredLabel(ctx, 'from');
    const to = requiredLabel(ctx, 'to');
    const [before, after] = await Promise.all([
      repository.headOf(from).then((id) => revisionAt(deps, id, service, profiles, from)),
      repository.headOf(to).then((id) => revisionAt(deps, id, service, profiles, to)),
    ]);
    if (before.kind === 'absent' && after.kind === 'absent')
      throw serviceNotFound(service, `${from} or ${to}`);
    for (const side of [before, after])
      if (side.kind !== 'absent') requireReadDocument(principal, side.owners);
    const a = usable(before, service, profiles, from);
    const b = usable(after, service, profiles, to);
    const encrypted = new Set([
      ...(await encryptedKeys(deps, a.sources)),
      ...(await encryptedKeys(deps, b.sources)),
    ]);
    sendJson(ctx, {
      service,
      profiles,
      from,
      to,
      fromVersion: before.commit.id,
      toVersion: after.commit.id,
      ...diffConfigs(a.config, b.config, encrypted),
    });
  };
  router.get('/v1/diff/:service/:profiles', diff);
  router.get('/v1/diff/:service', diff);
  return router;
}

/** `?limit=`: a whole number from 1 to 100; default 20. */
function queryLimit(ctx: Context): number {
  const raw = ctx.query.limit;
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_HISTORY)) {
    throw new InvalidInputError(
      'HC_INVALID_PARAMETER',
      `limit must be a whole number from 1 to ${MAX_HISTORY}`,
    );
  }
  return n;
}

/** `?from=` / `?to=`: required, a label or commit id. */
function requiredLabel(ctx: Context, name: 'from' | 'to'): string {
  const raw = ctx.query[name];
  if (raw === undefined || raw === '') {
    throw new InvalidInputError(
      'HC_INVALID_PARAMETER',
      `${name} is required: a branch, tag or commit id`,
    );
  }
  if (typeof raw !== 'string')
    throw new InvalidInputError('HC_INVALID_PARAMETER', `${name} may be given once`);
  return checkLabel(raw);
}

function serviceNotFound(service: string, label: string): NotFoundError {
  return new NotFoundError(
    'HC_SERVICE_NOT_FOUND',
    `service ${service} has no config at label ${label}`,
  );
}

/** The config a side of a diff stands for: nothing when absent, refused when invalid. */
function usable(revision: Revision, service: string, profiles: readonly string[], label: string) {
  if (revision.kind === 'valid') return revision;
  if (revision.kind === 'absent') return { config: {}, sources: [] };
  throw new HotconfError(
    422,
    'HC_DOCUMENT_INVALID',
    `${service} (${profiles.join(',')}) is not valid at ${label}, so it was never served there`,
    revision.problems,
  );
}
