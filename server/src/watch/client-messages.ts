import type { ClientMessage } from '@hotconf/client';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { isObject } from '../config/merge.js';
import { ErrorCodes, type ErrorCode } from '../errors.js';
import { loadContractSchema } from '../protocol-schema.js';

/** A client frame that could not be accepted: the code and sentence sent back. */
export interface MessageFault {
  code: ErrorCode;
  message: string;
  id?: string;
}

/** Largest client frame the protocol accepts (DESIGN §5). */
export const MAX_CLIENT_FRAME = 64 * 1024;

/**
 * Parses and validates client frames against `schemas/protocol.schema.json`, the single
 * definition of the protocol, and turns failures into an error code and a sentence.
 */
export class ClientMessageParser {
  private readonly validators: Record<ClientMessage['type'], ValidateFunction>;

  constructor() {
    const ajv = new Ajv2020({ allErrors: false, strict: false });
    ajv.addSchema(loadContractSchema('protocol.schema.json'), 'protocol');
    this.validators = {
      subscribe: ajv.getSchema('protocol#/$defs/subscribe') as ValidateFunction,
      unsubscribe: ajv.getSchema('protocol#/$defs/unsubscribe') as ValidateFunction,
    };
  }

  parse(data: Buffer | string, size: number): ClientMessage | MessageFault {
    if (size > MAX_CLIENT_FRAME) {
      return {
        code: ErrorCodes.FRAME_TOO_LARGE,
        message: `frames may be at most ${MAX_CLIENT_FRAME} bytes`,
      };
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch {
      return { code: ErrorCodes.BAD_MESSAGE, message: 'the frame is not JSON' };
    }
    if (!isObject(value)) {
      return { code: ErrorCodes.BAD_MESSAGE, message: 'a message must be a JSON object' };
    }
    const { type, id } = value as { type?: unknown; id?: unknown };
    const idOf = typeof id === 'string' && id.length <= 128 ? { id } : {};
    if (type !== 'subscribe' && type !== 'unsubscribe') {
      return {
        code: ErrorCodes.UNKNOWN_TYPE,
        message: `unknown message type ${JSON.stringify(String(type)).slice(0, 40)}`,
        ...idOf,
      };
    }
    const validate = this.validators[type];
    if (validate(value)) return value as unknown as ClientMessage;
    const error = validate.errors?.[0];
    const where = error?.instancePath ?? '';
    const field = where.split('/')[1] ?? '';
    const code =
      field === 'service' || field === 'profiles'
        ? ErrorCodes.INVALID_NAME
        : field === 'label'
          ? ErrorCodes.INVALID_LABEL
          : ErrorCodes.BAD_MESSAGE;
    const detail =
      error?.keyword === 'required'
        ? `missing field ${(error.params as { missingProperty: string }).missingProperty}`
        : error?.keyword === 'additionalProperties'
          ? `unknown field ${(error.params as { additionalProperty: string }).additionalProperty}`
          : `${where ? `${where.slice(1).replace(/\//g, '.')} ` : ''}${error?.message ?? 'is invalid'}`;
    return { code, message: `invalid ${type}: ${detail}`, ...idOf };
  }
}

export function isFault(value: ClientMessage | MessageFault): value is MessageFault {
  return 'code' in value;
}
