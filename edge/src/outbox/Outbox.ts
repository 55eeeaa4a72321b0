import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DeviceClass,
  MAX_PAYLOAD_BYTES,
  MESSAGES,
  type MessageOf,
  SharedError,
  encodeMessage,
  topicFor,
} from '@releve/shared';
import Database from 'better-sqlite3';
import { type Logger, pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import { type OutboxKind, dropTierOf, isOutboxKind } from './retention.js';
import { migrateOutbox } from './schema.js';

/**
 * How hard SQLite syncs each commit (the `synchronous` pragma, WAL journal):
 * - `FULL` (default): every commit fsyncs the WAL before `enqueue` returns. A power cut at any
 *   instant loses no event `enqueue` has returned for. This is the mode the truck must run.
 * - `NORMAL`: commits reach the OS but the WAL is only fsynced at checkpoints. Safe against a
 *   crash or `kill -9` of the agent, NOT against power loss (the last commits can roll back).
 *   Measured in `bench/outbox.bench.ts`; offered only for hardware with a power-loss-safe disk.
 */
export type OutboxSynchronous = 'FULL' | 'NORMAL';

/** Options of `Outbox.open`. */
export interface OutboxOptions {
  /** The agent's data directory (created if missing). Must be on persistent storage, not tmpfs. */
  dataDir: string;
  /** File name inside `dataDir`. */
  fileName?: string;
  /** The device this outbox belongs to: it sets topics and must match each message's device field. */
  deviceId: string;
  deviceClass: DeviceClass;
  /** Bound on stored events; see `retention.ts` for what is dropped when it is reached. */
  maxEntries?: number;
  synchronous?: OutboxSynchronous;
  logger?: Logger;
  /** Clock for `createdAt` (tests). */
  now?: () => Date;
}

/** A message as handed to the outbox: everything but the `id` and `seq` the outbox assigns. */
export type EventDraft<K extends OutboxKind> = Omit<MessageOf<K>, 'id' | 'seq'>;

/** What `enqueue` assigned. */
export interface EnqueueResult {
  id: string;
  seq: number;
  /** False when the size bound dropped this very event (see `enqueue`). */
  stored: boolean;
}

/** One stored event, ready to publish. */
export interface OutboxEntry {
  seq: number;
  id: string;
  kind: OutboxKind;
  topic: string;
  qos: 0 | 1 | 2;
  retained: boolean;
  /** The serialised, validated message (UTF-8 JSON). */
  payload: Buffer;
  /** When the outbox stored it (UTC ISO-8601 with ms). */
  createdAt: string;
}

/** Counters for the device health and the cab display. */
export interface OutboxStats {
  backlog: number;
  /** Highest sequence number handed out (0 before the first event). */
  lastSeq: number;
  /** Events removed by the size bound since the database was created (persisted). */
  dropped: number;
  /** Never-dropped events stored above the bound since this process opened the outbox. */
  overBound: number;
}

interface OutboxEvents {
  /** An event was stored (the drain loop listens to this). */
  enqueued: [entry: { id: string; seq: number; kind: OutboxKind }];
  /** The size bound removed an event. */
  dropped: [entry: { id: string; seq: number; kind: OutboxKind }];
}

interface Row {
  seq: number;
  id: string;
  kind: string;
  topic: string;
  qos: number;
  retained: number;
  payload: Buffer;
  created_at: string;
}

const DEFAULT_MAX_ENTRIES = 200_000;

/**
 * The durable outbox of a device: every event the device produces is stored here, in SQLite
 * (WAL journal), before anything tries to send it, and stays until the broker acknowledged it.
 * It assigns each event its device-made UUID and its per-device sequence number (persisted,
 * +1 per event, never reused even across restarts), validates it against the contract schema
 * (a bug must not poison the queue) and keeps it in sequence order.
 *
 * One process owns one outbox file; one outbox serves one device.
 */
export class Outbox extends EventEmitter<OutboxEvents> {
  readonly deviceId: string;
  readonly deviceClass: DeviceClass;
  readonly file: string;
  readonly maxEntries: number;
  private readonly db: Database.Database;
  private readonly log: Logger;
  private readonly now: () => Date;
  private count: number;
  private overBound = 0;
  private closed = false;
  private readonly stmt: {
    nextSeq: Database.Statement<[], { value: number }>;
    bumpSeq: Database.Statement<[]>;
    insert: Database.Statement<[number, string, string, string, number, number, number, Buffer, string]>;
    oldestDroppable: Database.Statement<[], { seq: number; id: string; kind: string }>;
    deleteSeq: Database.Statement<[number]>;
    bumpDropped: Database.Statement<[]>;
    counter: Database.Statement<[string], { value: number }>;
    peek: Database.Statement<[number, number], Row>;
    ack: Database.Statement<[string]>;
    count: Database.Statement<[], { n: number }>;
  };

  private constructor(db: Database.Database, file: string, options: OutboxOptions) {
    super();
    this.db = db;
    this.file = file;
    this.deviceId = options.deviceId;
    this.deviceClass = options.deviceClass;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.log = options.logger ?? pino({ name: 'edge:outbox', level: process.env.LOG_LEVEL ?? 'info' });
    this.now = options.now ?? (() => new Date());
    this.stmt = {
      nextSeq: db.prepare("SELECT value FROM counter WHERE name = 'next_seq'"),
      bumpSeq: db.prepare("UPDATE counter SET value = value + 1 WHERE name = 'next_seq'"),
      insert: db.prepare(
        `INSERT INTO outbox (seq, id, kind, topic, qos, retained, drop_tier, payload, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      oldestDroppable: db.prepare(
        'SELECT seq, id, kind FROM outbox WHERE drop_tier > 0 ORDER BY drop_tier, seq LIMIT 1',
      ),
      deleteSeq: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      bumpDropped: db.prepare("UPDATE counter SET value = value + 1 WHERE name = 'dropped'"),
      counter: db.prepare('SELECT value FROM counter WHERE name = ?'),
      peek: db.prepare(
        `SELECT seq, id, kind, topic, qos, retained, payload, created_at
         FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?`,
      ),
      ack: db.prepare('DELETE FROM outbox WHERE id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM outbox'),
    };
    this.count = this.stmt.count.get()?.n ?? 0;
  }

  /** Opens (creating and migrating as needed) the outbox file in `dataDir`. */
  static open(options: OutboxOptions): Outbox {
    if (!Number.isInteger(options.maxEntries ?? 1) || (options.maxEntries ?? 1) < 1) {
      throw new EdgeError(EdgeErrorCode.Config, `outbox maxEntries must be a positive integer`);
    }
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, options.fileName ?? 'outbox.sqlite');
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      db.pragma('busy_timeout = 5000');
      migrateOutbox(db);
    } catch (e) {
      db.close();
      throw e;
    }
    const outbox = new Outbox(db, file, options);
    outbox.log.info(
      { file, backlog: outbox.count, lastSeq: outbox.lastSeq(), synchronous: options.synchronous ?? 'FULL' },
      'outbox open',
    );
    return outbox;
  }

  /**
   * Stores an event durably and returns its id and sequence number. When this returns, the
   * event is committed (and, with `synchronous = FULL`, on the disk). Throws `EdgeError`
   * (`outbox-invalid-message`) without storing anything or using a sequence number when the
   * message does not match its schema, names another device or is larger than the contract
   * allows.
   *
   * `stored` is false only when the outbox is full and the event is droppable with nothing
   * lower-ranked to drop (rule 2 of `retention.ts`): its sequence number is used anyway, so the
   * cloud sees the gap.
   */
  enqueue<K extends OutboxKind>(kind: K, draft: EventDraft<K>): EnqueueResult {
    this.assertOpen();
    if (!isOutboxKind(kind) || MESSAGES[kind].deviceClass !== this.deviceClass) {
      throw new EdgeError(EdgeErrorCode.OutboxKind, `${this.deviceClass} outbox cannot store "${kind}"`);
    }
    const spec = MESSAGES[kind];
    const claimed = spec.deviceField ? (draft as Record<string, unknown>)[spec.deviceField] : undefined;
    if (spec.deviceField && claimed !== this.deviceId) {
      throw new EdgeError(
        EdgeErrorCode.OutboxInvalidMessage,
        `${kind}: ${spec.deviceField} ${JSON.stringify(claimed)} is not this device (${this.deviceId})`,
      );
    }
    const id = randomUUID();
    const topic = topicFor(kind, this.deviceId);
    const tier = dropTierOf(kind);
    const createdAt = this.now().toISOString();
    const store = this.db.transaction(() => {
      const seq = this.stmt.nextSeq.get()?.value ?? 1;
      let payload: Buffer;
      try {
        payload = encodeMessage(kind, { id, seq, ...draft } as MessageOf<K>);
      } catch (e) {
        if (e instanceof SharedError) {
          throw new EdgeError(EdgeErrorCode.OutboxInvalidMessage, e.message, { cause: e });
        }
        throw e;
      }
      if (payload.length > MAX_PAYLOAD_BYTES) {
        // The cloud would dead-letter it (`oversize`): refuse it here, where the bug is.
        throw new EdgeError(
          EdgeErrorCode.OutboxInvalidMessage,
          `${kind}: ${payload.length} bytes > ${MAX_PAYLOAD_BYTES} allowed by the contract`,
        );
      }
      let removed: { seq: number; id: string; kind: string } | undefined;
      if (this.count >= this.maxEntries) {
        removed = this.stmt.oldestDroppable.get();
        if (removed) {
          this.stmt.deleteSeq.run(removed.seq);
        } else if (tier !== 0) {
          // Rule 2: everything stored outranks this event: it is the one dropped. Its seq is
          // still used, so the cloud sees the gap and knows an event was dropped on purpose.
          this.stmt.bumpSeq.run();
          this.stmt.bumpDropped.run();
          return { seq, stored: false, removed: { seq, id, kind } };
        }
        if (removed) this.stmt.bumpDropped.run();
      }
      this.stmt.insert.run(seq, id, kind, topic, 1, spec.retained ? 1 : 0, tier, payload, createdAt);
      this.stmt.bumpSeq.run();
      return { seq, stored: true, removed };
    });
    const r = store.immediate();
    if (r.stored && !r.removed) {
      this.count += 1;
      if (this.count > this.maxEntries) {
        this.overBound += 1;
        this.log.warn({ backlog: this.count, maxEntries: this.maxEntries, kind }, 'outbox above its bound');
      }
    }
    if (r.removed) {
      const dropped = { id: r.removed.id, seq: r.removed.seq, kind: r.removed.kind as OutboxKind };
      this.log.warn({ ...dropped, backlog: this.count }, 'outbox full: event dropped');
      this.emit('dropped', dropped);
    }
    if (r.stored) this.emit('enqueued', { id, seq: r.seq, kind });
    return { id, seq: r.seq, stored: r.stored };
  }

  /** Up to `limit` stored events with a sequence number above `afterSeq`, in sequence order. */
  peek(limit: number, afterSeq = 0): OutboxEntry[] {
    this.assertOpen();
    return this.stmt.peek.all(afterSeq, limit).map((r) => ({
      seq: r.seq,
      id: r.id,
      kind: r.kind as OutboxKind,
      topic: r.topic,
      qos: r.qos as 0 | 1 | 2,
      retained: r.retained === 1,
      payload: r.payload,
      createdAt: r.created_at,
    }));
  }

  /** Deletes an event the broker acknowledged. False when it was already gone (acked or dropped). */
  ack(id: string): boolean {
    return this.ackMany([id]) === 1;
  }

  /** Deletes several acknowledged events in one transaction; returns how many were stored. */
  ackMany(ids: readonly string[]): number {
    this.assertOpen();
    if (ids.length === 0) return 0;
    const removed = this.db.transaction(() => {
      let n = 0;
      for (const id of ids) n += this.stmt.ack.run(id).changes;
      return n;
    })();
    this.count -= removed;
    return removed;
  }

  /** Events waiting to be acknowledged. */
  backlog(): number {
    return this.count;
  }

  /** Highest sequence number handed out so far (0 before the first event). */
  lastSeq(): number {
    this.assertOpen();
    return (this.stmt.nextSeq.get()?.value ?? 1) - 1;
  }

  /** Counters for health reporting. */
  stats(): OutboxStats {
    this.assertOpen();
    return {
      backlog: this.count,
      lastSeq: this.lastSeq(),
      dropped: this.stmt.counter.get('dropped')?.value ?? 0,
      overBound: this.overBound,
    };
  }

  /** The journal and sync modes in force on this connection, as SQLite reports them. */
  durability(): { journalMode: string; synchronous: OutboxSynchronous | 'OFF' | 'EXTRA' } {
    this.assertOpen();
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const level = Number(this.db.pragma('synchronous', { simple: true }));
    const synchronous = (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] ?? 'OFF';
    return { journalMode, synchronous };
  }

  /** True once `close()` ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the database (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.removeAllListeners();
  }

  private assertOpen(): void {
    if (this.closed) throw new EdgeError(EdgeErrorCode.OutboxClosed, `outbox ${this.file} is closed`);
  }
}
