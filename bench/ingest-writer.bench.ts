/**
 * The ingest's writer path alone, without broker or trucks: what its writer thread does per
 * lift (classify against the registry, write, one transaction per batch, synchronous FULL),
 * and the structured clone of the results it sends back to the event loop. Prints CPU time
 * per lift, so figures hold on a busy machine better than rates do; profile it with
 *
 *   npm run bench:ingest-writer
 *   BENCH_MESSAGES=200000 BENCH_BATCH=2000 npx tsx bench/ingest-writer.bench.ts
 *   node --import tsx --cpu-prof bench/ingest-writer.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { encodeMessage, topicFor } from '@releve/shared';
import pino from 'pino';
import { reportOf } from '../cloud/src/ingest/IngestWriter.js';
import { ReceptionPolicy } from '../cloud/src/ingest/ReceptionPolicy.js';
import { Store } from '../cloud/src/store/Store.js';
import { liftEvent, seedRegistry } from '../cloud/test/ingest/fixtures/devices.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 60_000);
/** The bench:ingest end-to-end rounds run at about 500 lifts a transaction. */
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const trucks = Array.from({ length: 10 }, (_, i) => `bench-truck-${i + 1}`);

const dir = mkdtempSync(join(tmpdir(), 'releve-bench-writer-'));
const store = Store.open({ dataDir: dir, logger: pino({ level: 'silent' }) });
seedRegistry(store, trucks);
const policy = new ReceptionPolicy(store);
const lifts = Array.from({ length: MESSAGES }, (_, i) => {
  const truck = trucks[i % trucks.length] as string;
  return { topic: topicFor('lift', truck), payload: encodeMessage('lift', liftEvent(truck, i + 1)) };
});
const receivedAt = new Date().toISOString();
const { port1, port2 } = new MessageChannel();

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let writing = 0;
let replying = 0;
for (let i = 0; i < MESSAGES; i += BATCH) {
  const batch = lifts.slice(i, i + BATCH);
  const t0 = cpuUs();
  const { records } = store.makeAndWriteBatch(() =>
    batch.map((l) => policy.classify(l.topic, l.payload, receivedAt)),
  );
  const t1 = cpuUs();
  port1.postMessage({ reports: records.map(reportOf) });
  receiveMessageOnPort(port2);
  writing += t1 - t0;
  replying += cpuUs() - t1;
}
port1.close();
console.log(
  `${MESSAGES.toLocaleString('en-US')} lifts in batches of ${BATCH}, synchronous FULL: ` +
    `classify + write ${(writing / MESSAGES).toFixed(1)} µs CPU per lift, ` +
    `results to the event loop (clone, both sides) ${(replying / MESSAGES).toFixed(1)} µs`,
);
store.close();
rmSync(dir, { recursive: true, force: true });
