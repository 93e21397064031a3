import type { Logger } from '../logger.js';

export interface LabelQueueOptions {
  /** Brings one label's documents to its current head. */
  advance(label: string, seenAt: number): Promise<void>;
  /** Called each time the queue runs dry. */
  onSettled(): void;
  logger: Logger;
}

/**
 * Labels waiting to be re-evaluated, drained one at a time in the order they first moved,
 * so the documents of a label advance commit by commit and never concurrently. A label
 * that moves again while queued keeps its place and its first `seenAt` (for latency).
 */
export class LabelQueue {
  private readonly dirty = new Map<string, number>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: LabelQueueOptions) {}

  /** Queues the labels; resolves when the queue has run dry. */
  push(labels: readonly string[], seenAt: number): Promise<void> {
    for (const label of labels) if (!this.dirty.has(label)) this.dirty.set(label, seenAt);
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
        this.options.onSettled();
      });
    }
    return this.running;
  }

  /** Resolves once every queued re-evaluation has finished. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let next = this.dirty.entries().next(); !next.done; next = this.dirty.entries().next()) {
      const [label, seenAt] = next.value;
      this.dirty.delete(label);
      try {
        await this.options.advance(label, seenAt);
      } catch (error) {
        this.options.logger.error({ err: error, label }, 'could not evaluate a new commit');
      }
    }
  }
}
