import {
  DeviceAlert,
  encodeMessage,
  LiftEvent,
  type RouteCommand,
  TruckStatus,
  topicFor,
} from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import { type DrivenLift, RouteDriver } from '@releve/firmware-sim/truck/RouteDriver';
import { generateRoute, type RouteFile, routeCommandOf } from '@releve/firmware-sim/truck/RouteFile';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoAvailable, TestBroker } from '../fixtures/broker.js';
import { EventCollector } from '../mqtt/fixtures/collector.js';
import { truckRig } from './fixtures/truckRig.js';

const hasMosquitto = await mosquittoAvailable();

const ROUTE: RouteFile = {
  routeId: 'e2e',
  date: '2026-11-28',
  stops: [
    {
      type: 'bin',
      tagId: '0000000A01',
      scheme: 'em4100',
      volumeL: 240,
      binTareG: 14_000,
      wasteG: 42_500,
      unstable: false,
      lat: 43.651,
      lon: 3.541,
    },
    {
      type: 'bin',
      tagId: null,
      scheme: 'em4100',
      volumeL: 240,
      binTareG: 14_000,
      wasteG: 30_000,
      unstable: false,
    },
    {
      type: 'bin',
      tagId: '0000000A03',
      scheme: 'em4100',
      volumeL: 240,
      binTareG: 14_000,
      wasteG: 3000,
      unstable: false,
    },
    { type: 'unload' },
    {
      type: 'bin',
      tagId: '0000000A04',
      scheme: 'em4100',
      volumeL: 240,
      binTareG: 14_000,
      wasteG: 60_000,
      unstable: true,
    },
    {
      type: 'bin',
      tagId: '0000000A05',
      scheme: 'em4100',
      volumeL: 240,
      binTareG: 14_000,
      wasteG: 55_500,
      unstable: false,
    },
  ],
};

