/**
 * Who owns a config file (DESIGN §7). `{a}-{b}.yml` is profile `{b}` of service `{a}` —
 * unless `{a}-{b}` is a service in its own right, declared by a schema
 * `schemas/{a}-{b}.schema.json`; then it belongs to `{a}-{b}` alone and is never a source
 * of `{a}`'s documents. One definition, used by the resolver (which files feed a document,
 * and whose they are) and by file naming (which service a file names).
 */

/** The services that have a schema at a snapshot (a Set, or the snapshot's schema Map). */
export interface SchemaServices {
  has(service: string): boolean;
}

/** `application` and `application-{profile}`: shared by every service, owned by none. */
export function isSharedBase(base: string): boolean {
  return base === 'application' || base.startsWith('application-');
}

/**
 * The schema-declared service that owns the file with this base name (the file name
 * without folder and extension): the base itself when it has a schema, else the longest
 * dash-prefix that has one (`orders-admin-eu` with schemas for `orders` and `orders-admin`
 * → `orders-admin`). Undefined when no schema claims it — the file then belongs to
 * whichever service reads it by name — and for shared `application*` files.
 */
export function ownerOf(base: string, withSchema: SchemaServices): string | undefined {
  if (isSharedBase(base)) return undefined;
  if (withSchema.has(base)) return base;
  for (let i = base.lastIndexOf('-'); i > 0; i = base.lastIndexOf('-', i - 1)) {
    const prefix = base.slice(0, i);
    if (withSchema.has(prefix)) return prefix;
  }
  return undefined;
}

/**
 * How a candidate file (base name) relates to a document of `service`:
 * `{use: false}` when a longer schema-declared service (`orders-admin` for `orders`)
 * owns it — it is never a source of `service`'s documents; otherwise `{use: true, owner}`,
 * `owner` being the service whose read permission the file needs (undefined for shared
 * files). A file with no schema owner is `service`'s own.
 */
export function sourceOwner(
  base: string,
  service: string,
  withSchema: SchemaServices,
): { use: false } | { use: true; owner: string | undefined } {
  if (isSharedBase(base)) return { use: true, owner: undefined };
  const owner = ownerOf(base, withSchema);
  const app = namedApp(base, service);
  if (owner === undefined || owner === app) return { use: true, owner: app };
  if (owner.length > app.length && owner.startsWith(`${app}-`)) return { use: false };
  return { use: true, owner };
}

/**
 * The application of `service` that names the file: `service` itself, or for Spring's
 * comma list (`orders,orders-x`) the longest listed application the base is or starts
 * with, so a reader needs each application's right, never one for the list as a name.
 */
function namedApp(base: string, service: string): string {
  if (!service.includes(',')) return service;
  let best: string | undefined;
  for (const app of service.split(',')) {
    if ((base === app || base.startsWith(`${app}-`)) && app.length > (best?.length ?? -1))
      best = app;
  }
  return best ?? service;
}

/**
 * The services owning a document of `service` merged from files with these base names:
 * `service` (each application of a comma list) first, then every other owner, each once. A reader must be allowed them all.
 */
export function documentOwners(
  service: string,
  bases: readonly string[],
  withSchema: SchemaServices,
): string[] {
  const owners = new Set(service.split(','));
  for (const base of bases) {
    const owned = sourceOwner(base, service, withSchema);
    if (owned.use && owned.owner !== undefined) owners.add(owned.owner);
  }
  return [...owners];
}
