import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { BillingPeriod } from './BillingPeriod.js';
import type { ClassifiedLifts } from './LiftClassifier.js';
import type { PeriodLiftRange } from './StoreBillingSource.js';

/** What a classify worker is asked to do; its share comes later ({@link ClassifyAssignment}). */
export interface ClassifyTask {
  dbPath: string;
  period: BillingPeriod;
  timeZone: string;
  /** Where the share comes from and the result goes, and the flag raised once it is there. */
  port: MessagePort;
  signal: Int32Array;
}

/** The worker's share of the period's lifts. */
export interface ClassifyAssignment {
  range: PeriodLiftRange;
  rowids: { from: number; to: number };
}

type Reply = { result: ClassifiedLifts } | { error: string };

/** Worker side: posts the reply, then raises the flag the main thread sleeps on. */
export function finish(task: ClassifyTask, reply: Reply, transfer: ArrayBuffer[] = []): void {
  task.port.postMessage(reply, transfer);
  Atomics.store(task.signal, 0, 1);
  Atomics.notify(task.signal, 0);
}

/**
 * A worker thread that classifies a share of a period's lifts (a rowid range) while the main
 * thread classifies the rest: a billing run then uses both cores for its longest phase
 * (reading and classifying millions of lifts). It starts, opens the store and reads the
 * registry before it is given its share ({@link assign}), so that start-up overlaps the main
 * thread counting the period. The main thread collects the result synchronously, so billing
 * keeps its synchronous API.
 */
export class ClassifyWorker {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;

  constructor(task: Omit<ClassifyTask, 'port' | 'signal'>) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#signal = new Int32Array(new SharedArrayBuffer(4));
    this.#worker = new Worker(new URL('./classifyWorkerThread.js', import.meta.url), {
      workerData: { ...task, port: port2, signal: this.#signal },
      transferList: [port2],
    });
    // Errors arrive as replies; this only keeps an unexpected one from being thrown unhandled.
    this.#worker.on('error', () => {});
    this.#worker.unref();
  }

  /** Gives the worker its share of the lifts. */
  assign(assignment: ClassifyAssignment): void {
    this.#port.postMessage(assignment);
  }

  /** Stops the worker without waiting for it (the run was refused, or needs no worker). */
  cancel(): void {
    this.#port.close();
    void this.#worker.terminate();
  }

  /**
   * Blocks until the worker's result. Throws when the worker failed or took longer than
   * `timeoutMs`; the caller then classifies the range itself.
   */
  wait(timeoutMs: number): ClassifiedLifts {
    try {
      if (Atomics.wait(this.#signal, 0, 0, timeoutMs) === 'timed-out') {
        throw new Error(`the billing worker did not finish within ${timeoutMs} ms`);
      }
      const reply = receiveMessageOnPort(this.#port)?.message as Reply | undefined;
      if (!reply) throw new Error('the billing worker finished without a result');
      if ('error' in reply) throw new Error(reply.error);
      return reply.result;
    } finally {
      this.#port.close();
      void this.#worker.terminate();
    }
  }
}
