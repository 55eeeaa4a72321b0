/**
 * The ingest's writer thread: classifies received messages and writes them to its own
 * connection of the store, one transaction per batch, and answers with the outcomes.
 * Started by `ThreadedIngestWriter` through `ingestWriterThread.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { WriteOutcome, WriteRecord } from '../store/records.js';
import { Store, type StoreOptions } from '../store/Store.js';
import { type Received, reportOf, type WrittenReport } from './IngestWriter.js';
import { DEFAULT_RECEPTION, ReceptionPolicy, type ReceptionRules } from './ReceptionPolicy.js';

/** What the main thread sends. */
export type WriterRequest = { type: 'batch'; id: number; items: Received[] } | { type: 'close' };

/** What the thread answers. */
export type WriterReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; reports: WrittenReport[]; outcomes: WriteOutcome[] }
  | { type: 'failed'; id: number; error: string; code: string | null }
  | { type: 'closed' };

export interface WriterThreadData {
  store: Omit<StoreOptions, 'logger'>;
  reception: Partial<ReceptionRules>;
  logLevel: string;
}

const port = parentPort;
if (!port) throw new Error('IngestWriterThread runs as a worker thread');
const data = workerData as WriterThreadData;
const logger = pino({ level: data.logLevel }).child({ name: 'cloud:ingest:writer' });
const store = Store.open({ ...data.store, logger });
const policy = new ReceptionPolicy(store, { ...DEFAULT_RECEPTION, ...data.reception });

/** The policy does not throw on device input; this keeps a bug from losing a message. */
function classify(topic: string, payload: Uint8Array, receivedAt: string): WriteRecord {
  try {
    return policy.classify(topic, payload, receivedAt);
  } catch (e) {
    return {
      type: 'dead-letter',
      topic,
      clientId: null,
      reasonCode: 'schema',
      reason: `classification failed: ${(e as Error).message}`,
      payload,
      receivedAt,
    };
  }
}

port.on('message', (m: WriterRequest) => {
  if (m.type === 'close') {
    store.close();
    port.postMessage({ type: 'closed' } satisfies WriterReply);
    return;
  }
  try {
    const { records, outcomes } = store.makeAndWriteBatch(() =>
      m.items.map((i) => classify(i.topic, i.payload, i.receivedAt)),
    );
    port.postMessage({
      type: 'done',
      id: m.id,
      reports: records.map(reportOf),
      outcomes,
    } satisfies WriterReply);
  } catch (e) {
    logger.error({ err: e, records: m.items.length }, 'batch not written');
    port.postMessage({
      type: 'failed',
      id: m.id,
      error: (e as Error).message,
      code: (e as { code?: string }).code ?? null,
    } satisfies WriterReply);
  }
});
port.postMessage({ type: 'ready' } satisfies WriterReply);
