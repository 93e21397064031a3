import type { Command } from './run-cli.js';

/** `hotconf watch`: written with the live-refresh issue. */
export const watchCommand: Command = async () => 1;
