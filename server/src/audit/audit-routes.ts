import Router from '@koa/router';
import type { ConfigResolver } from '../config/config-resolver.js';
import type { Repository } from '../git/repository.js';
import type { Access } from '../http/access.js';
import type { Publisher } from '../publish/publisher.js';
import type { SchemaGate } from '../schema/schema-gate.js';

export interface AuditRoutesOptions {
  publisher: Publisher;
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
  access: Access;
}

/** `GET /v1/history/...` and `GET /v1/diff/...`. Filled in by the production issue. */
export function auditRoutes(options: AuditRoutesOptions): Router {
  void options;
  return new Router();
}
