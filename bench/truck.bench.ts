// npm run bench:truck — the truck agent as it runs on the truck (`releve-truck run`, its own
// process, devices on socat ptys, a local Mosquitto on an ephemeral port):
//  1. RSS and CPU of the agent process while the devices stream at real rates (indicator
//     10 frames/s, RFID reader 20 frames/s, GNSS 1 Hz, Firmata analog sampling 10/s) and the
//     lifter works a route in real time, for BENCH_SECONDS (default 60).
//     Targets: RSS ≤ 80 MB, CPU ≤ 2 % of one core.
//  2. Time for the agent to drain a 5,000-event backlog (BENCH_EVENTS) left in its outbox while
//     the broker was away. Target ≥ 1,000 events/s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { Outbox } from '../edge/src/outbox/Outbox.js';
import { TestBroker } from '../edge/test/fixtures/broker.js';
import { EventCollector } from '../edge/test/mqtt/fixtures/collector.js';
import { liftDraft } from '../edge/test/outbox/drafts.js';
import { AgentProcess } from '../edge/test/truck/fixtures/agentProcess.js';
import { PtyDeviceLink } from '../firmware-sim/src/pty/PtyDeviceLink.js';
import { RouteDriver, type TruckWorld } from '../firmware-sim/src/truck/RouteDriver.js';
import { generateRoute } from '../firmware-sim/src/truck/RouteFile.js';
import { SimulatedTruck } from '../firmware-sim/src/truck/SimulatedTruck.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
/** The agent runs with the NODE_OPTIONS of its systemd unit, as on the truck. */
const unitNodeOptions =
  /^Environment=NODE_OPTIONS=(.*)$/m.exec(
    readFileSync(new URL('../deploy/truck/releve-truck.service', import.meta.url), 'utf8'),
  )?.[1] ?? '';
const backlogSize = Number(process.env.BENCH_EVENTS ?? 5000);
const TRUCK = 'truck-bench';
const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime (s) and VmRSS (bytes) of a process, from /proc. */
function usage(pid: number): { cpuS: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}

function writeConfig(dir: string, broker: TestBroker, ttys: string[]): string {
  const [rfid, indicator, lifter, gps] = ttys;
  const file = join(dir, 'truck.json');
  writeFileSync(
    file,
    JSON.stringify({
      truckId: TRUCK,
      dataDir: join(dir, 'data'),
      devices: {
        rfid: { protocol: 'em4100', serial: { path: rfid } },
        indicator: { protocol: 'st-gs', serial: { path: indicator } },
        lifter: { serial: { path: lifter }, board: { versionQueryDelayMs: 200 } },
        gps: { serial: { path: gps } },
      },
      capacity: { maxPayloadG: 9_500_000, bodyVolumeL: 20_000 },
      broker: { url: broker.url },
    }),
  );
  return file;
}

/** The reader keeps seeing the kerbside bins' tags between lifts: it streams all the time. */
function alwaysReading(sim: SimulatedTruck): TruckWorld {
  const kerbside = { scheme: 'em4100' as const, id: 'FFFFFF0001' };
  return {
    showTag: (tag) => sim.showTag(tag ?? kerbside),
    setLoad: (g, s) => sim.setLoad(g, s),
    setClamp: (c) => sim.setClamp(c),
    setArmTop: (c) => sim.setArmTop(c),
    setCompactorFill: (f) => sim.setCompactorFill(f),
    setTailgate: (r) => sim.setTailgate(r),
    setPosition: (lat, lon) => sim.setPosition(lat, lon),
  };
}

