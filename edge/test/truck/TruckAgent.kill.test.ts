import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyDeviceLink } from '@releve/firmware-sim/pty/PtyDeviceLink';
import { RouteDriver } from '@releve/firmware-sim/truck/RouteDriver';
import { generateRoute } from '@releve/firmware-sim/truck/RouteFile';
import { SimulatedTruck } from '@releve/firmware-sim/truck/SimulatedTruck';
import { LiftEvent } from '@releve/shared';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLink } from '../../src/mqtt/DeviceLink.js';
import { Outbox } from '../../src/outbox/Outbox.js';
import { mosquittoAvailable, TestBroker } from '../fixtures/broker.js';
import { EventCollector } from '../mqtt/fixtures/collector.js';
import { AgentProcess } from './fixtures/agentProcess.js';

const ready = (await mosquittoAvailable()) && (await requireService(commandService('socat')));
const TRUCK = 'truck-kill';
const BINS = Number(process.env.KILL_TEST_BINS ?? 500);
const KILLS = Number(process.env.KILL_TEST_KILLS ?? 20);

describe.skipIf(!ready)('releve-truck killed with SIGKILL during a 500-lift route (ptys, Mosquitto)', () => {
  let broker: TestBroker;
  let dir: string;
  beforeAll(async () => {
    broker = await TestBroker.start();
    dir = mkdtempSync(join(tmpdir(), 'releve-truck-kill-'));
  });
  afterAll(async () => {
    await broker?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`loses no booked event over ${KILLS} kills at random instants, and books no bin twice`, async () => {
    const collector = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/#`);
    const sim = new SimulatedTruck({
      indicatorIntervalMs: 10,
      rfidIntervalMs: 20,
      gpsIntervalMs: 500,
      strokeMs: 100,
    });
    const links = [sim.rfid, sim.indicator, sim.board, sim.gps].map((d) => new PtyDeviceLink(d));
    const [rfid, indicator, lifter, gps] = await Promise.all(links.map((l) => l.start()));
    const configFile = join(dir, 'truck.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        truckId: TRUCK,
        dataDir: join(dir, 'data'),
        devices: {
          rfid: { protocol: 'em4100', serial: { path: rfid } },
          indicator: { protocol: 'st-gs', serial: { path: indicator } },
          lifter: {
            serial: { path: lifter },
            board: { debounceMs: 5, versionQueryDelayMs: 200, pressure: { samplingIntervalMs: 20 } },
          },
          gps: { serial: { path: gps } },
        },
        capacity: { maxPayloadG: 9_500_000, bodyVolumeL: 20_000 },
        thresholds: { tagGraceMs: 500 },
        status: { intervalS: 5 },
        broker: { url: broker.url },
      }),
    );
    const route = generateRoute({ bins: BINS, seed: 7, unloadEvery: 200 });
    const driver = new RouteDriver(sim, { timeScale: 0.03, travelMs: 600, releaseGapMs: 150 });
    let agent = AgentProcess.start(configFile);
    const kills: number[] = [];
    /** Statuses booked at or after `since` (each agent books one when it starts). */
    const statusesSince = (since: number) =>
      collector.deliveries.filter(
        (d) => d.topic.endsWith('/status') && Date.parse(String(d.message.ts)) >= since,
      ).length;
    let lastRestart = Date.now();
    const t0 = Date.now();
    try {
      await waitFor(() => sim.board.isReportingDigital(2), 60_000, 'the agent to configure the lifter board');
      let routeDone = false;
      const driving = driver.run(route).then(() => {
        routeDone = true;
      });
      // Kill at random instants while the route runs, restart at once (as systemd would).
      while (!routeDone || kills.length < KILLS) {
        await new Promise((r) => setTimeout(r, 2000 + Math.random() * 4000));
        if (routeDone && kills.length >= KILLS) break;
        await agent.signal('SIGKILL');
        kills.push(Date.now() - t0);
        lastRestart = Date.now();
        agent = AgentProcess.start(configFile);
      }
      await driving;
      // The last agent is up and connected (its start-up status arrived) before it is stopped cleanly.
      await waitFor(() => statusesSince(lastRestart) > 0, 60_000, 'the last agent to report').catch(
        (e: Error) => {
          throw new Error(
            `${e.message}; agent exited: ${agent.hasExited}\n${agent.stderr.join('').slice(-3000)}`,
          );
        },
      );
      await new Promise((r) => setTimeout(r, 1000));
      expect(await agent.signal('SIGTERM')).toBe(0);

      // Whatever the last run left unsent is sent now by a link on the same outbox.
      const outbox = Outbox.open({
        dataDir: join(dir, 'data'),
        deviceId: TRUCK,
        deviceClass: 'trucks',
        logger: pino({ level: 'silent' }),
      });
      const lastSeq = outbox.lastSeq();
      const link = new DeviceLink({
        url: broker.url,
        deviceId: TRUCK,
        deviceClass: 'trucks',
        outbox,
        logger: pino({ level: 'silent' }),
      });
      link.start();
      const events = () => collector.firsts.filter((d) => !d.topic.endsWith('/online'));
      await waitFor(
        () => outbox.backlog() === 0 && events().length >= lastSeq,
        60_000,
        'the backlog to drain',
      );
      await link.stop();
      outbox.close();

      // Every event the agent ever committed reached the broker: sequence 1…lastSeq, no gap.
      const seqs = events()
        .map((d) => d.seq)
        .sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
      const lifts = events()
        .filter((d) => d.topic.endsWith('/lifts'))
        .map((d) => LiftEvent.parse(d.message));
      // No bin booked twice across restarts (each bin is lifted once), and most bins were booked.
      const tags = lifts.map((l) => l.tag?.id).filter((t): t is string => t !== undefined);
      expect(new Set(tags).size).toBe(tags.length);
      expect(lifts.length).toBeGreaterThan(BINS / 5);
      // A lift booked without a flag went through a whole cycle in one agent run: its weights are
      // exactly the bin's (the instrument rounds to e = 500 g, the route's weights are multiples).
      const wasteByTag = new Map(
        route.stops.flatMap((s) => (s.type === 'bin' && s.tagId ? [[s.tagId, s.wasteG]] : [])),
      );
      const clean = lifts.filter((l) => l.flags.length === 0);
      expect(clean.length).toBeGreaterThan(lifts.length / 2);
      const wrong = clean.filter((l) => l.netWeightG !== wasteByTag.get(l.tag?.id ?? ''));
      const tagsInOrder = [...wasteByTag.keys()];
      expect(
        wrong.map((l) => {
          const i = tagsInOrder.indexOf(l.tag?.id ?? '');
          const around = tagsInOrder.slice(Math.max(0, i - 1), i + 2).map((t) => wasteByTag.get(t));
          return `${l.tag?.id} net ${l.netWeightG} (gross ${l.grossWeightG}, tare ${l.tareWeightG}) bins around: ${around}`;
        }),
      ).toEqual([]);
      expect(kills.length).toBeGreaterThanOrEqual(KILLS);
      console.log(
        `kill test: ${kills.length} SIGKILLs, ${lifts.length}/${BINS} lifts booked, ${lastSeq} events, ` +
          `${clean.length} unflagged with the bin's exact net, ` +
          `${collector.duplicates} duplicate deliveries (QoS 1), ${Math.round((Date.now() - t0) / 1000)} s`,
      );
    } finally {
      driver.stop();
      await agent.signal('SIGKILL');
      sim.stop();
      await Promise.all(links.map((l) => l.stop()));
      await collector.close();
    }
  }, 900_000);
});
