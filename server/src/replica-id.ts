/**
 * The rule for replica ids (HOTCONF_REPLICA_ID), shared by settings and the bus: a
 * setting's check must not depend on the bus's wire format, and the bus must not accept
 * an id a replica could never be configured with.
 */
const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** True when `id` may name a replica: 1-128 letters, digits or `. _ : @ -`, starting with a letter or digit. */
export function isValidReplicaId(id: string): boolean {
  return REPLICA_ID.test(id);
}
