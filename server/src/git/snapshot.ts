/** Who made a commit and why: what rejections, history and logs name. */
export interface CommitInfo {
  id: string;
  author: string;
  email: string;
  /** ISO 8601 author time. */
  time: string;
  /** First line of the commit message. */
  message: string;
  parents: string[];
}

/**
 * The config files of one commit, by blob id: everything later stages need, read from
 * git objects (never a working tree). Immutable and cached by commit id.
 */
export interface Snapshot {
  commit: CommitInfo;
  /**
   * Config files → blob id, keyed by path below the search path: `orders-dev.yml` at the
   * top level, `orders/orders-dev.yml` in a HOTCONF_SEARCH_PATH folder.
   */
  files: ReadonlyMap<string, string>;
  /** Service → blob id of `schemas/{service}.schema.json`. */
  schemas: ReadonlyMap<string, string>;
  /** Canary files (`orders-prod.canary.yml`) → blob id: rollouts, never config (DESIGN §11). */
  canaries?: ReadonlyMap<string, string>;
  /** Repository-relative folder of the files, '' or ending in '/', for naming files to people. */
  prefix: string;
}

/** Parses a raw commit object. */
export function parseCommit(id: string, data: Buffer): CommitInfo & { tree: string } {
  const text = data.toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = (split < 0 ? text : text.slice(0, split)).split('\n');
  const body = split < 0 ? '' : text.slice(split + 2);
  let tree = '';
  const parents: string[] = [];
  let author = '';
  let email = '';
  let time = new Date(0).toISOString();
  for (const line of headers) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) {
      const m = /^author (.*) <([^>]*)> (\d+) [+-]\d{4}$/.exec(line);
      if (m) {
        author = m[1] ?? '';
        email = m[2] ?? '';
        time = new Date(Number(m[3]) * 1000).toISOString();
      }
    }
  }
  return { id, tree, parents, author, email, time, message: body.split('\n')[0] ?? '' };
}

/** One entry of a raw tree object. */
export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** Parses a raw tree object (`<mode> <name>\0<binary id>` repeated). */
export function parseTree(data: Buffer, oidBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(32, i);
    const nul = data.indexOf(0, space);
    if (space < 0 || nul < 0) break;
    const mode = data.toString('latin1', i, space);
    const name = data.toString('utf8', space + 1, nul);
    const oid = data.toString('hex', nul + 1, nul + 1 + oidBytes);
    entries.push({ mode, name, oid });
    i = nul + 1 + oidBytes;
  }
  return entries;
}
