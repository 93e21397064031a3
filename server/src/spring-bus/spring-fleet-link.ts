import { checkService } from '../config/names.js';
import type { ExternalReport } from '../fleet/fleet-registry.js';
import type { Logger } from '../logger.js';
import type { DocumentRecord } from '../publish/document-record.js';
import type { SpringAckTable, SpringInstance } from './spring-ack-table.js';

/** An application found to have no document is not evaluated again for this long. */
const NO_DOCUMENT_MS = 10_000;
/** At most this many such applications are remembered. */
const MAX_REMEMBERED = 1000;

/** What linking Spring acks into the fleet view needs. */
export interface SpringFleetLinkOptions {
  /** The Spring bus's acknowledgements. */
  acks: Pick<SpringAckTable, 'onAck' | 'instances'>;
  /** Documents published now (`publisher.all()`). */
  documents: () => readonly DocumentRecord[];
  /** The label a Spring client reads when it names none: the repository's default. */
  defaultLabel: string;
  /**
   * `{service}/default` at the default label, evaluated if need be (`publisher.record`): for
   * an application whose documents nobody holds now. Rejects for an unknown application.
   */
  evaluate: (service: string, profiles: string[]) => Promise<DocumentRecord>;
  /** The fleet registry's entry for instances heard through another channel. */
  record: (report: ExternalReport) => void;
  logger: Logger;
}

/**
 * What the fleet view learns from one ack. A Spring bus id (`orders:8080:3f2a…`) names the
 * application but not its profiles, and a refresh re-reads every document the instance
 * uses: so the instance is listed under each published document of its application at the
 * default label, holding what that document is published as at ack time (its etag and
 * version; a refresh fetches the newest). An application with no published document is
 * listed under `{app}/default` with the announced commit only.
 *
 * With etags, `hotconf fleet --wait <commit>` waits for exactly the Spring instances whose
 * documents changed at that commit: an unchanged document has the same etag at the commit
 * as the one the instance last acknowledged, so it counts as reached without a new ack.
 */
export function springFleetReports(
  instance: SpringInstance,
  documents: readonly DocumentRecord[],
  defaultLabel: string,
): ExternalReport[] {
  const base = {
    instanceId: instance.id,
    source: 'spring-bus' as const,
    service: instance.service,
  };
  const reports: ExternalReport[] = [];
  for (const doc of documents) {
    const published = doc.published;
    if (doc.service !== instance.service || doc.label !== defaultLabel) continue;
    if (doc.removed || !published) continue;
    reports.push({
      ...base,
      profiles: [...doc.profiles],
      label: defaultLabel,
      appliedEtag: published.etag,
      appliedVersion: published.version,
    });
  }
  if (reports.length === 0) {
    reports.push({
      ...base,
      profiles: ['default'],
      label: defaultLabel,
      ...(instance.version !== undefined ? { appliedVersion: instance.version } : {}),
    });
  }
  return reports;
}

/**
 * Feeds every Spring ack (those heard so far, then each new one) into the fleet view.
 * Recording the same ack twice changes nothing, so every replica of a Redis-connected
 * group may record every ack it hears. Returns the function that stops listening.
 */
export function linkSpringFleet(options: SpringFleetLinkOptions): () => void {
  const { defaultLabel } = options;
  /** Applications with no document of their own, and when that was found (ms). */
  const none = new Map<string, number>();
  const take = async (instance: SpringInstance) => {
    let documents = options.documents();
    const { service } = instance;
    const held = documents.some((d) => d.service === service && d.label === defaultLabel);
    if (!held && Date.now() - (none.get(service) ?? -Infinity) > NO_DOCUMENT_MS) {
      // None held (none asked for, or evicted): its default document gives the etag that
      // lets --wait pass over it when a commit changes nothing of it.
      const doc = await Promise.resolve(service)
        .then((name) => options.evaluate(checkService(name), ['default']))
        .catch(() => undefined);
      if (doc) documents = [doc];
      else if (none.size < MAX_REMEMBERED) none.set(service, Date.now());
    }
    for (const report of springFleetReports(instance, documents, defaultLabel))
      options.record(report);
  };
  const heard = (instance: SpringInstance) =>
    void take(instance).catch((error: unknown) =>
      options.logger.error({ err: error, instance: instance.id }, 'a Spring ack missed the fleet'),
    );
  for (const instance of options.acks.instances()) heard(instance);
  return options.acks.onAck(heard);
}
