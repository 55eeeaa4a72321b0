import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { CloudError, CloudErrorCode } from '../errors.js';
import { LiftBlockSealer } from './LiftBlocks.js';
import { SEAL_PER_BATCH } from './liftBlockFormat.js';
import { MessageWriter, type StoreCounter } from './MessageWriter.js';
import { migrate, SCHEMA_VERSION } from './migrate.js';
import type { WriteOutcome, WriteRecord } from './records.js';
import { DEFAULT_RETENTION, type PurgeReport, purgeExpired, type RetentionPolicy } from './retention.js';
import { StoreReads } from './StoreReads.js';

/** How to open the store. */
export interface StoreOptions {
  /** Data directory; created when missing. */
  dataDir: string;
  /** Database file name inside `dataDir`. */
  fileName?: string;
  /**
   * `full` (default): a committed transaction survives a power cut (WAL fsync at each commit).
   * `normal`: survives a crash of the process but not of the machine; faster.
   */
  synchronous?: 'full' | 'normal';
  /** Dead letters kept (the oldest are evicted and counted beyond this). */
  deadLetterLimit?: number;
  /** Retention of series, alerts, dead letters and lifts. */
  retention?: Partial<RetentionPolicy>;
  logger?: pino.Logger;
}

/** Records written in one transaction, and what became of each, in order. */
export interface WrittenBatch {
  records: readonly WriteRecord[];
  outcomes: WriteOutcome[];
}

/** WAL size, in pages, at which a commit checkpoints it into the database file. */
const WAL_CHECKPOINT_PAGES = 4_000;

/** Default database file name in the data directory. */
export const STORE_FILE = 'releve.sqlite';

/**
 * The cloud's embedded store: one SQLite file (WAL mode) in the data directory holding the
 * registry, the device events and series, and the dead letters. Writes go through
 * {@link Store.writeBatch} (one transaction per batch); reads through {@link Store.reads}.
 * One process writes; others (CLI, API) may read the same file at the same time.
 */
export class Store {
  /** Read queries for the API and billing. */
  readonly reads: StoreReads;
  readonly retention: RetentionPolicy;
  /** Durability of commits, as opened. */
  readonly synchronous: 'full' | 'normal';
  /** Dead letters kept before the oldest are evicted. */
  readonly deadLetterLimit: number;
  readonly #writer: MessageWriter;
  readonly #sealer: LiftBlockSealer;
  readonly #log: pino.Logger;
  readonly #isKnownTruck: Database.Statement;
  readonly #isKnownGateway: Database.Statement;
  readonly #binValidAt: Database.Statement;
  readonly #makeAndWrite: Database.Transaction<(make: () => readonly WriteRecord[]) => WrittenBatch>;

