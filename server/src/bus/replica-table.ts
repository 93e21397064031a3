/** One replica as `/v1/status` shows it. */
export interface ReplicaView {
  id: string;
  /** True for the replica answering. */
  self: boolean;
  /** Commit of the fleet's default label (`HEAD`) this replica serves; null before it said. */
  head: string | null;
  /** Every label it announced → commit. */
  heads: Record<string, string>;
  /** When this replica last heard from it (ISO 8601); for itself, when it last announced. */
  seenAt: string;
}

export interface ReplicaTableOptions {
  selfId: string;
  /** Entries not heard from for this long (ms) are dropped. */
  expireAfterMs: number;
  /** Label compared for convergence. Default `HEAD` (the remote's default branch). */
  convergeLabel?: string;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  heads: Record<string, string>;
  seenAt: number;
  /** Process that spoke for the replica; a new one means it restarted. */
  instance?: string;
}

/**
 * What each replica last said about its heads. Holds no timers: expiry happens when the
 * table is read, so a replica that went quiet disappears on the next look.
 */
export class ReplicaTable {
  private readonly others = new Map<string, Entry>();
  private self: Entry;
  private readonly now: () => number;
  private readonly label: string;

  constructor(private readonly options: ReplicaTableOptions) {
    this.now = options.now ?? Date.now;
    this.label = options.convergeLabel ?? 'HEAD';
    this.self = { heads: {}, seenAt: this.now() };
  }

  /** Records this replica's own heads. */
  setSelf(heads: Record<string, string>): void {
    this.self = { heads, seenAt: this.now() };
  }

  /**
   * Records another replica's heads. Returns true when the replica is new to this table:
   * it joined, or restarted (a new `instance`), and has yet to hear from this one.
   */
  heard(id: string, instance: string, heads: Record<string, string>): boolean {
    this.expire();
    const fresh = this.others.get(id)?.instance !== instance;
    this.others.set(id, { heads, seenAt: this.now(), instance });
    return fresh;
  }

  /** Marks a replica as alive without new heads (it sent a change message). */
  touch(id: string): void {
    const entry = this.others.get(id);
    if (entry) entry.seenAt = this.now();
  }

  /** Every live replica, this one included, by id (the same order on every replica). */
  list(): ReplicaView[] {
    this.expire();
    const view = (id: string, entry: Entry, self: boolean): ReplicaView => ({
      id,
      self,
      head: entry.heads[this.label] ?? null,
      heads: entry.heads,
      seenAt: new Date(entry.seenAt).toISOString(),
    });
    const all = [
      view(this.options.selfId, this.self, true),
      ...[...this.others].map(([id, e]) => view(id, e, false)),
    ];
    return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** True when every live replica (this one included) serves the same commit for the default label. */
  converged(): boolean {
    const heads = this.list().map((r) => r.head);
    return heads[0] !== null && heads.every((h) => h === heads[0]);
  }

  private expire(): void {
    const cutoff = this.now() - this.options.expireAfterMs;
    for (const [id, entry] of this.others) if (entry.seenAt < cutoff) this.others.delete(id);
  }
}
