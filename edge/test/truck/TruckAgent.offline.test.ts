import { RouteDriver } from '@releve/firmware-sim/truck/RouteDriver';
import { generateRoute } from '@releve/firmware-sim/truck/RouteFile';
import { LiftEvent } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoAvailable, TestBroker } from '../fixtures/broker.js';
import { EventCollector } from '../mqtt/fixtures/collector.js';
import { truckRig } from './fixtures/truckRig.js';

const hasMosquitto = await mosquittoAvailable();
const BINS = 500;

describe.skipIf(!hasMosquitto)('TruckAgent with the broker unreachable for a day of rounds', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it(`keeps ${BINS} lifts and their statuses, then drains them all in order when the broker is back`, async () => {
    // The cloud's subscriber has a persistent session: the broker queues for it while it is away.
    const collector = await EventCollector.connect(broker.url, 'releve/v1/trucks/truck-offline/#');
    await broker.stop();
    const rig = truckRig({
      brokerUrl: broker.url,
      truckId: 'truck-offline',
      config: { status: { intervalS: 5 } },
      fastDevices: true,
    });
    // Two rounds (one unload between them), 100× faster than real time.
    const route = generateRoute({ bins: BINS, seed: 3, unloadEvery: BINS / 2 });
    const driver = new RouteDriver(rig.truck, { timeScale: 0.01, travelMs: 1000 });
    try {
      await rig.agent.start();
      await waitFor(() => rig.truck.board.isReportingDigital(2), 30_000, 'lifter board handshake');
      await driver.run(route);
      await waitFor(() => rig.agent.recorder.health().lifts === BINS, 120_000, 'every lift booked');
      const booked = rig.agent.outbox.lastSeq();
      expect(rig.agent.outbox.backlog()).toBe(booked);
      expect(rig.agent.link.status().state).not.toBe('connected');

      await broker.restart();
      const events = () => collector.firsts.filter((d) => !d.topic.endsWith('/online'));
      await waitFor(() => events().length >= booked, 120_000, `${booked} events at the broker`);
      await waitFor(
        () => rig.agent.outbox.backlog() <= rig.agent.outbox.lastSeq() - booked,
        30_000,
        'backlog acknowledged',
      );

      // In order and complete: the first copies arrive with seq 1, 2, 3, … (no gap, no reordering).
      const seqs = events().map((d) => d.seq);
      expect(seqs.slice(0, booked)).toEqual(Array.from({ length: booked }, (_, i) => i + 1));
      const lifts = events()
        .filter((d) => d.topic.endsWith('/lifts'))
        .map((d) => LiftEvent.parse(d.message));
      expect(lifts).toHaveLength(BINS);
      expect(lifts.map((l) => l.tag?.id)).toEqual(
        route.stops.flatMap((s) => (s.type === 'bin' ? [s.tagId] : [])),
      );
      expect(lifts.filter((l) => l.tripSeq === 2)).toHaveLength(BINS / 2);
      console.log(
        `offline test: ${BINS} lifts, ${booked} events queued offline, ` +
          `${lifts.filter((l) => l.flags.length === 0).length} unflagged, ${collector.duplicates} duplicates`,
      );
    } finally {
      driver.stop();
      await rig.stop();
      await collector.close();
    }
  }, 600_000);
});
