import { randomBytes } from 'node:crypto';
import type { MessageKind, MessageOf } from '@releve/shared';
import type { IngestEventBus } from '../ingest/IngestEventBus.js';

/** A device message the cloud accepted, as pushed to live streams. */
export interface LiveEvent {
  /** `<bootId>.<n>`: unique within this process, increasing; the SSE `id:` field. */
  id: string;
  kind: MessageKind;
  deviceId: string;
  /** When the cloud accepted it (UTC ISO-8601 with ms). */
  receivedAt: string;
  message: MessageOf<MessageKind>;
}

export type LiveEventListener = (event: LiveEvent) => void;

/** Result of asking what a reconnecting client missed. */
export type Replay =
  | { kind: 'events'; events: LiveEvent[] }
  /** The id is from another process life or older than the buffer: the client must reload state. */
  | { kind: 'gap' };

/**
 * In-process fan-out of accepted device messages to live streams (SSE), with a ring buffer of
 * the last `capacity` events so a client reconnecting with `Last-Event-ID` gets what it missed.
 *
 * The ingest calls `publish()` after the message is committed to the store, so a live event
 * never shows something the store does not have. Listeners are called synchronously and must
 * not throw (a throwing listener is removed).
 */
export class LiveEventHub {
  /** Random per process: ids from an earlier process life are recognised as such. */
  readonly bootId = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly buffer: LiveEvent[] = [];
  private readonly listeners = new Set<LiveEventListener>();

  constructor(private readonly capacity = 1000) {}

  /** Publishes an accepted message to every listener and the replay buffer. */
  publish<K extends MessageKind>(
    kind: K,
    deviceId: string,
    message: MessageOf<K>,
    receivedAt = new Date(),
  ): LiveEvent {
    this.seq += 1;
    const event: LiveEvent = {
      id: `${this.bootId}.${this.seq}`,
      kind,
      deviceId,
      receivedAt: receivedAt.toISOString(),
      message,
    };
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        this.listeners.delete(l);
      }
    }
    return event;
  }

  /** Publishes every message the ingest stored; returns the function that stops it. */
  follow(bus: IngestEventBus): () => void {
    return bus.on('stored', (e) => {
      this.publish(e.kind, e.deviceId, e.message, new Date(e.receivedAt));
    });
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Events after `lastEventId` (exclusive), or a gap when they are no longer known. */
  since(lastEventId: string): Replay {
    const [boot, n] = lastEventId.split('.');
    const after = Number(n);
    if (boot !== this.bootId || !Number.isSafeInteger(after) || after > this.seq) return { kind: 'gap' };
    const oldest = this.buffer[0] ? Number(this.buffer[0].id.split('.')[1]) : this.seq + 1;
    if (after < oldest - 1) return { kind: 'gap' };
    return { kind: 'events', events: this.buffer.filter((e) => Number(e.id.split('.')[1]) > after) };
  }

  /** Number of open listeners (live streams). */
  get listenerCount(): number {
    return this.listeners.size;
  }
}
