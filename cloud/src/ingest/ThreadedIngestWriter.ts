import { basename, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type pino from 'pino';
import { CloudError, CloudErrorCode } from '../errors.js';
import { DEFAULT_BATCH } from '../store/BatchWriter.js';
import type { WriteOutcome } from '../store/records.js';
import type { Store } from '../store/Store.js';
import {
  type IngestWriter,
  type IngestWriterOptions,
  InlineIngestWriter,
  type Received,
  recordOf,
  type WrittenCallback,
  type WrittenReport,
} from './IngestWriter.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './IngestWriterThread.js';

interface Batch {
  id: number;
  items: Received[];
  callbacks: WrittenCallback[];
}

/**
 * Classifies and writes on a worker thread with its own connection to the store file, so
 * the event loop that runs the MQTT client (and the embedded broker) never waits for a
 * commit's fsync or for validation. Batches form here (`maxRecords` / `maxDelayMs`, and
 * group commit, see `#send`) and are written in order, one transaction each; callbacks run
 * when the thread reports the commit.
 */
export class ThreadedIngestWriter implements IngestWriter {
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  readonly #maxRecords: number;
  readonly #maxDelayMs: number;
  #items: Received[] = [];
  #callbacks: WrittenCallback[] = [];
  #timer: NodeJS.Timeout | null = null;
  readonly #inFlight = new Map<number, Batch>();
  #nextId = 1;
  #pendingCount = 0;
  #batches = 0;
  #closed: (() => void) | null = null;
  /** Why the thread is gone, when it is: later messages fail at once instead of waiting. */
  #dead: Error | null = null;

  constructor(store: Store, options: IngestWriterOptions = {}, log?: pino.Logger) {
    const batch = { ...DEFAULT_BATCH, ...options.batch };
    this.#maxRecords = batch.maxRecords;
    this.#maxDelayMs = batch.maxDelayMs;
    const dataDir = dirname(store.path);
    const fileName = basename(store.path);
    const workerData: WriterThreadData = {
      store: {
        dataDir,
        fileName,
        synchronous: store.synchronous,
        deadLetterLimit: store.deadLetterLimit,
        retention: store.retention,
      },
      reception: options.reception ?? {},
      logLevel: log?.level ?? 'info',
    };
    this.#worker = new Worker(new URL('./ingestWriterThread.js', import.meta.url), { workerData });
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.once('error', reject);
      this.#worker.once('message', (m: WriterReply) =>
        m.type === 'ready' ? resolve() : reject(new Error(m.type)),
      );
    });
    this.#worker.on('message', (m: WriterReply) => this.#reply(m));
    this.#worker.on('error', (e) => {
      log?.fatal({ err: e }, 'ingest writer thread failed: nothing more is stored or acknowledged');
      this.#dead = e;
      this.#failAll(e);
    });
    this.#worker.on('exit', (code) => {
      this.#dead ??= new CloudError(CloudErrorCode.StoreWrite, `ingest writer thread exited (${code})`);
      this.#failAll(this.#dead);
    });
  }

  /** Resolves once the thread has opened the store. */
  ready(): Promise<void> {
    return this.#ready.catch((e: unknown) => {
      throw new CloudError(CloudErrorCode.StoreOpen, `ingest writer thread: ${(e as Error).message}`, {
        cause: e,
      });
    });
  }

  get pending(): number {
    return this.#pendingCount;
  }

  get batches(): number {
    return this.#batches;
  }

  add(topic: string, payload: Uint8Array, receivedAt: string, done: WrittenCallback): void {
    if (this.#dead) {
      done(this.#dead);
      return;
    }
    this.#items.push({ topic, payload, receivedAt });
    this.#callbacks.push(done);
    this.#pendingCount += 1;
    if (this.#items.length >= this.#maxRecords) this.#send(true);
    else if (!this.#timer) this.#timer = setTimeout(() => this.#send(false), this.#maxDelayMs);
  }

  /**
   * Group commit: while a transaction is being written, arriving messages wait and go in the
   * next one, so batches grow with the commit time (an fsync) instead of queueing many small
   * transactions. A full batch (`maxRecords`) goes at once.
   */
  #send(full: boolean): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#items.length === 0) return;
    if (this.#inFlight.size > 0 && !full) return;
    const id = this.#nextId++;
    this.#inFlight.set(id, { id, items: this.#items, callbacks: this.#callbacks });
    this.#worker.postMessage({ type: 'batch', id, items: this.#items } satisfies WriterRequest);
    this.#items = [];
    this.#callbacks = [];
  }

  #reply(m: WriterReply): void {
    if (m.type === 'closed') {
      this.#closed?.();
      return;
    }
    if (m.type === 'ready') return;
    const batch = this.#inFlight.get(m.id);
    if (!batch) return;
    this.#inFlight.delete(m.id);
    this.#pendingCount -= batch.callbacks.length;
    if (m.type === 'failed') {
      if (this.#inFlight.size === 0) this.#send(false);
      const err = new CloudError(CloudErrorCode.StoreWrite, m.error);
      for (const cb of batch.callbacks) cb(err);
      return;
    }
    this.#batches += 1;
    if (this.#inFlight.size === 0) this.#send(false);
    batch.callbacks.forEach((cb, i) => {
      const record = recordOf(m.reports[i] as WrittenReport, batch.items[i] as Received);
      cb(null, { record, outcome: m.outcomes[i] as WriteOutcome });
    });
  }

  #failAll(e: Error): void {
    const batches = [...this.#inFlight.values(), { callbacks: this.#callbacks }];
    this.#inFlight.clear();
    this.#items = [];
    this.#callbacks = [];
    this.#pendingCount = 0;
    for (const b of batches) for (const cb of b.callbacks) cb(e);
  }

  async close(): Promise<void> {
    if (this.#dead) return;
    this.#send(true);
    await this.#ready.catch(() => {});
    await new Promise<void>((resolve) => {
      this.#closed = resolve;
      this.#worker.postMessage({ type: 'close' } satisfies WriterRequest);
      setTimeout(resolve, 10_000).unref();
    });
    await this.#worker.terminate();
  }
}

/**
 * The ingest writer an ingest's options name: `thread` (default; validation and SQLite writes
 * off the event loop) or `inline`. `ready` settles once it can take messages.
 */
export function createIngestWriter(
  store: Store,
  options: IngestWriterOptions & { writer?: 'thread' | 'inline' },
  log: pino.Logger,
): { writer: IngestWriter; ready: Promise<void> } {
  const writerOptions: IngestWriterOptions = {
    ...(options.batch ? { batch: options.batch } : {}),
    ...(options.reception ? { reception: options.reception } : {}),
  };
  if (options.writer === 'inline') {
    return { writer: new InlineIngestWriter(store, writerOptions, log), ready: Promise.resolve() };
  }
  const threaded = new ThreadedIngestWriter(store, writerOptions, log);
  return { writer: threaded, ready: threaded.ready() };
}
