import { ObjectReadError } from './object-read-error.js';
import type { GitObject } from './object-reader.js';
import {
  parseCommit,
  parseTree,
  type CommitInfo,
  type Snapshot,
  type TreeEntry,
} from './snapshot.js';

/**
 * Which files of a tree are config: the naming rules live with the config layer and are
 * handed down, so git/ never imports them.
 */
export interface SnapshotFiles {
  /** True when a file at the search path (`orders-dev.yml`) is a config file. */
  isConfigFile(name: string): boolean;
  /** The service a file in `schemas/` is the schema of (`orders.schema.json` → `orders`). */
  schemaService(name: string): string | undefined;
  /**
   * Folders below the search path that hold config files too (HOTCONF_SEARCH_PATH): per
   * entry, one pattern per folder level. Their files are keyed by path (`orders/orders.yml`).
   */
  searchFolders?: readonly (readonly RegExp[])[];
  /** True when a file at the search path is a canary file (DESIGN §11), kept apart from config. */
  isCanaryFile?(name: string): boolean;
}

/** What reading a snapshot needs from its repository. */
export interface TreeSource {
  /** Reads an object (the repository's one `cat-file --batch`). */
  read(rev: string): Promise<GitObject | null>;
  files: SnapshotFiles;
  /** Search path inside the repository, '' or ending in '/'. */
  prefix: string;
  /** Bytes of a binary object id in a tree: 20 (SHA-1) or 32 (SHA-256). */
  oidBytes: number;
  /** Parsed trees by id (a tree never changes): an untouched search folder costs no read. */
  treeCache?: { get(oid: string): TreeEntry[] | undefined; set(oid: string, v: TreeEntry[]): void };
}

/**
 * A commit's metadata and tree id.
 * @throws ObjectReadError when it is missing or unreadable.
 */
export async function readCommit(
  read: TreeSource['read'],
  commitId: string,
): Promise<CommitInfo & { tree: string }> {
  const obj = await read(commitId);
  if (!obj || obj.type !== 'commit') throw new ObjectReadError(commitId, 'is missing');
  return parseCommit(obj.oid, obj.data);
}

/**
 * The config files and schemas of a commit, by blob id, read from git objects.
 * @throws ObjectReadError when the commit or a tree on the way is missing or unreadable.
 */
export async function readSnapshot(source: TreeSource, commitId: string): Promise<Snapshot> {
  const { tree, ...commit } = await readCommit(source.read, commitId);
  const files = new Map<string, string>();
  const schemas = new Map<string, string>();
  const canaries = new Map<string, string>();
  let treeId: string | undefined = tree;
  for (const segment of source.prefix.split('/').filter(Boolean)) {
    treeId = treeId
      ? (await readTree(source, treeId)).find((e) => e.name === segment && e.mode === '40000')?.oid
      : undefined;
  }
  if (treeId) {
    for (const entry of await readTree(source, treeId)) {
      if (entry.mode === '40000' && entry.name === 'schemas') {
        for (const s of await readTree(source, entry.oid)) {
          const service = source.files.schemaService(s.name);
          if (service !== undefined && s.mode.startsWith('100')) schemas.set(service, s.oid);
        }
      } else if (entry.mode.startsWith('100') && source.files.isConfigFile(entry.name)) {
        files.set(entry.name, entry.oid);
      } else if (entry.mode.startsWith('100') && source.files.isCanaryFile?.(entry.name)) {
        canaries.set(entry.name, entry.oid);
      }
    }
    for (const pattern of source.files.searchFolders ?? []) {
      await readSearchFolders(source, treeId, pattern, 0, '', files);
    }
  }
  return { commit, files, schemas, canaries, prefix: source.prefix };
}

/**
 * Adds the config files of every folder under `treeId` that matches `pattern` from level
 * `depth` on, keyed by their path below the search path. A folder two entries both match
 * is read once (its files are already in `files`).
 */
async function readSearchFolders(
  source: TreeSource,
  treeId: string,
  pattern: readonly RegExp[],
  depth: number,
  folder: string,
  files: Map<string, string>,
): Promise<void> {
  const entries = await readTree(source, treeId);
  const level = pattern[depth];
  if (!level) {
    for (const entry of entries) {
      if (entry.mode.startsWith('100') && source.files.isConfigFile(entry.name))
        files.set(folder + entry.name, entry.oid);
    }
    return;
  }
  for (const entry of entries) {
    // `schemas/` holds schemas, never a search folder.
    if (entry.mode !== '40000' || !level.test(entry.name)) continue;
    if (depth === 0 && entry.name === 'schemas') continue;
    await readSearchFolders(
      source,
      entry.oid,
      pattern,
      depth + 1,
      `${folder}${entry.name}/`,
      files,
    );
  }
}

/** A tree's entries. A missing tree is an error, never an empty folder: no file may vanish silently. */
async function readTree(source: TreeSource, oid: string): Promise<TreeEntry[]> {
  const hit = source.treeCache?.get(oid);
  if (hit) return hit;
  const obj = await source.read(oid);
  if (!obj || obj.type !== 'tree') throw new ObjectReadError(oid, 'is missing');
  const entries = parseTree(obj.data, source.oidBytes);
  source.treeCache?.set(oid, entries);
  return entries;
}
