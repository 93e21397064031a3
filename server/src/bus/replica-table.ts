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
  /**
   * Other replicas listed at most. A new one beyond it is refused until a listed one goes
   * quiet and expires, so forged ids on the channel cannot grow the table. Default 256.
   */
  maxReplicas?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  heads: Record<string, string>;
  seenAt: number;
  /** Process that spoke for the replica; a new one means it restarted. */
  instance?: string;
}

/** What {@link ReplicaTable.heard} made of a heads message. */
export type Heard = 'new' | 'known' | 'refused';

/**
 * What each replica last said about its heads. Holds no timers: expiry happens when the
 * table is read, so a replica that went quiet disappears on the next look. Bounded: the
 * replicas already listed keep their places (they speak every few seconds) and newcomers
 * past the cap wait for a place.
 */
export class ReplicaTable {
  private readonly others = new Map<string, Entry>();
  private self: Entry;
  private readonly now: () => number;
  private readonly label: string;
  private readonly max: number;
  private turnedAway = 0;

  constructor(private readonly options: ReplicaTableOptions) {
    this.now = options.now ?? Date.now;
    this.label = options.convergeLabel ?? 'HEAD';
    this.max = options.maxReplicas ?? 256;
    this.self = { heads: {}, seenAt: this.now() };
  }

  /** Records this replica's own heads. */
  setSelf(heads: Record<string, string>): void {
    this.self = { heads, seenAt: this.now() };
  }

  /**
   * Records another replica's heads. `new` when the replica is new to this table (it
   * joined, or restarted with a new `instance`) and has yet to hear from this one;
   * `refused` when the table is full and it is not listed.
   */
  heard(id: string, instance: string, heads: Record<string, string>): Heard {
    this.expire();
    const known = this.others.get(id);
    if (!known && this.others.size >= this.max) {
      this.turnedAway++;
      return 'refused';
    }
    this.others.set(id, { heads, seenAt: this.now(), instance });
    return known?.instance === instance ? 'known' : 'new';
  }

  /** Newcomers turned away so far because the table was full. */
  get refused(): number {
    return this.turnedAway;
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
