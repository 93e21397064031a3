import type { Context, Next } from 'koa';
import { ownerOf } from '../config/file-owner.js';
import {
  checkLabel,
  checkService,
  CANARY_FILE,
  CONFIG_FILE,
  decodeSpringLabel,
  parseProfiles,
  RESERVED,
  SCHEMA_FILE,
  splitFileName,
} from '../config/names.js';
import { documentLookup, resolveText } from '../config/placeholders.js';
import { ErrorCodes, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import { requirePrincipal, requireRead, type Principal } from '../access/access.js';
import { springEnvironment } from './spring-environment.js';
import type { SpringRoutesDeps } from './spring-routes.js';
import { unansweredRead } from './send.js';

const SEGMENT = /^[A-Za-z0-9._@+=-][A-Za-z0-9._@+=,-]{0,199}$/;
const MAX_PATH = 1000;

/**
 * Spring Cloud Config's plain-text endpoint: `GET /{app}/{profiles}/{label}/{path}` (and
 * `/{app}/{profiles}/{path}?useDefaultLabel`) serves any file of the repository, the
 * profile-specific variant first (`nginx-prod.conf` before `nginx.conf`, the last profile
 * first, as Spring's GenericResourceRepository looks), with `${…}` resolved from the
 * application's document and `\${…}` kept literal. A config file or schema is served only
 * to a caller who may read it as config (DESIGN §2a, §7).
 */
export function plainTextRoutes(deps: SpringRoutesDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!unansweredRead(ctx)) return next();
    const segments = ctx.path.split('/').slice(1);
    const useDefault = ctx.query.useDefaultLabel !== undefined;
    const first = useDefault ? 2 : 3;
    if (
      segments.length <= first ||
      segments.some((s) => s === '') ||
      RESERVED.has(segments[0] ?? '')
    )
      return next();
    // 401 before anything about names or files is said (DESIGN §7).
    const principal = requirePrincipal(deps.access, ctx.get('Authorization'));
    const decoded = segments.map((s) => decodeURIComponent(s));
    const app = checkService(decoded[0] as string);
    const profiles = parseProfiles(decoded[1] as string);
    const label = useDefault ? undefined : checkLabel(decodeSpringLabel(decoded[2] as string));
    const path = checkPath(decoded.slice(first));
    requireRead(principal, app);
    const head = await deps.repository.headOf(label ?? deps.defaultLabel);
    const snapshot = await deps.repository.snapshot(head);
    // HOTCONF_SEARCH_PATH folders too, in Spring's GenericResourceRepository order: each
    // location from the top level on, the first file found winning (folders with `*` skipped).
    const locations = deps.resolver.searchPath
      .locations(app, profiles, label ?? deps.defaultLabel)
      .filter((l) => !l.includes('*'));
    const candidates = locations.flatMap((l) => variants(path, profiles).map((v) => l + v));
    for (const candidate of candidates) {
      const data = await deps.repository.readFileAt(head, snapshot.prefix + candidate);
      if (data === undefined) continue;
      checkReadable(principal, candidate, app, (s) => snapshot.schemas.has(s));
      const doc = await springEnvironment(deps, principal, [app], profiles, [label]);
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = resolveText(data.toString('utf8'), documentLookup(doc.config));
      return;
    }
    throw new NotFoundError(
      'HC_FILE_NOT_FOUND',
      `no file ${path} for ${app} (${profiles.join(',')})`,
    );
  };
}

function checkPath(parts: string[]): string {
  const path = parts.join('/');
  if (
    path.length > MAX_PATH ||
    parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..' || p === '.git')
  ) {
    throw new InvalidInputError('HC_INVALID_PATH', 'the file path is not a valid repository path');
  }
  return path;
}

/** `conf/nginx.conf` for `dev,eu`: nginx-eu.conf, nginx-dev.conf, then nginx.conf. */
function variants(path: string, profiles: readonly string[]): string[] {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  const [stem, ext] = dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
  const out = [...profiles].reverse().map((p) => `${stem}-${p}${ext}`);
  out.push(path);
  return out;
}

/**
 * A config file or schema is readable here only if readable as config: `application*`
 * files by anyone who may read `app`; a schema by who may read its service; any other config
 * file by who may read a service it belongs to (its schema'd owner, or else a name it is
 * the file of: `bar-dev.yml` is `bar-dev`'s or `bar`'s).
 */
function checkReadable(
  principal: Principal,
  file: string,
  app: string,
  hasSchema: (s: string) => boolean,
): void {
  const refuse = () => {
    throw new ForbiddenError(`this token may not read ${file} through ${app}`);
  };
  if (CANARY_FILE.test(file)) {
    throw new NotFoundError(
      ErrorCodes.FILE_NOT_FOUND,
      `${file} is a canary rollout, not a plain-text file`,
    );
  }
  if (file.startsWith('schemas/')) {
    const m = SCHEMA_FILE.exec(file.slice('schemas/'.length));
    if (!m || !principal.canRead(m[1] as string)) refuse();
    return;
  }
  if (!CONFIG_FILE.test(file)) return;
  // In any folder: a search folder's `payments/payments.yml` is payments' config (HOTCONF_SEARCH_PATH).
  const name = file.slice(file.lastIndexOf('/') + 1);
  const base = splitFileName(name)?.base ?? name;
  if (base === 'application' || base.startsWith('application-')) return;
  const owner = ownerOf(base, { has: hasSchema });
  if (owner !== undefined) {
    if (!principal.canRead(owner)) refuse();
    return;
  }
  const names = [base];
  for (let i = base.indexOf('-'); i > 0; i = base.indexOf('-', i + 1)) names.push(base.slice(0, i));
  if (!names.some((n) => principal.canRead(n))) refuse();
}
