import type { Command } from './run-cli.js';

/** `hotconf validate`: written with the schema-gate issue. */
export const validateCommand: Command = async () => 1;
