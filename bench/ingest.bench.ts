/**
 * Ingest throughput and latency: N simulated trucks publish QoS 1 lift events through the
 * embedded broker into the SQLite store (synchronous FULL: a stored lift survives a power cut).
 * In the same run:
 *   - raw: the broker forwarding the same traffic to a no-op QoS 1 subscriber (MQTT.js auto-acks);
 *   - end to end: the real `Ingest` + `Store`, timed until the last lift is committed;
 *   - their ratio;
 *   - latency publish → committed at a steady 1,000 messages/s (p50, p99).
 * Targets on the 2-core machine: ≥ 20,000 msg/s end to end, ≥ 70 % of raw, p99 ≤ 50 ms.
 *
 *   npm run bench:ingest
 *   BENCH_MESSAGES=100000 BENCH_DEVICES=20 BENCH_ROUNDS=5 BENCH_LATENCY_S=20 npm run bench:ingest
 *   BENCH_SYNC=normal npm run bench:ingest     # WAL without fsync per commit
 *   BENCH_WRITER=inline npm run bench:ingest   # validation and writes on the event loop
 *   BENCH_RAW=0 node --import tsx --cpu-prof bench/ingest.bench.ts   # end to end only, to profile it
 *
 * Each truck keeps at most 200 unacknowledged PUBLISHes in flight (a real agent's outbox window).
 * Each round also reports the CPU time per message of the cloud process — its event loop (the
 * broker) and its other threads (the ingest's writer thread, GC, LevelDB) apart, on Linux —
 * and of the trucks' process: on the 2-core machine their sum bounds the rate.
 * Rounds alternate raw / end to end, each on a fresh broker (sessions in memory, see
 * startBroker) and a fresh store; medians are reported.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodeMessage, topicFor } from '@releve/shared';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { CloudBroker } from '../cloud/src/broker/CloudBroker.js';
import { BrokerDoorIngest } from '../cloud/src/ingest/BrokerDoorIngest.js';
import { Ingest } from '../cloud/src/ingest/Ingest.js';
import type { IngestEventBus } from '../cloud/src/ingest/IngestEventBus.js';
import { Store } from '../cloud/src/store/Store.js';
import { liftEvent, seedRegistry } from '../cloud/test/ingest/fixtures/devices.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_S = Number(process.env.BENCH_LATENCY_S ?? 10);
const WINDOW = 200;
/** `full` (default, durable across a power cut) or `normal` (across a process crash only). */
const SYNC = process.env.BENCH_SYNC === 'normal' ? 'normal' : 'full';
/** `thread` (default, as the cloud runs) or `inline` (writes on the event loop). */
const WRITER = process.env.BENCH_WRITER === 'inline' ? 'inline' : 'thread';
/** `0`: end-to-end rounds only (no raw baseline, no ratio), e.g. to profile the ingest. */
const RAW = process.env.BENCH_RAW !== '0';
const silent = pino({ level: 'silent' });
const trucks = Array.from({ length: DEVICES }, (_, i) => `bench-truck-${i + 1}`);

interface Traffic {
  topic: string;
  payload: Buffer;
  id: string;
}

/** Pre-encoded lifts per truck, so encoding is not timed. */
function traffic(total: number): Traffic[][] {
  return trucks.map((truck, d) =>
    Array.from(
      { length: Math.ceil(total / DEVICES) - (d < total % DEVICES || total % DEVICES === 0 ? 0 : 1) },
      (_, i) => {
        const lift = liftEvent(truck, i + 1);
        return { topic: topicFor('lift', truck), payload: encodeMessage('lift', lift), id: lift.id };
      },
    ),
  );
}

