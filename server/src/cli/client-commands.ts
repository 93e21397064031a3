import type { Command } from './run-cli.js';

const notYet: Command = async () => {
  process.stderr.write('hotconf: this command is not available yet\n');
  return 1;
};

/** `hotconf get`, `history`, `diff`: filled in by the production issue. */
export const getCommand: Command = notYet;
export const historyCommand: Command = notYet;
export const diffCommand: Command = notYet;
