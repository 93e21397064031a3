import type { DeliveryOutcome } from './fleet.js';
import type { ConfigDocument } from './http.js';
import {
  applyMergePatch,
  type ConfigObject,
  type ErrorMessage,
  type ServerMessage,
} from './protocol.js';

/** A client's document as {@link answerMessage} sees it: what it holds and can do. */
export interface HeldDocument {
  /** The document held now, as the server sent it. */
  current(): ConfigDocument;
  /** Makes `doc` current and tells the listeners. */
  accept(doc: ConfigDocument): void;
  /** The subscription is current (leaves the stale state). */
  confirm(): void;
  /** Asks the server for the whole document again. */
  resubscribe(): void;
  /** What the listeners made of the document held now. */
  outcome(): DeliveryOutcome;
  /** The server reported a problem with this subscription. */
  reportError(message: ErrorMessage): void;
}

/**
 * Does what one server message means for the document `held`: take a snapshot, change or
 * patch; ask again when the server thinks another document is held; report an error.
 * @returns what to acknowledge to the fleet view, or undefined when there is nothing to say.
 */
export function answerMessage(
  message: ServerMessage,
  held: HeldDocument,
): DeliveryOutcome | undefined {
  const etag = held.current().etag;
  switch (message.type) {
    case 'snapshot':
    case 'change':
      if (message.etag !== etag) held.accept(message);
      held.confirm();
      return held.outcome();
    case 'subscribed':
      // The server thinks we hold another document than we do: ask for it whole.
      if (message.etag !== etag) held.resubscribe();
      else held.confirm();
      // Holding it is news to the fleet view too (a boot by HTTP ends here).
      return message.etag === etag ? held.outcome() : undefined;
    case 'patch':
      if (message.baseEtag === etag) {
        const config = applyMergePatch(held.current().config, message.patch) as ConfigObject;
        held.accept({ version: message.version, etag: message.etag, config });
        held.confirm();
        return held.outcome();
      } else if (message.etag !== etag) {
        held.resubscribe();
      }
      return message.etag === etag ? held.outcome() : undefined;
    case 'error':
      held.reportError(message);
  }
  return undefined;
}
