import { readFileSync } from 'node:fs';

/** Root of the installed project (holds `schemas/`), from this compiled file's place. */
export const PROJECT_ROOT = new URL('../../../', import.meta.url);

/** Reads one of hotconf's own contract schemas from `schemas/`. */
export function loadContractSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`schemas/${name}`, PROJECT_ROOT), 'utf8')) as Record<
    string,
    unknown
  >;
}
