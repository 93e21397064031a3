import type { Command } from './run-cli.js';

/** `hotconf encrypt [value]`: filled in by the access issue. */
export const encryptCommand: Command = async () => {
  process.stderr.write('hotconf: encrypt is not available yet\n');
  return 1;
};
