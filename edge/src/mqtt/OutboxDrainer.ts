import type { Logger } from 'pino';
import type { Outbox, OutboxEntry } from '../outbox/Outbox.js';

/**
 * Hands one entry to the MQTT client; calls `done` when the broker acknowledged it (PUBACK for
 * QoS 1) or with an error when the client gave up on it.
 */
export type PublishEntry = (entry: OutboxEntry, done: (err?: Error) => void) => void;

/** Counters of the drain loop. */
export interface DrainStats {
  /** Entries handed to the client and not yet acknowledged. */
  inFlight: number;
  /** Publishes started since this drainer was created (re-sends after an error included). */
  published: number;
  /** Broker acknowledgements received. */
  acked: number;
  /** Publishes that came back with an error (the entry is re-sent). */
  failed: number;
}

/**
 * Moves events from the outbox to the broker, oldest first, with at most `window` of them in
 * flight. An entry leaves the outbox only after its PUBACK (acks are batched into one SQLite
 * transaction per turn of the event loop; losing a batch in a crash only causes duplicates).
 *
 * Ordering: entries are handed to the client in sequence order. Within one process, entries in
 * flight when the connection drops stay in MQTT.js's outgoing store and are re-sent by it, in
 * order and before anything new, when the session resumes (`DeviceLink` keeps that store across
 * reconnects); the drainer then carries on after the highest sequence number it sent. After a
 * restart the drainer starts from the oldest stored entry: every event not acknowledged is sent
 * again (the cloud drops duplicates by id).
 */
export class OutboxDrainer {
  private readonly inFlight = new Map<number, string>();
  /** Highest sequence number handed to the client. */
  private cursor = 0;
  private running = false;
  private pumping = false;
  private pendingAcks: string[] = [];
  private ackFlushScheduled = false;
  private readonly counters = { published: 0, acked: 0, failed: 0 };
  private pumpScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Runs after the enqueue returned: a publish problem must never look like a failed enqueue. */
  private readonly onEnqueued = () => this.schedulePump();

  constructor(
    private readonly outbox: Outbox,
    private readonly publish: PublishEntry,
    private readonly window: number,
    private readonly log: Logger,
  ) {
    outbox.on('enqueued', this.onEnqueued);
  }

  /** The connection is up: send what is waiting. */
  resume(): void {
    this.running = true;
    this.pump();
  }

  /** The connection is down: send nothing new (in-flight entries stay with the client). */
  pause(): void {
    this.running = false;
  }

  /** Stops for good: writes pending acks and detaches from the outbox. */
  close(): void {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.flushAcks();
    this.outbox.off('enqueued', this.onEnqueued);
  }

  /** Counters for health reporting. */
  stats(): DrainStats {
    return { inFlight: this.inFlight.size, ...this.counters };
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running || this.pumping || this.outbox.isClosed) return;
    this.pumping = true;
    try {
      while (this.running && this.inFlight.size < this.window) {
        const batch = this.outbox.peek(this.window - this.inFlight.size, this.cursor);
        if (batch.length === 0) break;
        for (const entry of batch) {
          this.cursor = Math.max(this.cursor, entry.seq);
          if (this.inFlight.has(entry.seq)) continue;
          this.send(entry);
        }
      }
    } catch (e) {
      // The outbox could not be read (disk error): keep the events, try again shortly.
      this.log.error({ err: (e as Error).message }, 'outbox read failed; retrying in 1 s');
      if (!this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.pump();
        }, 1000);
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(entry: OutboxEntry): void {
    this.inFlight.set(entry.seq, entry.id);
    this.counters.published += 1;
    this.publish(entry, (err) => {
      this.inFlight.delete(entry.seq);
      if (err) {
        // MQTT.js only fails a QoS 1 publish when the client is ended or its store fails: send
        // the entry again from the outbox (a duplicate at worst).
        this.counters.failed += 1;
        this.cursor = Math.min(this.cursor, entry.seq - 1);
        this.log.warn({ seq: entry.seq, id: entry.id, err: err.message }, 'publish failed; will re-send');
      } else {
        this.counters.acked += 1;
        this.pendingAcks.push(entry.id);
        this.scheduleAckFlush();
      }
      this.pump();
    });
  }

  private scheduleAckFlush(): void {
    if (this.ackFlushScheduled) return;
    this.ackFlushScheduled = true;
    setImmediate(() => {
      this.ackFlushScheduled = false;
      this.flushAcks();
    });
  }

  private flushAcks(): void {
    if (this.pendingAcks.length === 0) return;
    const ids = this.pendingAcks;
    this.pendingAcks = [];
    if (this.outbox.isClosed) {
      this.log.info({ count: ids.length }, 'outbox closed before acks were written: they will be re-sent');
      return;
    }
    try {
      this.outbox.ackMany(ids);
    } catch (e) {
      // Not fatal: these events stay stored and are sent again after a restart (duplicates).
      this.log.error({ err: (e as Error).message, count: ids.length }, 'could not record acks');
    }
  }
}
