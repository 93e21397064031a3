import type { ConfigResolver } from '../config/config-resolver.js';
import type { Repository } from '../git/repository.js';
import type { Logger } from '../logger.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import type { ChangeEvent } from './document-evaluator.js';
import type { DocumentRecord, Rejection } from './document-record.js';

/** What a `Publisher` is given; the optional fields have the defaults listed. */
export interface PublisherOptions {
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
  logger: Logger;
  /** How far back start-up looks for a valid version. Default 100 commits. */
  walkBack?: number;
  /** Bytes unwatched on-demand documents may hold together. Default 64 MiB. */
  onDemandBytes?: number;
  /** Unwatched on-demand documents kept at most. Default 10 000. */
  onDemandDocuments?: number;
}

/** Events: `change`, `rejected`, `removed`, and `settled` once a burst of moves is done. */
export interface PublisherEvents {
  change: [ChangeEvent];
  settled: [];
  rejected: [DocumentRecord, Rejection];
  removed: [DocumentRecord];
}
