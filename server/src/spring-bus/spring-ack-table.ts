import { EventEmitter } from 'node:events';
import type { Announcement } from './announcement-claims.js';

/** A Spring instance as its acknowledgements show it. */
export interface SpringInstance {
  /** Its bus id (`originService` of its acks), e.g. `orders:8080:3f2a…`. */
  id: string;
  /** The application: the bus id up to its first `:`. */
  service: string;
  /** The announcement it last acknowledged. */
  announcementId: string;
  /** Its destination, e.g. `orders:**`. */
  destination: string;
  /** The commit that announcement was for; undefined for a refresh sent by hand. */
  version: string | undefined;
  /** When the ack was heard (ms since the epoch). */
  ackedAt: number;
}

/** Events of the table. */
export interface SpringAckTableEvents {
  /** An instance acknowledged one of hotconf's announcements. */
  ack: [SpringInstance];
}

/** At most this many instances are remembered; the longest silent is forgotten first. */
const MAX_INSTANCES = 10_000;

/**
 * Spring instances that acknowledged hotconf's refresh announcements, newest ack per
 * instance. Read-only to everyone but the Spring bus, which records acks.
 */
export class SpringAckTable extends EventEmitter<SpringAckTableEvents> {
  private readonly byId = new Map<string, SpringInstance>();

  /** Records that `instanceId` acknowledged `announcement`, and emits `ack`. */
  record(instanceId: string, announcement: Announcement, ackedAt = Date.now()): SpringInstance {
    const instance: SpringInstance = {
      id: instanceId,
      service: instanceId.split(':')[0] ?? instanceId,
      announcementId: announcement.id,
      destination: announcement.destination,
      version: announcement.version,
      ackedAt,
    };
    // Re-inserting keeps the map in order of last ack, so the oldest is first to go.
    this.byId.delete(instanceId);
    this.byId.set(instanceId, instance);
    if (this.byId.size > MAX_INSTANCES) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.byId.delete(oldest);
    }
    this.emit('ack', instance);
    return instance;
  }

  /** Subscribes to acks; returns the function that unsubscribes. */
  onAck(listener: (instance: SpringInstance) => void): () => void {
    this.on('ack', listener);
    return () => this.off('ack', listener);
  }

  /** Every instance known, most recent ack last. */
  instances(): SpringInstance[] {
    return [...this.byId.values()];
  }

  /** One instance, by bus id. */
  instance(id: string): SpringInstance | undefined {
    return this.byId.get(id);
  }
}
