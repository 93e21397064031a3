import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Snapshot } from '../git/snapshot.js';
import { CONFIG_FILE, SCHEMA_FILE } from './names.js';
import type { SearchPath } from './search-paths.js';

/** git's blob id for some bytes, so working-tree files key the same caches as committed ones. */
function blobId(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/**
 * A snapshot of a folder as it is on disk (uncommitted edits included), for
 * `hotconf validate` as a pre-commit hook, with the folders `searchPath` adds (as the
 * server reads them from git). Returns the snapshot and a blob reader.
 */
export async function workingTreeSnapshot(
  dir: string,
  searchPath?: SearchPath,
): Promise<{ snapshot: Snapshot; readBlob(oid: string): Promise<Buffer> }> {
  const blobs = new Map<string, Buffer>();
  const files = new Map<string, string>();
  const schemas = new Map<string, string>();
  const add = async (full: string): Promise<string> => {
    const data = await readFile(full);
    const id = blobId(data);
    blobs.set(id, data);
    return id;
  };
  const readFolder = async (folder: string, patterns: readonly RegExp[]): Promise<void> => {
    const entries = await readdir(path.join(dir, folder), { withFileTypes: true });
    const level = patterns[0];
    for (const entry of entries) {
      if (!level && entry.isFile() && CONFIG_FILE.test(entry.name))
        files.set(folder + entry.name, await add(path.join(dir, folder, entry.name)));
      // `.git` and `schemas/` are never search folders.
      const skip = entry.name === '.git' || (folder === '' && entry.name === 'schemas');
      if (level && entry.isDirectory() && !skip && level.test(entry.name))
        await readFolder(`${folder}${entry.name}/`, patterns.slice(1));
    }
  };
  await readFolder('', []);
  for (const patterns of searchPath?.treePatterns() ?? []) await readFolder('', patterns);
  const schemaDir = path.join(dir, 'schemas');
  const schemaEntries = await readdir(schemaDir, { withFileTypes: true }).catch(() => []);
  for (const entry of schemaEntries) {
    const m = SCHEMA_FILE.exec(entry.name);
    if (entry.isFile() && m)
      schemas.set(m[1] as string, await add(path.join(schemaDir, entry.name)));
  }
  const snapshot: Snapshot = {
    commit: {
      id: 'working-tree',
      author: '',
      email: '',
      time: new Date().toISOString(),
      message: 'uncommitted working tree',
      parents: [],
    },
    files,
    schemas,
    prefix: '',
  };
  return {
    snapshot,
    readBlob: async (oid) => {
      const data = blobs.get(oid);
      if (!data) throw new Error(`blob ${oid} is missing`);
      return data;
    },
  };
}
