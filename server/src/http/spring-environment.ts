import type { ConfigResolver, Source } from '../config/config-resolver.js';
import { ownerOf } from '../config/file-owner.js';
import { baseNameOf } from '../config/search-paths.js';
import { mergeDocuments } from '../config/merge.js';
import { splitFileName } from '../config/names.js';
import { DocumentUnavailableError, NotFoundError } from '../errors.js';
import type { Repository } from '../git/repository.js';
import type { Publisher } from '../publish/publisher.js';
import { makeDocument, type PublishedDocument } from '../publish/published-document.js';
import { judgeDocument } from '../schema/judge-document.js';
import type { SchemaGate } from '../schema/schema-gate.js';
import { requireRead, type Principal } from '../access/access.js';

/** What composing a Spring Environment needs. */
export interface SpringEnvironmentDeps {
  publisher: Publisher;
  repository: Repository;
  resolver: ConfigResolver;
  gate: SchemaGate;
}

/**
 * The document Spring's `/{apps}/{profiles}/{labels}` answers with. One known application
 * at one label is the published document (validated, cached, pushed). Anything else is
 * composed per request, as Spring Cloud Config would compose it:
 * - an application no file names answers with the `application*` sources (Spring's 200);
 * - `foo,bar` reads like Spring's `spring.config.name=application,foo,bar`;
 * - `l1,l2` merges both labels, the last winning (Spring's `last-label-wins` default).
 * Composed documents still pass the gate at their commit and still need the caller to read
 * every application named and every service that owns one of the sources (DESIGN §7).
 * @throws NotFoundError for a label that does not exist; DocumentUnavailableError when
 * the files do not merge or fail the schema.
 */
export async function springEnvironment(
  deps: SpringEnvironmentDeps,
  principal: Principal,
  apps: readonly string[],
  profiles: readonly string[],
  labels: readonly (string | undefined)[],
): Promise<PublishedDocument> {
  for (const app of apps) requireRead(principal, app);
  const service = apps.join(',');
  if (apps.length === 1 && labels.length === 1) {
    try {
      return await deps.publisher.document(service, profiles, labels[0]);
    } catch (error) {
      if (!(error instanceof NotFoundError) || error.code !== 'HC_SERVICE_NOT_FOUND') throw error;
    }
  }
  const parts: PublishedDocument[] = [];
  // Highest precedence first: the last label named.
  for (const label of [...labels].reverse())
    parts.push(await compose(deps, principal, service, profiles, label));
  const first = parts[0] as PublishedDocument;
  if (parts.length === 1) return first;
  const { configJson: _json, etag: _etag, bodies: _bodies, ...fields } = first;
  return makeDocument({
    ...fields,
    label: labels.join(','),
    config: mergeDocuments(parts.map((p) => p.config)),
    sources: parts.flatMap((p) => p.sources),
  });
}

async function compose(
  deps: SpringEnvironmentDeps,
  principal: Principal,
  service: string,
  profiles: readonly string[],
  requested: string | undefined,
): Promise<PublishedDocument> {
  const label = requested ?? deps.repository.defaultLabel;
  if (!service.includes(',')) {
    try {
      return await deps.publisher.document(service, profiles, label);
    } catch (error) {
      if (!(error instanceof NotFoundError) || error.code !== 'HC_SERVICE_NOT_FOUND') throw error;
    }
  }
  const snapshot = await deps.repository.snapshot(await deps.repository.headOf(label));
  const judged = await judgeDocument(deps.resolver, deps.gate, snapshot, service, profiles, label);
  if (!judged.ok) {
    throw new DocumentUnavailableError(
      `${service} (${profiles.join(',')}) has no valid version to serve`,
      judged.problems,
    );
  }
  checkOwners(principal, snapshot.schemas, judged.sources, snapshot.prefix);
  return makeDocument({
    service,
    profiles,
    label,
    version: snapshot.commit.id,
    config: judged.config,
    sources: judged.sources,
    owners: judged.owners,
    validated: judged.validated,
    commit: snapshot.commit,
  });
}

/** Every service that owns a source by its schema must be readable by the caller. */
function checkOwners(
  principal: Principal,
  schemas: ReadonlyMap<string, string>,
  sources: readonly Source[],
  prefix: string,
): void {
  for (const source of sources) {
    const base = splitFileName(baseNameOf(source.file.slice(prefix.length)))?.base;
    const owner = base === undefined ? undefined : ownerOf(base, schemas);
    if (owner !== undefined) requireRead(principal, owner);
  }
}
