import { Delivery, type DeliveryOutcome } from './fleet.js';

/**
 * A client's delivery bookkeeping for the fleet view (DESIGN §10): while a document is
 * delivered, which listener calls belong to it, and afterwards what the listeners made of
 * the document held now — the `applied` or `failed` the shared connection reports.
 */
export class DeliveryTracker {
  /** Listener calls of the document being delivered now, for `applied`/`failed`. */
  #current: Delivery | undefined;
  /** What the listeners made of the document held now (undefined: applied cleanly). */
  #outcome: DeliveryOutcome = Promise.resolve(undefined);

  /** The delivery in progress (inside {@link deliver}), else undefined. */
  get current(): Delivery | undefined {
    return this.#current;
  }

  /** What the listeners made of the document held now: undefined when it applied cleanly. */
  get outcome(): DeliveryOutcome {
    return this.#outcome;
  }

  /** Calls `tell` (which emits to the listeners) as the delivery of a newly held document. */
  deliver(tell: () => void): void {
    const delivery = new Delivery();
    this.#current = delivery;
    try {
      tell();
    } finally {
      this.#current = undefined;
    }
    this.#outcome = delivery.settled();
  }
}
