import Router from '@koa/router';
import type Koa from 'koa';
import type { Context } from 'koa';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { encryptedKeys, revisionAt, type AuditDeps } from '../audit/revision.js';
import { isSecretKey, MASK, type FlatValue } from '../audit/diff.js';
import { checkService, parseProfiles } from '../config/names.js';
import { flatten } from '../config/flatten.js';
import type { Repository } from '../git/repository.js';
import {
  stateOf,
  type DocumentRecord,
  type Publisher,
  type Rejection,
} from '../publish/publisher.js';
import { requirePrincipal, requireRead, type Access } from '../access/access.js';
import { queryLabel } from './native-routes.js';
import { sendJson } from './send.js';

export interface ConsoleRoutesOptions extends AuditDeps {
  publisher: Publisher;
  repository: Repository;
  access: Access;
  /**
   * True when the server answers `GET path` (the fleet view and rollouts are optional
   * stages): the console then shows their columns and pages. Default: never.
   */
  hasRoute?: (path: string) => boolean;
}

/** Where one flattened key of a served document comes from, and what the console shows. */
export interface ConsoleEntry {
  key: string;
  /** The value, or `******` for secret-looking and `{cipher}` keys. */
  value: FlatValue;
  masked: boolean;
  /** The highest-precedence file that sets the key; `null` for a schema default. */
  file: string | null;
  /** 1-based line in that file, when it could be found. */
  line?: number;
}

/** Files above this size are not scanned for line numbers (the console still lists keys). */
const MAX_LINE_SCAN_BYTES = 1 << 20;

/**
 * Two reads the console needs that the rest of the API does not give, both limited to
 * what the caller's token may read:
 * - `GET /v1/console/documents` — which optional APIs this server has (fleet, rollouts),
 *   who the caller is (name, admin) and every
 *   document at the default label with its state,
 *   the commit it serves (author, time, message) and its open rejection, if any. A read
 *   token sees its own services' rejections here (`/v1/status` stays admin-only).
 * - `GET /v1/console/config/{service}/{profiles}` — the served document flattened, each key
 *   with the file and line it comes from, secrets masked exactly as `/v1/diff` masks them.
 *   `/v1/config` serves decrypted `{cipher}` values to the services that need them; the
 *   console never asks for them.
 */
export function consoleRoutes(options: ConsoleRoutesOptions): Router {
  const { publisher, repository, access } = options;
  const router = new Router();

  router.get('/v1/console/documents', (ctx) => {
    const principal = requirePrincipal(access, ctx.get('Authorization'));
    const label = repository.defaultLabel;
    const documents = publisher
      .all()
      .filter((r) => r.label === label && !r.removed && principal.canRead(r.service))
      .map(describe)
      .sort((a, b) => a.key.localeCompare(b.key));
    sendJson(ctx, {
      label,
      principal: { name: principal.name, admin: principal.admin },
      features: {
        fleet: options.hasRoute?.('/v1/fleet') ?? false,
        rollouts: options.hasRoute?.('/v1/rollouts') ?? false,
      },
      documents,
    });
  });

  const config = async (ctx: Context) => {
    const service = checkService(ctx.params.service ?? '');
    const profiles = parseProfiles(ctx.params.profiles);
    const label = queryLabel(ctx);
    requireRead(requirePrincipal(access, ctx.get('Authorization')), service);
    const doc = await publisher.document(service, profiles, label);
    const revision = await revisionAt(options, doc.version, service, profiles, doc.label);
    // The published version was judged valid by the same judgement; anything else means the
    // label moved under us, and the published config (without line numbers) is what is served.
    const sources = revision.kind === 'valid' ? revision.sources : [];
    const encrypted = await encryptedKeys(options, sources);
    const lines = new Map<string, Map<string, number>>();
    for (const source of sources) {
      const blob = await repository.readBlob(source.blob);
      // Lines come from a YAML parse (JSON is YAML); other formats list keys without lines.
      if (blob.length <= MAX_LINE_SCAN_BYTES && /\.(ya?ml|json)$/.test(source.file))
        lines.set(source.file, keyLines(blob.toString('utf8')));
    }
    const flatSources = (revision.kind === 'valid' ? revision.sources : doc.sources).map((s) => ({
      file: s.file,
      keys: flatten(s.config),
    }));
    const entries: ConsoleEntry[] = Object.entries(flatten(doc.config)).map(([key, value]) => {
      const masked = encrypted.has(key) || isSecretKey(key);
      const from = flatSources.find((s) => Object.hasOwn(s.keys, key));
      const entry: ConsoleEntry = {
        key,
        value: masked ? MASK : value,
        masked,
        file: from?.file ?? null,
      };
      const line = from && lines.get(from.file)?.get(key);
      if (line !== undefined) entry.line = line;
      return entry;
    });
    sendJson(ctx, {
      service,
      profiles,
      label: doc.label,
      version: doc.version,
      etag: doc.etag,
      sources: doc.sources.map((s) => s.file),
      entries,
    });
  };
  router.get('/v1/console/config/:service/:profiles', config);
  router.get('/v1/console/config/:service', config);
  return router;
}

/** A Koa middleware made by `router.routes()` carries its router. */
interface RouterMiddleware {
  router?: { match(path: string, method: string): { route: boolean } };
}

/** True when one of `app`'s routers has a GET route for `path`. */
export function routeExists(app: Koa, path: string): boolean {
  return app.middleware.some(
    (m) => (m as RouterMiddleware).router?.match(path, 'GET').route === true,
  );
}

function describe(r: DocumentRecord) {
  const doc = r.published;
  return {
    key: `${r.service}/${r.profiles.join(',')}`,
    service: r.service,
    profiles: r.profiles,
    label: r.label,
    state: stateOf(r),
    version: doc?.version ?? null,
    etag: doc?.etag ?? null,
    commit: doc
      ? { author: doc.commit.author, time: doc.commit.time, message: doc.commit.message }
      : null,
    degraded: r.degraded,
    validated: doc?.validated ?? false,
    rejection: r.rejection ? rejection(r.rejection) : null,
  };
}

function rejection(r: Rejection) {
  const { id, author, time, message } = r.commit;
  return { commit: id, author, time, message, problems: r.problems };
}

/**
 * Line of every flattened key (`a.b`, `list[0]`) in a YAML or JSON file, in one parse.
 * Unparseable text gives an empty map: lines are a help, never a reason to fail.
 */
export function keyLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
    const lineAt = (node: Node | null | undefined, fallback: number) =>
      node?.range ? counter.linePos(node.range[0]).line : fallback;
    const walk = (node: unknown, key: string, line: number, depth: number): void => {
      if (depth > 64) return;
      if (isMap(node)) {
        if (node.items.length === 0 && key) out.set(key, line);
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const name = String(pair.key.value);
          const child = key ? `${key}.${name}` : name;
          walk(pair.value, child, lineAt(pair.key, line), depth + 1);
        }
      } else if (isSeq(node)) {
        if (node.items.length === 0 && key) out.set(key, line);
        node.items.forEach((item, i) =>
          walk(item, `${key}[${i}]`, lineAt(item as Node, line), depth + 1),
        );
      } else if (key) {
        out.set(key, line);
      }
    };
    walk(doc.contents, '', 1, 0);
  } catch {
    out.clear();
  }
  return out;
}
