import { Text, Value } from './text';
import type { ConfigEntry } from './types';

interface Node {
  name: string;
  children: Map<string, Node>;
  entry?: ConfigEntry;
}

/** `db.pool[0].max` → `db`, `pool`, `[0]`, `max`. */
export function segments(key: string): string[] {
  return key.split('.').flatMap((part) => part.split(/(?=\[\d+\])/));
}

function build(entries: readonly ConfigEntry[]): Node {
  const root: Node = { name: '', children: new Map() };
  for (const entry of entries) {
    let node = root;
    for (const segment of segments(entry.key)) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = { name: segment, children: new Map() }));
      node = child;
    }
    node.entry = entry;
  }
  return root;
}

function Origin({ entry }: { entry: ConfigEntry }) {
  if (entry.file === null) return <span class="origin muted">schema default</span>;
  return (
    <span class="origin">
      <Text value={entry.file} />
      {entry.line !== undefined ? `:${entry.line}` : ''}
    </span>
  );
}

function Branch({ node }: { node: Node }) {
  return (
    <ul>
      {[...node.children.values()].map((child) =>
        child.children.size > 0 ? (
          <li key={child.name}>
            <details open>
              <summary>
                <Text value={child.name} />
              </summary>
              <Branch node={child} />
            </details>
          </li>
        ) : (
          <li key={child.name} class="leaf">
            <span class="key">
              <Text value={child.name} />
            </span>
            {child.entry && (
              <>
                <span class="eq">: </span>
                <span class="value">
                  <Value value={child.entry.value} masked={child.entry.masked} />
                </span>
                <Origin entry={child.entry} />
              </>
            )}
          </li>
        ),
      )}
    </ul>
  );
}

/** The merged config as a tree; each value with the file (and line) it comes from. */
export function ConfigTree({ entries }: { entries: readonly ConfigEntry[] }) {
  if (entries.length === 0) return <p class="muted">This document is empty.</p>;
  return (
    <div class="tree">
      <Branch node={build(entries)} />
    </div>
  );
}
