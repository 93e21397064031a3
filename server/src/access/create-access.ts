import type { Access } from '../http/access.js';
import { OPEN_ACCESS } from '../http/access.js';
import type { Logger } from '../logger.js';

export interface AccessOptions {
  /** YAML token file; undefined means open mode. */
  tokensFile: string | undefined;
  logger: Logger;
  /** Called after the token file changed and was re-read (to re-check open sockets). */
  onChange(): void;
}

/** A live access policy and a way to stop watching its file. */
export interface AccessHandle {
  access: Access;
  close(): Promise<void>;
}

/** Builds the access policy (DESIGN §7). Open mode until the token issue lands. */
export async function createAccess(options: AccessOptions): Promise<AccessHandle> {
  void options;
  return { access: OPEN_ACCESS, close: async () => undefined };
}
