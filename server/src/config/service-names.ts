import type { Snapshot } from '../git/snapshot.js';
import { sourceOwner } from './file-owner.js';
import { NAME, splitFileName } from './names.js';
import { baseNameOf } from './search-paths.js';

/**
 * The distinct base names of a snapshot's config files, wherever they sit: a file in a
 * search folder (`orders/orders-dev.yml`) names services and profiles as one at the top
 * level does.
 */
function baseNames(snapshot: Snapshot): Set<string> {
  const bases = new Set<string>();
  for (const file of snapshot.files.keys()) {
    const base = splitFileName(baseNameOf(file))?.base;
    if (base) bases.add(base);
  }
  return bases;
}

/**
 * Services known at a snapshot and the profiles found for each: suffixes on its own files
 * and on `application-*` files (DESIGN §2). Linear in the number of files: a repository
 * of thousands of services is re-discovered on every commit.
 */
export function discoverServices(snapshot: Snapshot): Map<string, Set<string>> {
  const bases = baseNames(snapshot);
  const services = new Set<string>(snapshot.schemas.keys());
  for (const base of bases) {
    if (base !== 'application' && !base.startsWith('application-') && NAME.test(base))
      services.add(base);
  }
  // `orders-dev` is a profile file of `orders`, not a service, when `orders` exists.
  for (const service of [...services]) {
    if (snapshot.schemas.has(service)) continue;
    for (let i = service.indexOf('-'); i > 0; i = service.indexOf('-', i + 1)) {
      if (services.has(service.slice(0, i))) {
        services.delete(service);
        break;
      }
    }
  }
  const shared: string[] = [];
  for (const base of bases)
    if (base.startsWith('application-') && NAME.test(base.slice(12))) shared.push(base.slice(12));
  const out = new Map<string, Set<string>>();
  for (const service of services) out.set(service, new Set(shared));
  // Each profile file names its service by its longest known prefix.
  for (const base of bases) {
    // A schema makes it a service of its own, never a profile of a shorter one (DESIGN §7).
    if (snapshot.schemas.has(base)) continue;
    for (let i = base.lastIndexOf('-'); i > 0; i = base.lastIndexOf('-', i - 1)) {
      const profiles = out.get(base.slice(0, i));
      if (profiles) {
        if (NAME.test(base.slice(i + 1))) profiles.add(base.slice(i + 1));
        break;
      }
    }
  }
  return out;
}

/**
 * Every name a file mentions at a snapshot: each file's base and each dash-separated prefix
 * of it (`foo-dev.yml` mentions `foo-dev` and `foo`), except prefixes a schema'd service
 * claims the file from (DESIGN §7). `application*` files mention nothing.
 */
export function mentionedNames(snapshot: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const base of baseNames(snapshot)) {
    if (base === 'application' || base.startsWith('application-')) continue;
    out.add(base);
    for (let i = base.indexOf('-'); i > 0; i = base.indexOf('-', i + 1)) {
      const prefix = base.slice(0, i);
      if (sourceOwner(base, prefix, snapshot.schemas).use) out.add(prefix);
    }
  }
  return out;
}