describe.skipIf(!hasMosquitto)('TruckAgent against the simulated truck (MockBinding) and Mosquitto', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.start();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('books every lift of a route with the instrument weights, flags and trips, and reports status', async () => {
    const collector = await EventCollector.connect(broker.url, 'releve/v1/trucks/truck-e2e/#');
    const rig = truckRig({ brokerUrl: broker.url, truckId: 'truck-e2e' });
    const driver = new RouteDriver(rig.truck, {
      timeScale: 0.1,
      travelMs: 1500,
      bodyVolumeL: 300,
      releaseGapMs: 100,
    });
    const driven: DrivenLift[] = [];
    driver.on('lift-done', (l) => driven.push(l));
    try {
      // The cloud publishes today's route, retained, before the truck connects.
      const cloud = await mqtt.connectAsync(broker.url, { clientId: 'cloud-e2e', protocolVersion: 4 });
      const route: RouteCommand = routeCommandOf(ROUTE, 1, new Date());
      await cloud.publishAsync(topicFor('route', 'truck-e2e'), encodeMessage('route', route), {
        qos: 1,
        retain: true,
      });
      await cloud.endAsync();

      await rig.agent.start();
      await waitFor(() => rig.agent.recorder.advisor.nextStops().length === 5, 20_000, 'route received');
      await waitFor(() => rig.truck.board.isReportingDigital(2), 20_000, 'lifter board handshake');
      await driver.run(ROUTE);

      const lifts = () => collector.firsts.filter((d) => d.topic.endsWith('/lifts'));
      await waitFor(() => lifts().length === 5, 30_000, '5 lifts at the broker');
      const got = lifts().map((d) => LiftEvent.parse(d.message));
      expect(got.map((l) => l.tag?.id ?? null)).toEqual([
        '0000000A01',
        null,
        '0000000A03',
        '0000000A04',
        '0000000A05',
      ]);
      expect(got.map((l) => l.tripSeq)).toEqual([1, 1, 1, 2, 2]);
      expect(got.map((l) => l.flags)).toEqual([[], ['no-tag'], ['below-minimum'], ['unstable'], []]);
      for (const [i, l] of got.entries()) {
        const d = driven[i]!;
        if (l.flags.includes('unstable')) {
          expect(l.netWeightG).toBeNull();
          continue;
        }
        expect(l).toMatchObject({
          grossWeightG: d.grossG,
          tareWeightG: d.tareG,
          netWeightG: d.netG,
          scaleIntervalG: 500,
          minimumG: 5000,
        });
      }
      // the fix of the GPS at the lift; under load it may be a later point of the simulated track
      expect(got[0]?.position).toMatchObject({
        lat: expect.closeTo(43.651, 2),
        lon: expect.closeTo(3.541, 2),
      });
      expect(new Set(got.map((l) => l.id)).size).toBe(5);

      const statuses = () =>
        collector.firsts.filter((d) => d.topic.endsWith('/status')).map((d) => TruckStatus.parse(d.message));
      await waitFor(
        () => statuses().some((s) => s.tripSeq === 2 && s.liftsThisTrip === 2),
        10_000,
        'trip 2 status',
      );
      const last = statuses().at(-1)!;
      expect(last).toMatchObject({
        truckId: 'truck-e2e',
        tripSeq: 2,
        liftsThisTrip: 2,
        payloadG: 55_500,
        maxPayloadG: 9_500_000,
      });
      expect(last.advice).toEqual({ action: 'unload', reason: 'route-done', binsUntilFull: 0 });
      expect(last.health).toMatchObject({
        lifts: 5,
        liftsNoTag: 1,
        liftsUnstable: 1,
        liftsBelowMinimum: 1,
        unloads: 1,
        unknownBins: 1,
      });
      expect(last.health.rfidBadFrames).toBe(0);
      const trip1 = statuses()
        .filter((s) => s.tripSeq === 1)
        .at(-1)!;
      expect(trip1.payloadG).toBe(42_500 + 30_000 + 3000);
      // Sequence numbers of everything the truck sent have no gap: nothing lost.
      const seqs = collector.firsts
        .filter((d) => !d.topic.endsWith('/online'))
        .map((d) => d.seq)
        .sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      // The unknown bin sounded the buzzer; the route-done advice lit the LED.
      await waitFor(() => rig.truck.board.outputOf(13) === 1, 10_000, 'go-unload LED');
      const alerts = collector.firsts
        .filter((d) => d.topic.endsWith('/alerts'))
        .map((d) => DeviceAlert.parse(d.message));
      expect(alerts.filter((a) => a.kind === 'unknown-bin')).toHaveLength(1);
      expect(rig.outputs(8)).toContain(1);
      // The cab display shows the advice and the last lift.
      await waitFor(() => rig.cabScreen().startsWith('UNLOAD ROUTE DONE\r\n'), 10_000, 'cab display');
      expect(rig.cabScreen()).toBe('UNLOAD ROUTE DONE\r\n0000000A05 55.5 kg\r\n');
    } finally {
      driver.stop();
      await rig.stop();
      await collector.close();
    }
  }, 120_000);

  it.each([
    ['fdxb-binary', 'mt-sics'],
    ['fdxb-ascii', 'toledo-checksum'],
  ] as const)(
    'weighs with a %s reader and a %s indicator (polled or continuous)',
    async (rfidProtocol, indicatorProtocol) => {
      const truckId = `truck-${indicatorProtocol}`;
      const collector = await EventCollector.connect(broker.url, `releve/v1/trucks/${truckId}/lifts`);
      const rig = truckRig({ brokerUrl: broker.url, truckId, rfidProtocol, indicatorProtocol });
      const driver = new RouteDriver(rig.truck, { timeScale: 0.1, travelMs: 1500, releaseGapMs: 100 });
      const bins = [1, 2, 3].map((i) => ({
        type: 'bin' as const,
        tagId: `250-00000108842${i}`,
        scheme: 'fdx-b' as const,
        volumeL: 240,
        binTareG: 14_000,
        wasteG: 20_000 + i * 5_500,
        unstable: false,
      }));
      try {
        await rig.agent.start();
        await waitFor(() => rig.truck.board.isReportingDigital(2), 20_000, 'lifter board handshake');
        await driver.run({ routeId: 'p', date: '2026-11-28', stops: bins });
        const lifts = () => collector.firsts.map((d) => LiftEvent.parse(d.message));
        await waitFor(() => lifts().length === 3, 30_000, '3 lifts');
        expect(lifts().map((l) => [l.tag?.id, l.netWeightG, l.flags])).toEqual(
          bins.map((b) => [b.tagId, b.wasteG, []]),
        );
      } finally {
        driver.stop();
        await rig.stop();
        await collector.close();
      }
    },
    120_000,
  );

  it('counts the unload of a partly filled last trip: the truck shows empty and a new trip starts', async () => {
    const collector = await EventCollector.connect(broker.url, 'releve/v1/trucks/truck-partial/status');
    const rig = truckRig({ brokerUrl: broker.url, truckId: 'truck-partial' });
    // A 20 m³ body at 350 kg/m³ takes 7 t: three bins fill it to about 2 %, far under the 20 %
    // the compactor fill must pass before its fall alone can tell an unload.
    const driver = new RouteDriver(rig.truck, { timeScale: 0.1, travelMs: 1500, releaseGapMs: 100 });
    const bins = [40_000, 35_000, 45_500].map((wasteG, i) => ({
      type: 'bin' as const,
      tagId: `00000B000${i + 1}`,
      scheme: 'em4100' as const,
      volumeL: 240,
      binTareG: 14_000,
      wasteG,
      unstable: false,
    }));
    const statuses = () => collector.firsts.map((d) => TruckStatus.parse(d.message));
    try {
      await rig.agent.start();
      await waitFor(() => rig.truck.board.isReportingDigital(4), 20_000, 'lifter board handshake');
      await driver.run({ routeId: 'partial', date: '2026-11-28', stops: bins });
      await waitFor(() => statuses().some((s) => s.liftsThisTrip === 3), 10_000, 'three lifts on board');
      const loaded = statuses().at(-1)!;
      expect(loaded).toMatchObject({ tripSeq: 1, payloadG: 120_500 });
      expect(loaded.volumeFill).toBeLessThan(0.2);

      await driver.run({ routeId: 'partial', date: '2026-11-28', stops: [{ type: 'unload' }] });
      await waitFor(() => statuses().some((s) => s.tripSeq === 2), 10_000, 'trip 2 status');
      expect(statuses().at(-1)).toMatchObject({
        tripSeq: 2,
        liftsThisTrip: 0,
        payloadG: 0,
        weightFill: 0,
        volumeFill: 0,
        advice: { action: 'continue' },
      });
      expect(statuses().at(-1)?.health.unloads).toBe(1);
      expect(rig.truck.board.isReportingDigital(4)).toBe(true);
      expect(rig.cabScreen()).toMatch(/^CONTINUE/);
      // The next lift belongs to the new trip.
      await driver.run({
        routeId: 'partial',
        date: '2026-11-28',
        stops: [{ ...bins[0]!, tagId: '00000B0004' }],
      });
      await waitFor(
        () => statuses().some((s) => s.tripSeq === 2 && s.liftsThisTrip === 1),
        10_000,
        'trip 2 lift',
      );
      expect(statuses().at(-1)).toMatchObject({ tripSeq: 2, payloadG: 40_000 });
    } finally {
      driver.stop();
      await rig.stop();
      await collector.close();
    }
  }, 120_000);

  it('survives the indicator adapter vanishing mid-route and a noisy RFID line: alert, counters, lifts go on', async () => {
    const collector = await EventCollector.connect(broker.url, 'releve/v1/trucks/truck-unplug/#');
    const rig = truckRig({ brokerUrl: broker.url, truckId: 'truck-unplug', rfidCorruption: 0.3 });
    const driver = new RouteDriver(rig.truck, { timeScale: 0.1, travelMs: 1500, releaseGapMs: 100 });
    const route = generateRoute({ bins: 6, seed: 9 });
    driver.on('lift-done', (l) => {
      if (l.index !== 2) return;
      rig.binding.unplug(rig.paths.indicator);
      setTimeout(() => rig.binding.replug(rig.paths.indicator), 300);
    });
    try {
      await rig.agent.start();
      await waitFor(() => rig.truck.board.isReportingDigital(2), 20_000, 'lifter board handshake');
      await driver.run(route);
      const lifts = () =>
        collector.firsts.filter((d) => d.topic.endsWith('/lifts')).map((d) => LiftEvent.parse(d.message));
      await waitFor(() => lifts().length === 6, 30_000, '6 lifts');
      const expected = route.stops.flatMap((s) => (s.type === 'bin' ? [s] : []));
      // Corrupted tag frames are dropped; the intact repeats still name every bin.
      expect(lifts().map((l) => l.tag?.id)).toEqual(expected.map((b) => b.tagId));
      // The lifts after the adapter came back are weighed again.
      expect(
        lifts()
          .slice(3)
          .map((l) => l.netWeightG),
      ).toEqual(expected.slice(3).map((b) => b.wasteG));
      const alerts = collector.firsts
        .filter((d) => d.topic.endsWith('/alerts'))
        .map((d) => DeviceAlert.parse(d.message));
      expect(alerts.map((a) => a.kind)).toContain('serial-device-lost');
      rig.agent.recorder.bookStatus();
      const statuses = () =>
        collector.firsts.filter((d) => d.topic.endsWith('/status')).map((d) => TruckStatus.parse(d.message));
      await waitFor(() => statuses().some((s) => s.health.lifts === 6), 10_000, 'final status');
      const health = statuses().at(-1)?.health ?? {};
      expect(health.indicatorLosses).toBeGreaterThanOrEqual(1);
      expect(health.indicatorReopens).toBeGreaterThanOrEqual(1);
      expect(health.rfidBadFrames).toBeGreaterThan(0);
    } finally {
      driver.stop();
      await rig.stop();
      await collector.close();
    }
  }, 120_000);
});
