import { isDeepStrictEqual } from 'node:util';
import { valueAt } from './document.js';
import type { ConfigObject } from './protocol.js';

/** Called by `onKey` with the new and the previous value at the path (`undefined` when absent). */
export type KeyListener = (value: unknown, previous: unknown) => void;

/** A client's `onKey` listeners: who watches which path, told when its value changes. */
export class KeyListeners {
  private readonly entries = new Set<{ path: string[]; listener: KeyListener }>();

  /** Adds a listener for `path` (segments). @returns a function that removes it. */
  add(path: string[], listener: KeyListener): () => void {
    const entry = { path, listener };
    this.entries.add(entry);
    return () => {
      this.entries.delete(entry);
    };
  }

  /**
   * Calls, through `guard`, each listener whose path's value differs (deeply) between the
   * two documents; one removed by an earlier listener is skipped.
   */
  notify(
    previous: ConfigObject,
    config: ConfigObject,
    guard: (event: string, call: () => unknown) => void,
  ): void {
    for (const entry of [...this.entries]) {
      if (!this.entries.has(entry)) continue;
      const before = valueAt(previous, entry.path);
      const after = valueAt(config, entry.path);
      if (!isDeepStrictEqual(before, after)) {
        guard(`onKey(${entry.path.join('.')})`, () => entry.listener(after, before));
      }
    }
  }
}
