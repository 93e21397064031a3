import { parseArgs } from 'node:util';
import path from 'node:path';
import { loadSettings } from '../settings.js';
import type { Command } from './command.js';

/** `hotconf types [--out dir] [--repo dir]`: TypeScript interfaces from the repository's schemas. */
export const typesCommand: Command = async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      repo: { type: 'string' },
      'search-path': { type: 'string' },
    },
    strict: true,
  });
  const settings = loadSettings(process.env, {});
  const repoDir = path.resolve(values.repo ?? settings.repo);
  const { runTypes } = await import('./types-command.js');
  const written = await runTypes({
    repoDir,
    searchPath: values['search-path'] ?? settings.searchPath,
    outDir: path.resolve(values.out ?? 'types'),
  });
  for (const file of written) process.stdout.write(`${file}\n`);
  return 0;
};
