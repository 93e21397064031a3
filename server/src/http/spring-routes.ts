import type { Context, Next } from 'koa';
import {
  checkLabel,
  checkService,
  decodeSpringLabel,
  parseProfiles,
  RESERVED,
} from '../config/names.js';
import { InvalidInputError } from '../errors.js';
import type { Publisher } from '../publish/publisher.js';
import { requirePrincipal, requireReadDocument, type Access } from '../access/access.js';
import { renderFile, springBody, type Rendering } from './render.js';
import { sendCached, unansweredRead } from './send.js';
import { springEnvironment, type SpringEnvironmentDeps } from './spring-environment.js';

export interface SpringRoutesDeps extends SpringEnvironmentDeps {
  publisher: Publisher;
  access: Access;
  defaultLabel: string;
}

/** `foo,bar` → each name checked (DESIGN §2a: only Spring paths take comma lists). */
function listOf(segment: string, check: (name: string) => string): string[] {
  const names = segment.split(',').filter((n) => n !== '');
  if (names.length === 0) return [check(segment)];
  return [...new Set(names.map(check))];
}

const FILE = /^(.+)\.(yml|yaml|json|properties)$/;

function decode(segment: string): string {
  // A malformed escape is a URIError, which the error middleware answers with 400.
  return decodeURIComponent(segment);
}

/**
 * Spring Cloud Config's routes, so Spring clients work unchanged:
 * `/{service}/{profiles}[/{label}]` → Environment JSON, and the single-file renderings
 * `/{service}-{profiles}.{ext}` and `/{label}/{service}-{profiles}.{ext}`.
 * Runs after hotconf's own routes; answers only what they did not.
 */
export function springRoutes(deps: SpringRoutesDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!unansweredRead(ctx)) return next();
    const segments = ctx.path.split('/').slice(1);
    if (segments.length === 0 || segments.length > 3 || segments.some((s) => s === ''))
      return next();
    if (RESERVED.has(segments[0] ?? '') && segments.length === 1) return next();
    const last = segments[segments.length - 1] as string;
    const file = FILE.exec(last);
    if (file && segments.length <= 2) {
      const label =
        segments.length === 2
          ? checkLabel(decodeSpringLabel(decode(segments[0] as string)))
          : undefined;
      await serveFile(ctx, deps, decode(file[1] as string), file[2] as Rendering, label);
      return;
    }
    if (segments.length < 2) return next();
    const principal = requirePrincipal(deps.access, ctx.get('Authorization'));
    const apps = listOf(decode(segments[0] as string), checkService);
    const profiles = parseProfiles(decode(segments[1] as string));
    const labels =
      segments[2] === undefined
        ? [undefined]
        : listOf(decode(segments[2]), (l) => checkLabel(decodeSpringLabel(l)));
    const doc = await springEnvironment(deps, principal, apps, profiles, labels);
    requireReadDocument(principal, doc.owners);
    const label = segments[2] === undefined ? null : labels.join(',');
    sendCached(ctx, doc.etag, 'application/json', springBody(doc, label));
  };
}

async function serveFile(
  ctx: Context,
  deps: SpringRoutesDeps,
  name: string,
  ext: Rendering,
  label: string | undefined,
) {
  const principal = requirePrincipal(deps.access, ctx.get('Authorization'));
  const { service, profiles } = await splitName(deps.publisher, name, label ?? deps.defaultLabel);
  const doc = await springEnvironment(deps, principal, [service], profiles, [label]);
  requireReadDocument(principal, doc.owners);
  const { type, body } = renderFile(doc, ext);
  sendCached(ctx, doc.etag, type, body);
}

/**
 * `camera-registry-prod` is service `camera-registry`, profile `prod`: service names may
 * hold dashes, so the longest prefix that names a known service wins; otherwise the last
 * dash splits, as Spring's own matcher does.
 */
async function splitName(publisher: Publisher, name: string, label: string) {
  const known = await publisher.services(label).catch(() => new Map<string, Set<string>>());
  // A name that is a service of its own (orders-admin, with a schema) is never a profile
  // of a shorter one (DESIGN §7).
  if (known.has(name)) return { service: checkService(name), profiles: ['default'] };
  for (let i = name.lastIndexOf('-'); i > 0; i = name.lastIndexOf('-', i - 1)) {
    const service = name.slice(0, i);
    if (known.has(service))
      return { service: checkService(service), profiles: parseProfiles(name.slice(i + 1)) };
  }
  const dash = name.lastIndexOf('-');
  if (dash <= 0) {
    if (known.has(name)) return { service: checkService(name), profiles: ['default'] };
    throw new InvalidInputError(
      'HC_INVALID_NAME',
      'a file name must be {service}-{profiles}.{ext}',
    );
  }
  return {
    service: checkService(name.slice(0, dash)),
    profiles: parseProfiles(name.slice(dash + 1)),
  };
}
