import type { ConfigObject } from '@hotconf/client';
import type { Problem } from '../errors.js';

/** One file (or one document of a multi-document file) that contributed to a document. */
export interface Source {
  /** Repository-relative path (`config-repo/orders-dev.yml`). */
  file: string;
  blob: string;
  config: ConfigObject;
  /** Spring's property source name: the file, plus ` (document #N)` in a multi-document file. */
  name?: string;
  /** Position of the document in its file, from 0. */
  document?: number;
}

/** A merged document at a commit, or why it could not be merged. */
export type Resolution =
  | {
      ok: true;
      config: ConfigObject;
      sources: Source[];
      /** Services owning its sources, its own first (DESIGN §7): a reader must read all. */
      owners: string[];
      /** Paths (segments) in `config` whose value is a decrypted secret. */
      secrets: string[][];
    }
  | { ok: false; problems: Problem[]; sources: Source[] };
