// npm run bench:gateway — the beacon gateway (noble's real Noble class on the simulated HCI
// binding, the BLE scanner, the decoders and the per-beacon aggregation):
//  1. advertisements/s decoded and aggregated on one core (target ≥ 20,000/s), through noble
//     and without it;
//  2. CPU share of one core at 1,000 advertisements/s in real time (target ≤ 10 %);
//  3. memory over a simulated hour with 5,000 rotating phone addresses: noble's peripheral
//     cache and RSS with the purge off (noble as shipped) and on.
// BENCH_ADVERTS (default 300,000), BENCH_CPU_S (default 20), BENCH_PHONES (default 5,000).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdvertisingReport,
  createNoble,
  RadioField,
  SimulatedBeacon,
  SimulatedHciBinding,
  VirtualClock,
} from '@releve/firmware-sim/beacons/index';
import { pino } from 'pino';
import type { ScanReport } from '../edge/src/ble/BleScanner.js';
import { BeaconGateway } from '../edge/src/gateway/BeaconGateway.js';
import { systemClock } from '../edge/src/gateway/Clock.js';
import { GatewayConfig } from '../edge/src/gateway/GatewayConfig.js';
import { type GatewayPublisher, outboxPublisher } from '../edge/src/gateway/GatewayPublisher.js';
import { Outbox } from '../edge/src/outbox/Outbox.js';

const silent = pino({ level: 'silent' });
const ADVERTS = Number(process.env.BENCH_ADVERTS ?? 300_000);
const CPU_S = Number(process.env.BENCH_CPU_S ?? 20);
const PHONES = Number(process.env.BENCH_PHONES ?? 5000);
const BEACONS = 200;
const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';

const nullPublisher: GatewayPublisher = { publish: () => {}, backlog: () => 0 };

function config(dataDir: string, extra: Record<string, unknown> = {}) {
  return GatewayConfig.parse({
    gatewayId: 'gw-bench',
    dataDir,
    broker: { url: 'mqtt://127.0.0.1:1' },
    ...extra,
  });
}

