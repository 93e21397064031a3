/**
 * Which replica drives the rollouts' steps: with Redis, the one holding a lease that it
 * renews; alone, always this one.
 */
export interface RolloutLease {
  /** True while this replica may move steps; renews the lease when it holds it. */
  hold(): Promise<boolean>;
  /** The replica holding the lease now, when known. */
  holder(): string | undefined;
  close(): Promise<void>;
}

/** A single server drives its own rollouts. */
export function soleLease(replicaId: string): RolloutLease {
  return {
    hold: async () => true,
    holder: () => replicaId,
    close: async () => undefined,
  };
}