async function benchStreaming(broker: TestBroker): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-truck-'));
  const sim = new SimulatedTruck();
  const links = [sim.rfid, sim.indicator, sim.board, sim.gps].map((d) => new PtyDeviceLink(d));
  const collector = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/#`);
  const agent = AgentProcess.start(writeConfig(dir, broker, await Promise.all(links.map((l) => l.start()))), {
    NODE_OPTIONS: unitNodeOptions,
  });
  const driver = new RouteDriver(alwaysReading(sim), { timeScale: 1 });
  try {
    await waitFor(() => sim.board.isReportingDigital(2), 60_000, 'the agent to configure the lifter board');
    sim.showTag({ scheme: 'em4100', id: 'FFFFFF0001' });
    const running = driver.run(generateRoute({ bins: 1000, seed: 11 }));
    // Warm-up (module loading, JIT) is not what the truck pays in steady state.
    await new Promise((r) => setTimeout(r, 5000));
    const pid = agent.proc.pid ?? 0;
    const before = usage(pid);
    const t0 = performance.now();
    let peakRss = before.rssBytes;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, usage(pid).rssBytes);
    }, 1000);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(sampler);
    const after = usage(pid);
    const wall = (performance.now() - t0) / 1000;
    driver.stop();
    await running;
    const lifts = collector.firsts.filter((d) => d.topic.endsWith('/lifts')).length;
    const cpuPct = ((after.cpuS - before.cpuS) / wall) * 100;
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(
      `streaming ${wall.toFixed(0)} s at real rates (indicator 10/s, reader ${Math.round(
        sim.rfid.sent.tags.length / (wall + 5),
      )}/s, lifts ${lifts}): agent CPU ${cpuPct.toFixed(2)} % of one core (target ≤ 2 %), ` +
        `RSS ${mb(after.rssBytes)} MB, peak ${mb(peakRss)} MB (target ≤ 80 MB)`,
    );
  } finally {
    driver.stop();
    await agent.signal('SIGTERM');
    sim.stop();
    await Promise.all(links.map((l) => l.stop()));
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchDrain(broker: TestBroker): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-truck-'));
  const sim = new SimulatedTruck();
  const links = [sim.rfid, sim.indicator, sim.board, sim.gps].map((d) => new PtyDeviceLink(d));
  const configFile = writeConfig(dir, broker, await Promise.all(links.map((l) => l.start())));
  const outbox = Outbox.open({
    dataDir: join(dir, 'data'),
    deviceId: TRUCK,
    deviceClass: 'trucks',
    logger: pino({ level: 'silent' }),
  });
  for (let i = 0; i < backlogSize; i++) outbox.enqueue('lift', liftDraft(TRUCK, i));
  outbox.close();
  const collector = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/lifts`, {
    clientId: 'bench-drain',
  });
  const t0 = performance.now();
  const agent = AgentProcess.start(configFile, { NODE_OPTIONS: unitNodeOptions });
  try {
    await waitFor(() => collector.unique >= 1, 60_000, 'the first event');
    const tFirst = performance.now();
    await waitFor(() => collector.unique >= backlogSize, 120_000, `${backlogSize} events`);
    const tLast = performance.now();
    const drainS = (tLast - tFirst) / 1000;
    console.log(
      `drain    ${backlogSize} events left in the outbox: ${Math.round(backlogSize / drainS)} events/s ` +
        `(${drainS.toFixed(2)} s from the first to the last; ${((tLast - t0) / 1000).toFixed(2)} s from process ` +
        `start, start-up included); target ≥ 1,000 events/s; ${collector.duplicates} duplicates`,
    );
  } finally {
    await agent.signal('SIGTERM');
    sim.stop();
    await Promise.all(links.map((l) => l.stop()));
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS of a bare `node` and of `node` with the tsx loader, for reading the agent's figure. */
function baselines(): string {
  const probe = (args: string[]) => {
    const out = execFileSync(
      process.execPath,
      [...args, '-e', 'setTimeout(()=>console.log(process.memoryUsage().rss),500)'],
      {
        cwd: join(import.meta.dirname, '..', 'edge'),
      },
    );
    return (Number(out.toString().trim()) / 1024 / 1024).toFixed(1);
  };
  return `baseline RSS: bare node ${probe([])} MB, node with the tsx loader ${probe(['--import', 'tsx'])} MB; agent NODE_OPTIONS from its systemd unit: ${unitNodeOptions || '(none)'}`;
}

const broker = await TestBroker.start();
console.log(baselines());
try {
  await benchStreaming(broker);
  await benchDrain(broker);
} finally {
  await broker.dispose();
}