/** 200 allowlisted beacons (iBeacon; Eddystone UID + TLM) and their allowlist. */
function fleet() {
  const beacons: SimulatedBeacon[] = [];
  const allowlist = [];
  for (let i = 0; i < BEACONS; i++) {
    const address =
      `C0:FF:EE:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    const eddystone = i % 2 === 1;
    const instance = i.toString(16).padStart(12, '0');
    beacons.push(
      new SimulatedBeacon({
        address,
        identity: eddystone
          ? { eddystoneUid: { namespace: '8b0ca750095477cb3e77', instance }, tlm: true }
          : { ibeacon: { uuid: UUID, major: 1, minor: i } },
        intervalMs: 100,
        distanceM: 1 + (i % 20),
      }),
    );
    const beaconId = eddystone ? `eddystone:8b0ca750095477cb3e77:${instance}` : `ibeacon:${UUID}:1:${i}`;
    allowlist.push({ beaconId, address, name: `b${i}`, lat: 43.6, lon: 3.5 });
  }
  return { beacons, allowlist: { version: 1, issuedAt: new Date().toISOString(), beacons: allowlist } };
}

/** Records what the simulated air produces (beacons + phones), to replay it at full speed. */
function recordAir(count: number): AdvertisingReport[] {
  const clock = new VirtualClock();
  const recorder = new SimulatedHciBinding();
  const out: AdvertisingReport[] = [];
  recorder.report = (r) => {
    if (out.length < count) out.push(r);
  };
  const field = new RadioField({ clock, binding: recorder, seed: 11, lossRate: 0 });
  for (const b of fleet().beacons) field.addBeacon(b);
  field.addCrowd({ present: 100, dwellMs: 120_000, intervalMs: 200, record: false });
  while (out.length < count) clock.advance(1000);
  field.stop();
  return out;
}

async function benchThroughput(): Promise<void> {
  const air = recordAir(ADVERTS);
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-gw-'));
  // Through noble: binding → gap.js-like merge → Noble → BleScanner → gateway.
  const clock = new VirtualClock();
  const binding = new SimulatedHciBinding();
  const gw = new BeaconGateway({
    config: config(dir),
    publisher: nullPublisher,
    clock,
    noble: createNoble(binding),
    logger: silent,
  });
  gw.applyCommand({ kind: 'allowlist', message: fleet().allowlist });
  await gw.start();
  let t0 = performance.now();
  for (let i = 0; i < air.length; i++) {
    binding.report(air[i] as AdvertisingReport);
    if ((i & 1023) === 0) clock.advance(50);
  }
  let s = (performance.now() - t0) / 1000;
  const viaNoble = gw.stats.advertisements;
  console.log(
    `throughput via noble      ${air.length} packets → ${viaNoble} reports in ${s.toFixed(2)} s = ` +
      `${Math.round(viaNoble / s).toLocaleString('en')} advertisements/s (target ≥ 20,000/s)`,
  );
  await gw.stop();
  // Decode + aggregate only: the gateway fed with per-packet reports.
  const gw2 = new BeaconGateway({ config: config(dir), publisher: nullPublisher, clock, logger: silent });
  gw2.applyCommand({ kind: 'allowlist', message: fleet().allowlist });
  const reports: ScanReport[] = air.map((r) => ({
    address: r.address.toUpperCase(),
    addressType: r.addressType,
    rssi: r.rssi,
    data: r.data,
    atMs: 0,
  }));
  t0 = performance.now();
  for (let i = 0; i < reports.length; i++) {
    const r = reports[i] as ScanReport;
    r.atMs = clock.now();
    gw2.handleReport(r);
    if ((i & 1023) === 0) clock.advance(50);
  }
  s = (performance.now() - t0) / 1000;
  console.log(
    `decode + aggregate only   ${reports.length} reports in ${s.toFixed(2)} s = ` +
      `${Math.round(reports.length / s).toLocaleString('en')} advertisements/s`,
  );
  gw2.flushWindow(0, clock.now());
  rmSync(dir, { recursive: true, force: true });
}

async function benchCpu(): Promise<void> {
  const air = recordAir(1000 * CPU_S);
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-gw-cpu-'));
  const outbox = Outbox.open({ dataDir: dir, deviceId: 'gw-bench', deviceClass: 'gateways', logger: silent });
  const binding = new SimulatedHciBinding();
  const gw = new BeaconGateway({
    config: config(dir),
    publisher: outboxPublisher(outbox),
    clock: systemClock,
    noble: createNoble(binding),
    logger: silent,
  });
  gw.applyCommand({ kind: 'allowlist', message: fleet().allowlist });
  await gw.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    // 1,000/s delivered every 50 ms in bursts, as a controller delivers HCI events in batches
    // (catching up on timer drift so the rate is exact).
    const timer = setInterval(() => {
      const due = Math.min(air.length, Math.round(performance.now() - t0));
      for (; i < due; i++) binding.report(air[i] as AdvertisingReport);
      if (i >= air.length) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const share = (cpu.user + cpu.system) / 1e6 / wall;
  console.log(
    `cpu at ${Math.round(i / wall)} advertisements/s for ${wall.toFixed(1)} s (real time, outbox FULL sync): ` +
      `${(share * 100).toFixed(1)} % of one core (target ≤ 10 %); ${outbox.backlog()} events stored`,
  );
  await gw.stop();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
}

async function benchMemory(purge: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-gw-mem-'));
  const clock = new VirtualClock();
  const binding = new SimulatedHciBinding();
  const noble = createNoble(binding);
  const gw = new BeaconGateway({
    config: config(dir, { footfall: { enabled: true } }),
    publisher: nullPublisher,
    clock,
    noble,
    logger: silent,
    scannerPurge: purge,
  });
  const { beacons, allowlist } = fleet();
  gw.applyCommand({ kind: 'allowlist', message: allowlist });
  await gw.start();
  const field = new RadioField({ clock, binding, seed: 3 });
  for (const b of beacons.slice(0, 20)) {
    b.intervalMs = 1000;
    field.addBeacon(b);
  }
  // PHONES phones over the hour, 100 at a time, one address each (they leave before rotating).
  const dwellMs = Math.round((3_600_000 * 100) / PHONES);
  field.addCrowd({ present: 100, dwellMs, intervalMs: 1000, rotateMs: 15 * 60_000, record: false });
  const rows: string[] = [];
  gc?.();
  const rss0 = process.memoryUsage().rss;
  let heap10 = 0;
  for (let minute = 1; minute <= 60; minute++) {
    for (let s = 0; s < 60; s++) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    if (minute % 10 === 0) {
      gc?.();
      const m = process.memoryUsage();
      if (minute === 10) heap10 = m.heapUsed;
      rows.push(
        `  t=${String(minute).padStart(2)} min  noble peripherals ${String(gw.scanner.nobleCacheSize).padStart(6)}  ` +
          `gap cache ${String(Object.keys(binding._gap._discoveries).length).padStart(6)}  ` +
          `heap ${(m.heapUsed / 1e6).toFixed(1)} MB  rss ${(m.rss / 1e6).toFixed(1)} MB (Δ ${((m.rss - rss0) / 1e6).toFixed(1)} MB)`,
      );
    }
  }
  console.log(
    `memory over a simulated hour, ${PHONES} phone addresses, purge ${purge ? 'ON' : 'OFF (noble as shipped)'}:`,
  );
  for (const r of rows) console.log(r);
  gc?.();
  // Steady state: from minute 10 (everything warmed up) to minute 60, 5/6 of the addresses.
  const heapGrowth = process.memoryUsage().heapUsed - heap10;
  const perAddress = heapGrowth / ((PHONES * 5) / 6);
  console.log(
    `  heap growth min 10→60: ${(heapGrowth / 1e6).toFixed(1)} MB = ${Math.round(perAddress)} bytes per new ` +
      `phone address (a day at this rate: ${((perAddress * PHONES * 24) / 1e6).toFixed(0)} MB)`,
  );
  field.stop();
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
}

const mode = process.argv[2];
if (mode === 'memory-off' || mode === 'memory-on') {
  await benchMemory(mode === 'memory-on');
} else {
  if (!(globalThis as { gc?: unknown }).gc)
    console.log('(run with node --expose-gc for steadier heap figures)');
  await benchThroughput();
  await benchCpu();
  // Each memory run in a fresh process, so RSS starts from the same place.
  for (const m of ['memory-off', 'memory-on']) {
    spawnSync(process.execPath, [...process.execArgv, process.argv[1] ?? '', m], { stdio: 'inherit' });
  }
}
