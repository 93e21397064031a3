import { randomBytes } from 'node:crypto';

/** A fresh id no instance here has: `i-` and 16 hex digits, unique across replicas by chance. */
export function newInstanceId(taken: ReadonlyMap<string, unknown>): string {
  for (;;) {
    const id = `i-${randomBytes(8).toString('hex')}`;
    if (!taken.has(id)) return id;
  }
}
