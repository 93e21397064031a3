import type { ConfigObject } from '@hotconf/client';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Source } from '../config/config-resolver.js';
import { coerceSpringStrings } from '../config/coerce-strings.js';
import { lineOf } from '../config/parse-file.js';
import type { Problem } from '../errors.js';
import { ObjectReadError } from '../git/object-read-error.js';
import type { Snapshot } from '../git/snapshot.js';
import { linearRegExp, UnsupportedPatternError } from './linear-regexp.js';
import { withoutSecrets } from './secret-placeholders.js';
import { isObject } from '../config/merge.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** What the gate decided for one merged document. */
export type Verdict =
  { ok: true; config: ConfigObject; validated: boolean } | { ok: false; problems: Problem[] };

export interface SchemaGateOptions {
  /** Reads a blob's bytes. */
  readBlob(oid: string): Promise<Buffer>;
  /** A service without a schema is a rejection. Default false. */
  requireSchema?: boolean;
}

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; problem: Problem };

/**
 * Validates merged documents against `schemas/{service}.schema.json` read at the same
 * commit. Compiled validators are cached by the schema's blob id. Defaults given by the
 * schema are filled in (on a copy: resolutions are shared and must stay untouched).
 */
export class SchemaGate {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, Promise<Compiled>>();

  constructor(private readonly options: SchemaGateOptions) {
    this.ajv = new Ajv2020({
      allErrors: true,
      useDefaults: true,
      strict: false,
      validateSchema: true,
      // Linear-time matching (DESIGN §3): no pattern can hang the server.
      code: { regExp: linearRegExp },
    });
    addFormats(this.ajv);
  }

  /**
   * Judges `config`, merged from `sources`, for `service` at `snapshot`. `secrets` are the
   * paths holding decrypted values: the schema sees a placeholder there, never the secret
   * (DESIGN §7), so no keyword can turn the gate into a guessing oracle.
   */
  async check(
    snapshot: Snapshot,
    service: string,
    config: ConfigObject,
    sources: readonly Source[],
    secrets: readonly (readonly string[])[] = [],
  ): Promise<Verdict> {
    const schemaBlob = snapshot.schemas.get(service);
    const schemaFile = `${snapshot.prefix}schemas/${service}.schema.json`;
    if (!schemaBlob) {
      if (this.options.requireSchema) {
        return {
          ok: false,
          problems: [
            {
              file: schemaFile,
              path: '',
              message: `service ${service} has no schema (${schemaFile}) and HOTCONF_REQUIRE_SCHEMA is on`,
            },
          ],
        };
      }
      return { ok: true, config, validated: false };
    }
    const compiled = await this.compile(schemaBlob, schemaFile);
    if (!compiled.ok) return { ok: false, problems: [compiled.problem] };
    // Spring repositories: `.properties` strings become the numbers/booleans the schema asks for.
    const coerced = structuredClone(config);
    coerceSpringStrings(compiled.validate.schema, coerced, sources);
    const masked = withoutSecrets(coerced, secrets);
    const valid = compiled.validate(masked.copy);
    const errors = (compiled.validate.errors ?? []).filter((e) => !masked.ignores(e));
    if (valid || errors.length === 0)
      return { ok: true, config: masked.restore(), validated: true };
    const problems = await Promise.all(errors.map((e) => this.describe(e, sources)));
    return { ok: false, problems: dedupe(problems) };
  }

  private compile(blob: string, file: string): Promise<Compiled> {
    let hit = this.compiled.get(blob);
    if (!hit) {
      const refuse = (why: string, e: unknown): Compiled => ({
        ok: false,
        problem: { file, path: '', message: `${file} ${why}: ${(e as Error).message}` },
      });
      hit = (async (): Promise<Compiled> => {
        let schema: unknown;
        try {
          schema = JSON.parse((await this.options.readBlob(blob)).toString('utf8'));
        } catch (e) {
          // An unreadable object is not a verdict on the schema: forget it, let a later read retry.
          if (e instanceof ObjectReadError) {
            this.compiled.delete(blob);
            throw e.file === undefined ? e.inFile(file) : e;
          }
          return refuse('is not valid JSON', e);
        }
        try {
          // A schema's own $id must not collide across commits in ajv's registry.
          return { ok: true, validate: this.ajv.compile(stripId(schema) as object) };
        } catch (e) {
          if (e instanceof UnsupportedPatternError)
            return { ok: false, problem: { file, path: '', message: `${file}: ${e.message}` } };
          return refuse('is not a valid JSON Schema', e);
        }
      })();
      this.compiled.set(blob, hit);
    }
    return hit;
  }

  /** Turns an ajv error into a sentence naming the key, the file and the line. */
  private async describe(error: ErrorObject, sources: readonly Source[]): Promise<Problem> {
    const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
    const extra =
      error.keyword === 'additionalProperties'
        ? (error.params as { additionalProperty: string }).additionalProperty
        : error.keyword === 'unevaluatedProperties'
          ? (error.params as { unevaluatedProperty: string }).unevaluatedProperty
          : undefined;
    const target = extra === undefined ? segments : [...segments, extra];
    const dotted = toDotted(target);
    const pointer = target.length ? `/${target.map(escapePointer).join('/')}` : '';
    let message: string;
    if (extra !== undefined) message = `\`${dotted}\` is not an allowed setting`;
    else if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      message = `\`${toDotted([...segments, missing])}\` is required`;
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
        .map((v) => JSON.stringify(v))
        .join(', ');
      message = `\`${dotted || '(document)'}\` must be one of ${allowed}`;
    } else message = `\`${dotted || '(document)'}\` ${error.message ?? 'is invalid'}`;
    const where = await this.locate(target, sources);
    if (where) message += ` — ${where.file}${where.line ? ` line ${where.line}` : ''}`;
    const problem: Problem = { path: pointer, message };
    if (where) {
      problem.file = where.file;
      if (where.line !== undefined) problem.line = where.line;
    }
    return problem;
  }

  /** The highest-precedence file that sets `path` (or its nearest parent), and the line. */
  private async locate(path: string[], sources: readonly Source[]) {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const source = sources.find((s) => has(s.config, prefix));
      if (source && (depth > 0 || sources.length === 1)) {
        const text = (await this.options.readBlob(source.blob)).toString('utf8');
        const keys = prefix.map((k) =>
          /^\d+$/.test(k) && Array.isArray(get(source.config, prefix.slice(0, prefix.indexOf(k))))
            ? Number(k)
            : k,
        );
        return { file: source.file, line: lineOf(text, keys, source.file, source.document) };
      }
    }
    return undefined;
  }
}

function get(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function has(obj: unknown, path: string[]): boolean {
  return get(obj, path) !== undefined;
}

function toDotted(path: string[]): string {
  return path.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function stripId(schema: unknown): unknown {
  if (isObject(schema) && '$id' in schema) {
    const { $id: _id, ...rest } = schema as Record<string, unknown>;
    return rest;
  }
  return schema;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.message) && (seen.add(p.message), true));
}
