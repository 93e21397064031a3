import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Turns an object id into the commit it finally names (tags peeled), or null. */
export type Peel = (oid: string) => Promise<string | null>;

/**
 * Reads branches, tags and HEAD straight from the files git keeps them in (loose refs
 * over `packed-refs`), without spawning a process: on every commit this is the difference
 * between microseconds and a fork of git. Returns label → commit, a tag winning over a
 * branch of the same name as in `git rev-parse` (the name is listed in `ambiguous`), or
 * undefined when the repository keeps refs another way (reftable) and git must be asked. The files are a few bytes each: read synchronously,
 * they cost microseconds, where each async read is a thread-pool round trip.
 */
export async function readRefFiles(gitDir: string, peel: Peel): Promise<RefTable | undefined> {
  if (existsSync(path.join(gitDir, 'reftable'))) return undefined;
  const refs = new Map<string, string>();
  const packedPeeled = new Map<string, string>();
  const packed = readText(path.join(gitDir, 'packed-refs'));
  let last: string | undefined;
  for (const line of packed.split('\n')) {
    if (line.startsWith('^') && last) packedPeeled.set(last, line.slice(1).trim());
    else if (line && !line.startsWith('#')) {
      const [oid, name] = line.split(' ');
      if (oid && name && OID.test(oid)) refs.set(name, oid);
      last = name;
    }
  }
  for (const dir of ['refs/heads', 'refs/tags']) readLoose(gitDir, dir, refs);

  const branches = new Map<string, string>();
  const tags = new Map<string, string>();
  for (const [name, oid] of refs) {
    if (name.startsWith('refs/heads/')) branches.set(name.slice(11), oid);
    else if (name.startsWith('refs/tags/')) {
      const peeled = packedPeeled.get(name) ?? (await peel(oid));
      if (peeled) tags.set(name.slice(10), peeled);
    }
  }
  return refTable(branches, tags, resolveHead(gitDir, refs));
}

/** Labels and the names that are both a branch and a tag. */
export interface RefTable {
  /** Label → commit: branches, tags (a tag winning over a branch of its name), HEAD. */
  labels: Map<string, string>;
  /** Names that are a branch and a tag at once, sorted; the tag is what they serve. */
  ambiguous: string[];
}

/**
 * Builds the label table as git resolves a name: `refs/tags/x` before `refs/heads/x`
 * (gitrevisions(7)), so `?label=x` serves what `git show x:orders.yml` shows.
 */
export function refTable(
  branches: ReadonlyMap<string, string>,
  tags: ReadonlyMap<string, string>,
  head: string | undefined,
): RefTable {
  const labels = new Map(branches);
  const ambiguous: string[] = [];
  for (const [name, oid] of tags) {
    if (labels.has(name)) ambiguous.push(name);
    labels.set(name, oid);
  }
  if (head) labels.set('HEAD', head);
  return { labels, ambiguous: ambiguous.sort() };
}

function readLoose(gitDir: string, dir: string, into: Map<string, string>): void {
  let entries;
  try {
    entries = readdirSync(path.join(gitDir, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = `${dir}/${entry.name}`;
    if (entry.isDirectory()) readLoose(gitDir, name, into);
    else if (entry.isFile() && !entry.name.endsWith('.lock')) {
      // A ref deleted between listing and reading is simply not there.
      const oid = readText(path.join(gitDir, name)).trim();
      if (OID.test(oid)) into.set(name, oid);
    }
  }
}

function resolveHead(gitDir: string, refs: Map<string, string>): string | undefined {
  const head = readText(path.join(gitDir, 'HEAD')).trim();
  if (OID.test(head)) return head;
  return head.startsWith('ref: ') ? refs.get(head.slice(5)) : undefined;
}

/** A file's text, or '' when it is not there (any more). */
function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
