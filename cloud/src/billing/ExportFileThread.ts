import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { FileDigest } from './ChargeExport.js';

/** Characters posted and not yet written above which the main thread waits. */
const MAX_QUEUED_CHARS = 4 << 20;
/** How long the writer may take to drain or finish a file before it is given up. */
const STALL_MS = 60_000;

/** When an export uses the writer thread, where it comes from and how long it may stall. */
export interface ExportThreadOptions {
  /** From this many lifts in the period (default: the run's `parallelMinLifts`). */
  minLifts?: number;
  entry?: URL;
  stallMs?: number;
}

type Reply = { digest: FileDigest } | { error: string };

/**
 * A worker thread that encodes, hashes and writes an export's files while the calling thread
 * makes their text: writing a million-lift export is about half making text and half the
 * rest, so the two overlap on two cores. Synchronous to its caller, like the billing run.
 * Memory stays bounded: the caller waits while 4 M characters are queued.
 */
export class ExportFileThread {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  /** [0]: characters queued; [1]: replies posted. */
  readonly #signal = new Int32Array(new SharedArrayBuffer(8));
  readonly #stallMs: number;
  #replies = 0;

  constructor(o: ExportThreadOptions = {}) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#stallMs = o.stallMs ?? STALL_MS;
    this.#worker = new Worker(o.entry ?? new URL('./exportFileThread.js', import.meta.url), {
      workerData: { port: port2, signal: this.#signal },
      transferList: [port2],
    });
    // Failures arrive as replies or stalls; this keeps an unexpected one from being thrown.
    this.#worker.on('error', () => {});
    this.#worker.unref();
  }

  /**
   * Writes `path` from text chunks (through `path.partial`, fsynced, renamed into place) and
   * returns its size and SHA-256. Throws when the writer failed or stalled; nothing is then
   * at `path`.
   */
  write(path: string, chunks: Iterable<string>): FileDigest {
    this.#port.postMessage({ open: path });
    for (const chunk of chunks) {
      while (Atomics.load(this.#signal, 0) > MAX_QUEUED_CHARS) {
        const queued = Atomics.load(this.#signal, 0);
        if (
          queued > MAX_QUEUED_CHARS &&
          Atomics.wait(this.#signal, 0, queued, this.#stallMs) === 'timed-out'
        ) {
          throw new Error(`the export writer stalled on ${path}`);
        }
      }
      this.#failure();
      Atomics.add(this.#signal, 0, chunk.length);
      this.#port.postMessage({ chunk });
    }
    this.#port.postMessage({ close: true });
    const expected = this.#replies + 1;
    const deadline = Date.now() + this.#stallMs;
    for (let seen = Atomics.load(this.#signal, 1); seen < expected; seen = Atomics.load(this.#signal, 1)) {
      if (Date.now() > deadline || Atomics.wait(this.#signal, 1, seen, this.#stallMs) === 'timed-out') {
        throw new Error(`the export writer did not finish ${path}`);
      }
    }
    const reply = this.#next();
    if (!reply) throw new Error(`the export writer finished ${path} without a reply`);
    if ('error' in reply) throw new Error(reply.error);
    return reply.digest;
  }

  /** Stops the worker. */
  close(): void {
    this.#port.close();
    void this.#worker.terminate();
  }

  /** Throws a failure the writer already reported. */
  #failure(): void {
    if (Atomics.load(this.#signal, 1) > this.#replies) {
      const reply = this.#next();
      if (reply && 'error' in reply) throw new Error(reply.error);
    }
  }

  #next(): Reply | undefined {
    const reply = receiveMessageOnPort(this.#port)?.message as Reply | undefined;
    if (reply) this.#replies++;
    return reply;
  }
}