  private constructor(
    /** The open database; exposed for the registry import and tests. */
    readonly db: Database.Database,
    readonly path: string,
    options: StoreOptions,
  ) {
    this.#log = (options.logger ?? pino({ level: 'info' })).child({ name: 'cloud:store' });
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.synchronous = options.synchronous ?? 'full';
    this.deadLetterLimit = options.deadLetterLimit ?? 100_000;
    this.#writer = new MessageWriter(db, this.deadLetterLimit);
    this.#sealer = new LiftBlockSealer(db);
    this.reads = new StoreReads(db);
    this.#isKnownTruck = db.prepare('SELECT 1 FROM trucks WHERE truck_id = ?').pluck();
    this.#isKnownGateway = db.prepare('SELECT 1 FROM gateways WHERE gateway_id = ?').pluck();
    this.#binValidAt = db
      .prepare(
        `SELECT 1 FROM bins WHERE tag_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)`,
      )
      .pluck();
    this.#makeAndWrite = db.transaction((make: () => readonly WriteRecord[]) => {
      const records = make();
      const outcomes = records.map((r) => this.#writer.write(r));
      // Blocks of lifts the table has moved past are sealed for billing (LiftBlocks.ts).
      this.#sealer.seal(SEAL_PER_BATCH);
      return { records, outcomes };
    });
  }

  /** Opens (and creates or upgrades) the store in `options.dataDir`. */
  static open(options: StoreOptions): Store {
    const path = join(options.dataDir, options.fileName ?? STORE_FILE);
    let db: Database.Database;
    try {
      mkdirSync(options.dataDir, { recursive: true });
      db = new Database(path);
    } catch (e) {
      throw new CloudError(CloudErrorCode.StoreOpen, `cannot open ${path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // Checkpoint the WAL into the database every 4,000 pages (16 MB) instead of SQLite's 1,000.
      // The ingest's commits dirty pages spread over the event-id index; between checkpoints a
      // page changed by many commits is copied once, and a checkpoint (with its fsync) comes
      // every few dozen batches instead of every other one.
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      const applied = migrate(db);
      const store = new Store(db, path, options);
      if (applied.length > 0) store.#log.info({ path, applied, version: SCHEMA_VERSION }, 'schema migrated');
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /**
   * Writes records in one transaction; returns what became of each, in order. When this
   * returns, the transaction is committed (durable as `synchronous` says). Throws
   * `CloudError` `store-write` when the transaction fails (nothing of the batch is kept).
   */
  writeBatch(records: readonly WriteRecord[]): WriteOutcome[] {
    return this.#transact(() => records, `batch of ${records.length}`).outcomes;
  }

  /**
   * Like {@link Store.writeBatch}, with the records made by `make` inside the same transaction:
   * the registry reads of a classification (`isRegisteredDevice`, `isRegisteredTag`) then cost
   * a lookup each instead of a read transaction each. `make` must not throw on device input.
   */
  makeAndWriteBatch(make: () => readonly WriteRecord[]): WrittenBatch {
    return this.#transact(make, 'batch');
  }

  #transact(make: () => readonly WriteRecord[], what: string): WrittenBatch {
    try {
      // BEGIN IMMEDIATE: the batch reads (registry, duplicates) before it writes. Begun as a
      // read, it could not become a write once another connection committed in between
      // (SQLITE_BUSY at once, which busy_timeout does not wait out); begun as a write, it
      // waits for the other writer instead.
      return this.#makeAndWrite.immediate(make);
    } catch (e) {
      // Tag numbers the sealer took in the rolled-back transaction are no longer stored.
      this.#sealer.forget();
      throw new CloudError(CloudErrorCode.StoreWrite, `${what} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** True when the registry knows this truck or gateway. */
  isRegisteredDevice(deviceClass: 'trucks' | 'gateways', deviceId: string): boolean {
    const st = deviceClass === 'trucks' ? this.#isKnownTruck : this.#isKnownGateway;
    return st.get(deviceId) !== undefined;
  }

  /** True when a bin with this canonical tag id is valid at `at` (UTC ISO time). */
  isRegisteredTag(tagId: string, at: string): boolean {
    return this.#binValidAt.get(tagId, at, at) !== undefined;
  }

  /**
   * Seals every complete block of lifts not sealed yet, in one transaction (the writer seals
   * {@link SEAL_PER_BATCH} per batch; a store built or migrated with many lifts catches up here
   * at once). Returns how many blocks were sealed.
   */
  sealLiftBlocks(): number {
    try {
      return this.db.transaction(() => this.#sealer.seal()).immediate();
    } catch (e) {
      this.#sealer.forget();
      throw e;
    }
  }

  /** Deletes what the retention policy says has expired, in chunks; returns rows per table. */
  purgeExpired(now: Date = new Date()): PurgeReport {
    return purgeExpired(this.db, this.retention, now);
  }

  /** Persistent counters: duplicates dropped, dead letters evicted. */
  counters(): Record<StoreCounter, number> {
    const rows = this.db.prepare('SELECT name, value FROM store_counters').all() as {
      name: string;
      value: number;
    }[];
    const out: Record<StoreCounter, number> = { duplicates: 0, dead_letters_evicted: 0 };
    for (const r of rows) if (r.name in out) out[r.name as StoreCounter] = r.value;
    return out;
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
