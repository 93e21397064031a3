/**
 * Who owns a config file (DESIGN §7): `{a}-{b}.yml` is profile `{b}` of service `{a}` —
 * unless `{a}-{b}` is a service in its own right, declared by `schemas/{a}-{b}.schema.json`;
 * then it belongs to `{a}-{b}` alone. Returns the longest dash-separated prefix of `base`
 * (the file name without extension, `base` itself included) that has a schema, or
 * undefined when none does: then the file is read by whichever application names it, as
 * Spring does, and belongs to the service it is read for.
 * @param base file name without folder and extension (`orders-admin-prod`)
 * @param hasSchema whether a service has a schema at the snapshot
 */
export function ownerOf(base: string, hasSchema: (service: string) => boolean): string | undefined {
  if (hasSchema(base)) return base;
  for (let i = base.lastIndexOf('-'); i > 0; i = base.lastIndexOf('-', i - 1)) {
    const prefix = base.slice(0, i);
    if (hasSchema(prefix)) return prefix;
  }
  return undefined;
}

/**
 * True when the file `base` may be a source of `service`'s documents: no longer-named
 * service with a schema claims it (`orders-admin.yml` is never a source of `orders` when
 * `orders-admin` has a schema). `application*` files are shared by every service.
 */
export function mayFeed(
  base: string,
  service: string,
  hasSchema: (service: string) => boolean,
): boolean {
  if (base === 'application' || base.startsWith('application-')) return true;
  const owner = ownerOf(base, hasSchema);
  return owner === undefined || owner.length <= service.length;
}
