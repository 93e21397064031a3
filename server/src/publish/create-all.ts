import type { Snapshot } from '../git/snapshot.js';
import type { DocumentEvaluator } from './document-evaluator.js';
import { DocumentRecord } from './document-record.js';

/** What {@link createAll} needs: the documents found, where, and where to keep them. */
export interface CreateAllInput {
  list: [string, string[]][];
  label: string;
  snapshot: Snapshot;
  /** Start-up rule: a document invalid at the head looks back for a valid commit. */
  walk: boolean;
  evaluator: DocumentEvaluator;
  records: Map<string, DocumentRecord>;
}

/**
 * Makes and evaluates a record for each (service, profiles) found in the repository, in
 * parallel batches so git object reads pipeline through the one cat-file process.
 */
export async function createAll(input: CreateAllInput): Promise<void> {
  const { list, label, snapshot, walk, evaluator, records } = input;
  const batch = 64;
  for (let i = 0; i < list.length; i += batch) {
    await Promise.all(
      list.slice(i, i + batch).map(async ([service, profiles]) => {
        const record = new DocumentRecord(service, profiles, label, 'found');
        await evaluator.evaluate(record, snapshot, performance.now(), walk);
        records.set(record.key, record);
      }),
    );
  }
}
