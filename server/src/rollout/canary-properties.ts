import type { ConfigObject, JsonValue } from '@hotconf/client';
import { isObject } from '../config/merge.js';
import { DocumentBuilder, KeyError, splitKey } from '../config/nest-entries.js';
import { parseProperties, PropertiesSyntaxError } from '../config/properties-parser.js';
import { checkCanary, type ParsedCanary } from './canary-file.js';

/**
 * Reads a `{service}-{profile}.canary.properties` file: the same keys as the YAML form
 * written flat (`rollout.steps[0].percent=10`, `config.db.pool.max=80`), nested by the
 * config layer's own rules, then checked like the YAML form with lines for every key.
 */
export function parseCanaryProperties(file: string, text: string): ParsedCanary {
  const lines = new Map<string, number>();
  let value: ConfigObject;
  try {
    const docs = parseProperties(text);
    const builder = new DocumentBuilder();
    for (const doc of docs) {
      for (const entry of doc.entries) {
        const origin = { key: entry.key, line: entry.line };
        const path = splitKey(entry.key, origin);
        for (let n = 1; n <= path.length; n++) {
          const at = path.slice(0, n).join('\0');
          if (!lines.has(at)) lines.set(at, entry.line);
        }
        builder.set(path, entry.value, origin);
      }
    }
    value = builder.build();
  } catch (error) {
    if (!(error instanceof PropertiesSyntaxError || error instanceof KeyError)) throw error;
    const line = error.line;
    const where = line === undefined ? '' : ` line ${line}`;
    return {
      ok: false,
      problems: [
        {
          file,
          path: '',
          ...(line === undefined ? {} : { line }),
          message: `${file}${where}: ${error.message}`,
        },
      ],
    };
  }
  // Properties carry text only: a step's percent is a number where it reads as one.
  const rollout = value['rollout'];
  const steps = isObject(rollout) ? rollout['steps'] : undefined;
  if (Array.isArray(steps)) {
    for (const step of steps) {
      if (isObject(step) && typeof step['percent'] === 'string') {
        const text = step['percent'];
        if (/^-?\d+$/.test(text)) step['percent'] = Number(text) as JsonValue;
      }
    }
  }
  return checkCanary(file, value, (path) => {
    for (let n = path.length; n >= 1; n--) {
      const line = lines.get(path.slice(0, n).join('\0'));
      if (line !== undefined) return line;
    }
    return undefined;
  });
}
