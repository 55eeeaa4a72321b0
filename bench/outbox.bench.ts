// npm run bench:outbox — the device outbox and MQTT link:
//  1. enqueue rate and latency with synchronous = FULL (what the truck runs) and NORMAL;
//  2. time to drain a 5,000-event backlog through a local broker (Mosquitto, and aedes with
//     LevelDB persistence as the cloud ships it), for several windows
//     (target ≥ 1,000 events/s with the default window).
// BENCH_DIR puts the outbox files elsewhere (default: the OS temp dir — use the device's real
// disk to measure fsync cost there). BENCH_EVENTS sets the backlog size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { DeviceLink } from '../edge/src/mqtt/DeviceLink.js';
import { Outbox, type OutboxSynchronous } from '../edge/src/outbox/Outbox.js';
import { type BrokerUnderTest, brokerBackends } from '../edge/test/fixtures/broker-backends.js';
import { EventCollector } from '../edge/test/mqtt/fixtures/collector.js';
import { liftDraft } from '../edge/test/outbox/drafts.js';

const silent = pino({ level: 'silent' });
const TRUCK = 'truck-bench';
const baseDir = process.env.BENCH_DIR ?? tmpdir();
const backlogSize = Number(process.env.BENCH_EVENTS ?? 5000);
const enqueueCount = Number(process.env.BENCH_ENQUEUES ?? 2000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function benchEnqueue(synchronous: OutboxSynchronous): void {
  const dir = mkdtempSync(join(baseDir, 'releve-bench-outbox-'));
  const outbox = Outbox.open({
    dataDir: dir,
    deviceId: TRUCK,
    deviceClass: 'trucks',
    synchronous,
    logger: silent,
  });
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < enqueueCount; i++) {
    const s = performance.now();
    outbox.enqueue('lift', liftDraft(TRUCK, i));
    latencies.push(performance.now() - s);
  }
  const seconds = (performance.now() - t0) / 1000;
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  console.log(
    `enqueue  synchronous=${synchronous.padEnd(6)} ${enqueueCount} lifts in ${seconds.toFixed(2)} s = ` +
      `${Math.round(enqueueCount / seconds)} events/s; latency p50 ${percentile(latencies, 50).toFixed(3)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(3)} ms, max ${percentile(latencies, 100).toFixed(3)} ms`,
  );
}

async function benchDrain(name: string, broker: BrokerUnderTest, window: number): Promise<number> {
  const dir = mkdtempSync(join(baseDir, 'releve-bench-drain-'));
  const deviceId = `${TRUCK}-w${window}`;
  const outbox = Outbox.open({ dataDir: dir, deviceId, deviceClass: 'trucks', logger: silent });
  for (let i = 0; i < backlogSize; i++) outbox.enqueue('lift', liftDraft(deviceId, i));
  const sub = await EventCollector.connect(broker.url, `releve/v1/trucks/${deviceId}/lifts`, { clean: true });
  const link = new DeviceLink({
    url: broker.url,
    deviceId,
    deviceClass: 'trucks',
    outbox,
    window,
    logger: silent,
  });
  const t0 = performance.now();
  link.start();
  await waitFor(() => sub.unique === backlogSize && outbox.backlog() === 0, 300_000, 'drain');
  const seconds = (performance.now() - t0) / 1000;
  const rate = backlogSize / seconds;
  console.log(
    `drain    ${name.padEnd(9)} window=${String(window).padEnd(4)} ${backlogSize} events in ${seconds.toFixed(2)} s = ` +
      `${Math.round(rate)} events/s (connect included; ${sub.duplicates} duplicates)`,
  );
  await link.stop();
  outbox.close();
  await sub.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

console.log(`outbox bench — files in ${baseDir}`);
benchEnqueue('FULL');
benchEnqueue('NORMAL');

for (const backend of await brokerBackends()) {
  if (!backend.available) {
    console.log(`drain    ${backend.name}: not available, skipped`);
    continue;
  }
  const broker = await backend.start();
  try {
    const rates = new Map<number, number>();
    for (const window of [1, 16, 64]) rates.set(window, await benchDrain(backend.name, broker, window));
    const dflt = rates.get(16) ?? 0;
    console.log(
      `target ≥ 1000 events/s on ${backend.name} with the default window (16): ${dflt >= 1000 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await broker.dispose();
  }
}
