import type pino from 'pino';
import type { WriteOutcome, WriteRecord } from './records.js';
import type { Store } from './Store.js';

/** Called once per record when its batch committed (`outcome`) or failed (`error`). */
export type WriteCallback = (error: Error | null, outcome?: WriteOutcome) => void;

/** When a batch is written. */
export interface BatchWriterOptions {
  /** Write as soon as this many records wait. */
  maxRecords: number;
  /** Write at most this long after the first record of a batch arrived. */
  maxDelayMs: number;
}

export const DEFAULT_BATCH: BatchWriterOptions = { maxRecords: 2_000, maxDelayMs: 5 };

/**
 * Accumulates records and writes them in one transaction when `maxRecords` wait or
 * `maxDelayMs` passed since the first, whichever comes first. Each record's callback runs
 * after the commit, so a caller acknowledges only what is durable.
 */
export class BatchWriter {
  #records: WriteRecord[] = [];
  #callbacks: WriteCallback[] = [];
  #timer: NodeJS.Timeout | null = null;
  readonly #options: BatchWriterOptions;
  /** Batches written and records in them, since start. */
  readonly stats = { batches: 0, records: 0, failedBatches: 0 };

  constructor(
    private readonly store: Store,
    options: Partial<BatchWriterOptions> = {},
    private readonly log?: pino.Logger,
  ) {
    this.#options = { ...DEFAULT_BATCH, ...options };
  }

  /** Records waiting for the next transaction. */
  get pending(): number {
    return this.#records.length;
  }

  /** Queues a record; `done` runs after its transaction. */
  add(record: WriteRecord, done: WriteCallback): void {
    this.#records.push(record);
    this.#callbacks.push(done);
    if (this.#records.length >= this.#options.maxRecords) this.flush();
    else if (!this.#timer) this.#timer = setTimeout(() => this.flush(), this.#options.maxDelayMs);
  }

  /** Writes what waits now, in one transaction, then runs the callbacks. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#records.length === 0) return;
    const records = this.#records;
    const callbacks = this.#callbacks;
    this.#records = [];
    this.#callbacks = [];
    let outcomes: WriteOutcome[];
    try {
      outcomes = this.store.writeBatch(records);
    } catch (e) {
      this.stats.failedBatches += 1;
      this.log?.error({ err: e, records: records.length }, 'batch not written');
      for (const cb of callbacks) cb(e as Error);
      return;
    }
    this.stats.batches += 1;
    this.stats.records += records.length;
    callbacks.forEach((cb, i) => {
      cb(null, outcomes[i]);
    });
  }

  /** Writes what waits and stops the timer. */
  close(): void {
    this.flush();
  }
}
