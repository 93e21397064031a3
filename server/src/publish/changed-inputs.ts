import { candidateBases, EXTENSIONS } from '../config/names.js';
import type { Snapshot } from '../git/snapshot.js';

/** What differs between two snapshots, as far as documents' inputs go. */
export interface ChangedInputs {
  /** Config files added, removed or changed, by path below the search path (`orders/orders.yml`). */
  files: Set<string>;
  /** Services whose schema was added, removed or changed. */
  schemas: Set<string>;
  /** True when a file or schema appeared: new services or profiles may exist. */
  added: boolean;
  /** Changed files by name → their folders ('' top level, else ending in `/`). */
  byName: Map<string, string[]>;
}

/** Every file name that could feed (service, profiles): what a document depends on. */
export function inputsOf(service: string, profiles: readonly string[]): string[] {
  return candidateBases(service, profiles).flatMap((base) => EXTENSIONS.map((ext) => base + ext));
}

/** Compares two snapshots by blob id: linear in the number of files, no content read. */
export function changedInputs(before: Snapshot, after: Snapshot): ChangedInputs {
  const files = new Set<string>();
  const schemas = new Set<string>();
  let added = false;
  for (const [name, blob] of after.files) {
    const old = before.files.get(name);
    if (old !== blob) files.add(name);
    if (old === undefined) added = true;
  }
  for (const name of before.files.keys()) if (!after.files.has(name)) files.add(name);
  for (const [service, blob] of after.schemas) {
    const old = before.schemas.get(service);
    if (old !== blob) schemas.add(service);
    if (old === undefined) added = true;
  }
  for (const service of before.schemas.keys())
    if (!after.schemas.has(service)) schemas.add(service);
  // A canary file added, changed or removed touches its document (`orders-prod.canary.yml`
  // counts as a change of `orders-prod.yml`, which that document reads).
  const canaries = new Set([...(before.canaries ?? new Map()), ...(after.canaries ?? new Map())]);
  for (const [name] of canaries) {
    if (before.canaries?.get(name) === after.canaries?.get(name)) continue;
    const stem = name.replace(/\.canary\.(?:ya?ml|properties)$/, '');
    for (const ext of EXTENSIONS) files.add(stem + ext);
  }
  const byName = new Map<string, string[]>();
  for (const path of files) {
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    const folders = byName.get(name);
    if (folders) folders.push(path.slice(0, slash + 1));
    else byName.set(name, [path.slice(0, slash + 1)]);
  }
  return { files, schemas, added, byName };
}

/**
 * True when a change touches a document with these inputs. A changed file in a search
 * folder (`orders/orders.yml`) touches it when its name is one of `inputs` and `searched`
 * says the folder is one the document reads (HOTCONF_SEARCH_PATH); without `searched`,
 * every document with that file name is touched.
 */
export function touches(
  changed: ChangedInputs,
  service: string,
  inputs: readonly string[],
  searched?: (folder: string) => boolean,
): boolean {
  if (changed.schemas.has(service)) return true;
  // By input name, not by changed file: a large commit costs each document its few inputs.
  for (const name of inputs) {
    const folders = changed.byName.get(name);
    if (folders?.some((f) => f === '' || !searched || searched(f))) return true;
  }
  // A schema for `orders-admin` (or `orders`) changes who owns `orders-admin.yml` (DESIGN §7).
  for (const owner of changed.schemas) {
    if (inputs.some((name) => name.startsWith(`${owner}-`) || name.startsWith(`${owner}.`)))
      return true;
  }
  return false;
}
