import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { loadContractSchema } from '../protocol-schema.js';

/** One token as the file grants it. */
export interface TokenEntry {
  name: string;
  /** Lower-case hex SHA-256 of the token. */
  sha256: string;
  /** Service globs (`orders-*`); empty for an admin without a list. */
  services: string[];
  admin: boolean;
}

/** The token file could not be used; `message` names no path and no token. */
export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFileError';
  }
}

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  validator ??= new Ajv2020({ allErrors: false, strict: false }).compile(
    loadContractSchema('tokens.schema.json'),
  );
  return validator;
}

/** `/tokens/2/sha256` → `tokens[2].sha256`, the way a person reads YAML. */
function where(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

function sentence(error: ErrorObject): string {
  const at = where(error.instancePath);
  const subject = at === '' ? 'the file' : at;
  switch (error.keyword) {
    case 'type':
      if (at === '') return 'the file must be a mapping with a "tokens" list';
      return `${subject} must be ${(error.params as { type: string }).type === 'array' ? 'a list' : `a ${(error.params as { type: string }).type}`}`;
    case 'required':
      return `${subject} is missing "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties':
      return `${subject} has an unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'pattern':
      if (at.endsWith('.sha256'))
        return `${subject} must be 64 hex digits (the SHA-256 of the token, not the token)`;
      if (at.endsWith('.name'))
        return `${subject} must be 1-64 letters, digits, '_', '.', '@' or '-'`;
      return `${subject} must be a service name or glob (a-z, 0-9, '_', '.', '-', '*')`;
    default:
      return `${subject} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Parses and checks a token file's text against `schemas/tokens.schema.json`, then for
 * duplicate names and hashes (a hash listed twice would make a token's scope ambiguous).
 * @throws TokenFileError with one sentence saying what to fix.
 */
export function parseTokenFile(text: string): TokenEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new TokenFileError(`the token file is not valid YAML${line ? ` (line ${line})` : ''}`);
  }
  const check = validate();
  if (!check(doc)) {
    const first = check.errors?.[0];
    throw new TokenFileError(
      `the token file is invalid: ${first ? sentence(first) : 'unknown problem'}`,
    );
  }
  const raw = (
    doc as { tokens: { name: string; sha256: string; services?: string[]; admin?: boolean }[] }
  ).tokens;
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  return raw.map((t, i) => {
    const sha256 = t.sha256.toLowerCase();
    const sameName = names.get(t.name);
    if (sameName !== undefined)
      throw new TokenFileError(
        `the token file is invalid: tokens[${i}] has the same name as tokens[${sameName}]`,
      );
    const sameHash = hashes.get(sha256);
    if (sameHash !== undefined)
      throw new TokenFileError(
        `the token file is invalid: tokens[${i}] has the same sha256 as tokens[${sameHash}]`,
      );
    names.set(t.name, i);
    hashes.set(sha256, i);
    return { name: t.name, sha256, services: t.services ?? [], admin: t.admin === true };
  });
}
