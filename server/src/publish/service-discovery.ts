import { discoverServices } from '../config/config-resolver.js';
import type { Snapshot } from '../git/snapshot.js';

/**
 * The services and profiles found at a snapshot, found once per snapshot (Spring file
 * names are split against them on every request) and forgotten with it.
 */
export class ServiceDiscovery {
  private readonly found = new WeakMap<Snapshot, Map<string, Set<string>>>();

  /** Service → the profiles found for it. */
  services(snapshot: Snapshot): Map<string, Set<string>> {
    let found = this.found.get(snapshot);
    if (!found) this.found.set(snapshot, (found = discoverServices(snapshot)));
    return found;
  }

  /** Every document the repository implies: each service's `default`, then each profile. */
  documents(snapshot: Snapshot): [string, string[]][] {
    const out: [string, string[]][] = [];
    for (const [service, profiles] of this.services(snapshot)) {
      out.push([service, ['default']]);
      for (const p of profiles) if (p !== 'default') out.push([service, [p]]);
    }
    return out;
  }
}
