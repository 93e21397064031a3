import type { SnapshotFiles } from '../git/snapshot-reader.js';
import { CANARY_FILE, CONFIG_FILE, SCHEMA_FILE } from './names.js';
import type { SearchPath } from './search-paths.js';

/** The config layer's naming rules, handed to git/ so it picks config files out of a tree. */
export const SNAPSHOT_FILES: SnapshotFiles = {
  isConfigFile: (name) => CONFIG_FILE.test(name) && !CANARY_FILE.test(name),
  schemaService: (name) => SCHEMA_FILE.exec(name)?.[1],
  isCanaryFile: (name) => CANARY_FILE.test(name),
};

/** SNAPSHOT_FILES plus the folders HOTCONF_SEARCH_PATH adds to the top level. */
export function snapshotFiles(searchPath: SearchPath): SnapshotFiles {
  return searchPath.isEmpty
    ? SNAPSHOT_FILES
    : { ...SNAPSHOT_FILES, searchFolders: searchPath.treePatterns() };
}