async function startBroker(sessionsDir: string | null = null): Promise<{ broker: CloudBroker; url: string }> {
  const broker = new CloudBroker({
    // The subscriber ingest runs on in-memory sessions: with LevelDB sessions a few % of QoS 1
    // messages to a connected persistent subscriber stay queued until it reconnects (aedes#994).
    // The door ingest (what serve runs) takes messages before delivery: LevelDB sessions as in production.
    dataDir: sessionsDir,
    mqtt: { host: '127.0.0.1', port: 0 },
    mqtts: null,
    ws: null,
    passwordFile: null,
    aclFile: null,
    allowAnonymous: true,
    maxPacketBytes: 1024 * 1024,
    logger: silent,
  });
  await broker.start();
  return { broker, url: `mqtt://127.0.0.1:${broker.ports.mqtt}` };
}

/**
 * The trucks run in a child process (this file with argument `trucks`), as real devices are
 * not in the cloud's process: the cloud's event loop carries only the broker and the consumer.
 */
class TruckFleet {
  readonly #child: ChildProcess;
  constructor(url: string) {
    this.#child = fork(fileURLToPath(import.meta.url), ['trucks', url], { execArgv: ['--import', 'tsx'] });
  }
  #ask<T>(msg: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#child.once('message', (m) => resolve(m as T));
      this.#child.once('error', reject);
      this.#child.send(msg);
    });
  }
  /** Connects the trucks; resolves when all are connected. */
  ready(): Promise<void> {
    return this.#ask({ cmd: 'connect' });
  }
  /**
   * Publishes `total` lifts as fast as the window allows; resolves with the start time (epoch ms)
   * and the CPU time the trucks' process spent (µs).
   */
  burst(total: number): Promise<{ startedAt: number; cpuUs: number }> {
    return this.#ask({ cmd: 'burst', total });
  }
  /** Publishes at `perSecond` for `seconds`; resolves with each lift's id and send time (epoch ms). */
  steady(perSecond: number, seconds: number): Promise<{ sent: [string, number][] }> {
    return this.#ask({ cmd: 'steady', perSecond, seconds });
  }
  async stop(): Promise<void> {
    await this.#ask({ cmd: 'stop' });
    await new Promise((r) => this.#child.once('exit', r));
  }
}

/** Wall-clock time in ms with sub-ms resolution, comparable across processes of one machine. */
const now = () => performance.timeOrigin + performance.now();

/** Publishes each truck's lifts with at most WINDOW unacknowledged per truck. */
async function publishAll(clients: MqttClient[], lifts: Traffic[][]): Promise<void> {
  await Promise.all(
    clients.map(async (c, d) => {
      const mine = lifts[d] ?? [];
      let next = 0;
      const worker = async () => {
        while (next < mine.length) {
          const m = mine[next++] as Traffic;
          await c.publishAsync(m.topic, m.payload, { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, worker));
    }),
  );
}

function waitUntil(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (check()) {
        clearInterval(t);
        resolve();
      }
    }, 2);
  });
}

/** A round's rate (msg/s) and CPU time per message (µs) of the cloud's and the trucks' processes. */
interface RoundFigures {
  rate: number;
  cloudCpuUs: number;
  /** Of `cloudCpuUs`, the event loop's (null where /proc is not there). */
  eventLoopCpuUs: number | null;
  trucksCpuUs: number;
}

/** CPU time used by this process in µs: in all, and by its main thread (Linux /proc, else null). */
function cloudCpu(): { all: number; main: number | null } {
  const u = process.cpuUsage();
  let main: number | null = null;
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    main = ((Number(f[11]) + Number(f[12])) * 1e6) / CLOCK_TICKS_PER_S;
  } catch {
    // not Linux: the split is not reported
  }
  return { all: u.user + u.system, main };
}
/** Linux USER_HZ: /proc times are in these ticks. */
const CLOCK_TICKS_PER_S = 100;

/** CPU per message since `from`. */
function cloudCpuSince(from: ReturnType<typeof cloudCpu>, total: number) {
  const to = cloudCpu();
  return {
    cloudCpuUs: (to.all - from.all) / total,
    eventLoopCpuUs: to.main === null || from.main === null ? null : (to.main - from.main) / total,
  };
}

