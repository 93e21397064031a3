import type { AppliedMessage, FailedMessage, HelloMessage } from '@hotconf/client';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { loadContractSchema } from '../protocol-schema.js';
import { MAX_CLIENT_FRAME } from '../watch/client-messages.js';

/** A fleet frame a client may send (DESIGN §10). */
export type FleetMessage = HelloMessage | AppliedMessage | FailedMessage;

/** A fleet frame refused: the code and sentence sent back in an `error`. */
export interface FleetFault {
  fault: { code: string; message: string; id?: string };
}

const TYPES = new Set(['hello', 'applied', 'failed']);

/**
 * `applied` exactly as the SDK writes it, ids and etags of plain printable ASCII: a regular
 * expression decides what the schema would, without JSON.parse and ajv for each of the
 * thousands of reports that follow a change.
 */
const PLAIN_APPLIED =
  /^\{"type":"applied","id":"([\x20\x21\x23-\x5b\x5d-\x7e]{1,128})","etag":"([\x20\x21\x23-\x5b\x5d-\x7e]{1,128})"\}$/;

/**
 * Recognises and validates `hello`, `applied` and `failed` against
 * `schemas/protocol.schema.json`. Anything else (another type, not JSON, too large) is
 * left to the watch hub's own parser, which owns those errors.
 */
export class FleetMessageParser {
  private readonly validators: Record<FleetMessage['type'], ValidateFunction>;

  constructor() {
    const ajv = new Ajv2020({ allErrors: false, strict: false });
    ajv.addSchema(loadContractSchema('protocol.schema.json'), 'protocol');
    const get = (name: string) => ajv.getSchema(`protocol#/$defs/${name}`) as ValidateFunction;
    this.validators = { hello: get('hello'), applied: get('applied'), failed: get('failed') };
  }

  /** The fleet message in `data`, a fault to answer, or undefined when it is not one. */
  parse(data: Buffer): FleetMessage | FleetFault | undefined {
    if (data.length > MAX_CLIENT_FRAME) return undefined;
    if (data.length < 400) {
      const plain = PLAIN_APPLIED.exec(data.toString('latin1'));
      if (plain) return { type: 'applied', id: plain[1] as string, etag: plain[2] as string };
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null) return undefined;
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string' || !TYPES.has(type)) return undefined;
    const kind = type as FleetMessage['type'];
    const validate = this.validators[kind];
    if (validate(value)) return value as FleetMessage;
    const id = (value as { id?: unknown }).id;
    const idOf = typeof id === 'string' && id.length <= 128 ? { id } : {};
    return {
      fault: {
        code: kind === 'hello' ? 'HC_INVALID_HELLO' : 'HC_INVALID_REPORT',
        message: `invalid ${kind}: ${describe(validate)}`,
        ...idOf,
      },
    };
  }
}

/** The first schema error as a sentence in our words (never ajv's advice). */
function describe(validate: ValidateFunction): string {
  const error = validate.errors?.[0];
  if (!error) return 'it is malformed';
  const where = error.instancePath.slice(1).replace(/\//g, '.');
  const field = where === '' ? '' : `${where.slice(0, 80)} `;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing field ${String(params.missingProperty)}`;
    case 'additionalProperties':
      return `unknown field ${String(params.additionalProperty).slice(0, 60)}`;
    case 'maxProperties':
      return `labels may hold at most ${String(params.limit)}`;
    case 'propertyNames':
      return `a label key must be 1-63 letters, digits, . _ / -, starting with a letter or digit`;
    case 'maxLength':
      return `${field}must be at most ${String(params.limit)} characters`;
    case 'pattern':
      return where.startsWith('labels.') || where === 'host'
        ? `${field}must not contain control characters`
        : `${field}has characters it may not have`;
    case 'type':
      return `${field}must be ${String(params.type)}`;
    default:
      return `${field}is invalid`;
  }
}

/** True for a refused frame. */
export function isFleetFault(value: FleetMessage | FleetFault): value is FleetFault {
  return 'fault' in value;
}