/** Broker forwarding to a subscriber that does nothing. */
async function rawRound(total: number): Promise<RoundFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-ingest-'));
  const { broker, url } = await startBroker();
  const sub = await mqtt.connectAsync(url, { clientId: 'noop-subscriber', clean: false, protocolVersion: 4 });
  await sub.subscribeAsync('releve/v1/trucks/+/lifts', { qos: 1 });
  let received = 0;
  sub.on('message', () => {
    received += 1;
  });
  const fleet = new TruckFleet(url);
  await fleet.ready();
  const cpu = cloudCpu();
  const { startedAt, cpuUs } = await fleet.burst(total);
  await waitUntil(() => received >= total);
  const rate = total / ((now() - startedAt) / 1000);
  const used = cloudCpuSince(cpu, total);
  await fleet.stop();
  await sub.endAsync();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  return { rate, ...used, trucksCpuUs: cpuUs / total };
}

/** `door` (default, what serve runs): the ingest at the broker's door; `subscriber`: the MQTT consumer. */
const INGEST = process.env.BENCH_INGEST === 'subscriber' ? 'subscriber' : 'door';

interface BenchIngest {
  events: IngestEventBus;
  stats(): { stored: number; batches: number };
}

async function withIngest<T>(f: (ingest: BenchIngest, store: Store, url: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-ingest-'));
  const { broker, url } = await startBroker(INGEST === 'door' ? join(dir, 'mqtt') : null);
  const store = Store.open({ dataDir: join(dir, 'store'), synchronous: SYNC, logger: silent });
  seedRegistry(store, trucks);
  let ingest: BenchIngest;
  let stop: () => Promise<void>;
  if (INGEST === 'door') {
    const door = new BrokerDoorIngest({
      store,
      logger: silent,
      writer: WRITER === 'inline' ? 'inline' : 'thread',
    });
    await door.start();
    broker.setIngress(door);
    ingest = { events: door.bus, stats: () => door.stats() ?? { stored: 0, batches: 0 } };
    stop = () => door.stop();
  } else {
    const sub = new Ingest({ url, store, logger: silent, writer: WRITER });
    await sub.start();
    ingest = sub;
    stop = () => sub.stop();
  }
  try {
    return await f(ingest, store, url);
  } finally {
    await broker.stop();
    await stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Published → committed in the store, and the mean batch size. */
async function endToEndRound(total: number): Promise<RoundFigures & { batch: number }> {
  return withIngest(async (ingest, store, url) => {
    let stored = 0;
    ingest.events.on('stored', () => {
      stored += 1;
    });
    const fleet = new TruckFleet(url);
    await fleet.ready();
    const cpu = cloudCpu();
    const { startedAt, cpuUs } = await fleet.burst(total);
    await waitUntil(() => stored >= total);
    const rate = total / ((now() - startedAt) / 1000);
    const used = cloudCpuSince(cpu, total);
    await fleet.stop();
    if (store.reads.count('lifts') !== total)
      throw new Error(`stored ${store.reads.count('lifts')} of ${total}`);
    const s = ingest.stats();
    return {
      rate,
      batch: s.stored / Math.max(1, s.batches),
      ...used,
      trucksCpuUs: cpuUs / total,
    };
  });
}

/** Publish → committed latency at a steady rate (ms). */
async function latencyRun(perSecond: number, seconds: number): Promise<number[]> {
  return withIngest(async (ingest, _store, url) => {
    const storedAt = new Map<string, number>();
    ingest.events.on('stored', (e) => {
      storedAt.set((e.message as { id: string }).id, now());
    });
    const fleet = new TruckFleet(url);
    await fleet.ready();
    const { sent } = await fleet.steady(perSecond, seconds);
    await waitUntil(() => storedAt.size >= sent.length);
    await fleet.stop();
    return sent.map(([id, at]) => (storedAt.get(id) ?? Number.NaN) - at);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(
    `ingest bench (${INGEST} ingest): ${fmt(MESSAGES)} QoS 1 lifts from ${DEVICES} trucks, window ${WINDOW}, ${ROUNDS} rounds; store synchronous ${SYNC.toUpperCase()}, ${WRITER} writer; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const raw: RoundFigures[] = [];
  const e2e: RoundFigures[] = [];
  const cpu = (f: RoundFigures) =>
    `CPU/msg cloud ${f.cloudCpuUs.toFixed(1)} µs${f.eventLoopCpuUs === null ? '' : ` (event loop ${f.eventLoopCpuUs.toFixed(1)})`} + trucks ${f.trucksCpuUs.toFixed(1)} µs`;
  for (let r = 1; r <= ROUNDS; r++) {
    const w = RAW ? await rawRound(MESSAGES) : null;
    if (w) raw.push(w);
    const e = await endToEndRound(MESSAGES);
    e2e.push(e);
    console.log(
      `  round ${r}: ${w ? `raw ${fmt(w.rate)} msg/s (${cpu(w)}), ` : ''}end to end ${fmt(e.rate)} msg/s (${cpu(e)}; mean batch ${e.batch.toFixed(0)})`,
    );
  }
  const rawRate = median(raw.map((f) => f.rate));
  const e2eRate = median(e2e.map((f) => f.rate));
  if (RAW) console.log(`broker raw forwarding to a no-op subscriber: ${fmt(rawRate)} msg/s (median)`);
  console.log(`end to end, published → durably stored:    ${fmt(e2eRate)} msg/s (median)   target ≥ 20,000`);
  if (RAW)
    console.log(
      `ratio end to end / raw:                     ${((100 * e2eRate) / rawRate).toFixed(1)} %   target ≥ 70 %`,
    );
  const lat = await latencyRun(1000, LATENCY_S);
  console.log(
    `latency publish → committed at 1,000 msg/s for ${LATENCY_S} s (${fmt(lat.length)} lifts): p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms   target p99 ≤ 50 ms`,
  );
}

/** Child process: the trucks, driven by the parent over IPC. */
async function trucksProcess(url: string): Promise<void> {
  let clients: MqttClient[] = [];
  const reply = (m: object) => process.send?.(m);
  process.on('message', async (m: { cmd: string; total?: number; perSecond?: number; seconds?: number }) => {
    if (m.cmd === 'connect') {
      clients = await Promise.all(
        trucks.map((t) => mqtt.connectAsync(url, { clientId: t, protocolVersion: 4, reconnectPeriod: 0 })),
      );
      reply({});
    } else if (m.cmd === 'burst') {
      const lifts = traffic(m.total ?? 0);
      const startedAt = now();
      const cpu = process.cpuUsage();
      await publishAll(clients, lifts);
      const used = process.cpuUsage(cpu);
      reply({ startedAt, cpuUs: used.user + used.system });
    } else if (m.cmd === 'steady') {
      const perSecond = m.perSecond ?? 1000;
      const total = perSecond * (m.seconds ?? 10);
      const lifts = traffic(total).flat();
      const sent: [string, number][] = [];
      const t0 = now();
      await new Promise<void>((resolve) => {
        const tick = () => {
          // Keep to the schedule even when a timer fires late.
          const due = Math.min(total, Math.floor(((now() - t0) * perSecond) / 1000) + 1);
          while (sent.length < due) {
            const i = sent.length;
            const l = lifts[i] as Traffic;
            sent.push([l.id, now()]);
            void clients[i % clients.length]?.publishAsync(l.topic, l.payload, { qos: 1 });
          }
          if (sent.length >= total) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
      reply({ sent });
    } else if (m.cmd === 'stop') {
      await Promise.all(clients.map((c) => c.endAsync()));
      reply({});
      process.disconnect();
    }
  });
}

if (process.argv[2] === 'trucks') await trucksProcess(process.argv[3] ?? '');
else await main();
