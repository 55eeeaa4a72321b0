import { randomUUID } from 'node:crypto';
import {
  type BeaconSightingsBatch,
  type BeaconTelemetry,
  encodeMessage,
  type FootfallCount,
  MAX_PAYLOAD_BYTES,
  topicFor,
} from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerUnderTest } from './fixtures/brokers.js';
import {
  deviceAlert,
  gatewayHealth,
  liftEvent,
  onlineState,
  seedRegistry,
  truckStatus,
} from './fixtures/devices.js';
import { floodTraffic } from './fixtures/flood.js';
import { IngestHarness } from './fixtures/IngestHarness.js';

const BEACON = 'eddystone:0123456789abcdef0123:a1b2c3d4e5f6';

/**
 * The ingest contract, written once and run against every broker the cloud may use
 * (the embedded aedes broker, the machine's Mosquitto): what is stored, what is
 * dead-lettered and why, and that nothing a device sends stops the ingest.
 */
export function ingestContract(
  brokerFactory: () => Promise<BrokerUnderTest | null>,
  defaults: Parameters<IngestHarness['start']>[0] = {},
): void {
  let harness: IngestHarness | null = null;
  let broker: BrokerUnderTest | null = null;

  async function setUp(options: Parameters<IngestHarness['start']>[0] = {}) {
    broker = await brokerFactory();
    if (!broker) throw new Error('broker unavailable');
    const h = new IngestHarness(broker);
    harness = h;
    seedRegistry(h.store, [h.device('truck')], [h.device('gw')]);
    await h.start({ ...defaults, ...options });
    return h;
  }

  afterEach(async () => {
    await harness?.stop();
    harness = null;
    await broker?.stop();
    broker = null;
  });

  it('stores one message of every device → cloud kind once and emits each on the event bus', async () => {
    const h = await setUp();
    const truck = h.device('truck');
    const gw = h.device('gw');
    const now = new Date().toISOString();
    const telemetry: BeaconTelemetry = {
      id: randomUUID(),
      seq: 3,
      ts: now,
      gatewayId: gw,
      beaconId: BEACON,
      batteryMv: 2950,
      temperatureC: 21.5,
      advCount: 12_345,
      uptimeS: 3600,
      rebooted: false,
      counterAnomaly: false,
      advRateHz: 3.4,
    };
    const sightings: BeaconSightingsBatch = {
      id: randomUUID(),
      seq: 4,
      ts: now,
      gatewayId: gw,
      windowStart: now,
      windowEnd: now,
      beacons: [
        {
          beaconId: BEACON,
          address: 'AA:BB:CC:DD:EE:FF',
          frames: ['eddystone-uid', 'eddystone-tlm'],
          count: 12,
          rssiDbm: { smoothed: -71.5, min: -80, max: -65 },
          txPowerDbm: -59,
          distanceM: 2.4,
          zone: 'near',
          intervalMs: 1000,
          addressMismatch: false,
        },
      ],
    };
    const footfall: FootfallCount = {
      id: randomUUID(),
      seq: 5,
      ts: now,
      gatewayId: gw,
      windowStart: now,
      windowEnd: now,
      count: 17,
      suppressed: false,
      k: 5,
    };
    await h.publish(topicFor('lift', truck), encodeMessage('lift', liftEvent(truck, 1)));
    await h.publish(topicFor('truckStatus', truck), encodeMessage('truckStatus', truckStatus(truck, 2)));
    await h.publish(topicFor('truckAlert', truck), encodeMessage('truckAlert', deviceAlert(truck, 3)));
    await h.publish(
      topicFor('truckOnline', truck),
      encodeMessage('truckOnline', onlineState(truck, 'online', now)),
    );
    await h.publish(topicFor('gatewayHealth', gw), encodeMessage('gatewayHealth', gatewayHealth(gw, 1)));
    await h.publish(topicFor('gatewayAlert', gw), encodeMessage('gatewayAlert', deviceAlert(gw, 2)));
    await h.publish(topicFor('telemetry', gw), encodeMessage('telemetry', telemetry));
    await h.publish(topicFor('sightings', gw), encodeMessage('sightings', sightings));
    await h.publish(topicFor('footfall', gw), encodeMessage('footfall', footfall));
    await waitFor(() => h.stored.length >= 9, 20_000, 'nine stored events');
    expect(h.stored.map((e) => e.kind).sort()).toEqual(
      [
        'footfall',
        'gatewayAlert',
        'gatewayHealth',
        'lift',
        'sightings',
        'telemetry',
        'truckAlert',
        'truckOnline',
        'truckStatus',
      ].sort(),
    );
    expect(h.countOf('lifts', 'truck_id')).toBe(1);
    expect(h.countOf('truck_status', 'truck_id')).toBe(1);
    expect(h.countOf('device_alerts', 'device_id')).toBe(2);
    expect(h.countOf('device_online', 'device_id')).toBe(1);
    expect(h.countOf('gateway_health', 'gateway_id')).toBe(1);
    expect(h.countOf('beacon_telemetry', 'gateway_id')).toBe(1);
    expect(h.countOf('beacon_sightings', 'gateway_id')).toBe(1);
    expect(h.countOf('footfall_counts', 'gateway_id')).toBe(1);
    const [lift] = h.store.reads.liftsByTruck(truck, {
      from: '2000-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
    });
    expect(lift?.accountId).toBe('hh-1');
    expect(lift?.unknownTag).toBe(false);
    expect(h.countOf('dead_letters', 'topic')).toBe(0);
  });

  it('stores a redelivered event once, and dead-letters an event id reused with other content', async () => {
    const h = await setUp();
    const truck = h.device('truck');
    const lift = liftEvent(truck, 1);
    const bytes = encodeMessage('lift', lift);
    await h.publish(topicFor('lift', truck), bytes);
    await h.publish(topicFor('lift', truck), bytes);
    await h.publish(topicFor('lift', truck), encodeMessage('lift', { ...lift, netWeightG: 1 }));
    await h.waitForDeadLetters(1);
    await waitFor(() => h.ingest?.stats().duplicates === 1, 10_000, 'one duplicate');
    expect(h.countOf('lifts', 'truck_id')).toBe(1);
    expect(h.store.reads.lift(lift.id)?.netWeightG).toBe(lift.netWeightG);
    expect(h.deadLetters().map((d) => d.reason_code)).toEqual(['id-conflict']);
    expect(h.store.counters().duplicates).toBe(1);
  });

  it('stores a lift whose tag is in no bin, flagged unknown-tag', async () => {
    const h = await setUp();
    const truck = h.device('truck');
    const lift = liftEvent(truck, 1, { tag: { scheme: 'fdx-b', id: '250-000001088420' } });
    await h.publish(topicFor('lift', truck), encodeMessage('lift', lift));
    await waitFor(() => h.store.reads.lift(lift.id), 10_000, 'lift stored');
    const stored = h.store.reads.lift(lift.id);
    expect(stored?.unknownTag).toBe(true);
    expect(stored?.cloudFlags).toEqual(['unknown-tag']);
    expect(stored?.accountId).toBeNull();
    expect(h.stored[0]?.cloudFlags).toEqual(['unknown-tag']);
  });

  it('stores events with a skewed device clock, flagged clock-skew; a plausible outbox delay is not flagged', async () => {
    const h = await setUp();
    const truck = h.device('truck');
    const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
    const ahead = liftEvent(truck, 1, { ts: at(3_600_000) });
    const behind = liftEvent(truck, 2, { ts: at(-60 * 86_400_000) });
    const delayed = liftEvent(truck, 3, { ts: at(-2 * 86_400_000) });
    for (const l of [ahead, behind, delayed])
      await h.publish(topicFor('lift', truck), encodeMessage('lift', l));
    await waitFor(() => h.countOf('lifts', 'truck_id') === 3, 10_000, 'three lifts');
    expect(h.store.reads.lift(ahead.id)?.cloudFlags).toEqual(['clock-skew']);
    expect(h.store.reads.lift(behind.id)?.cloudFlags).toEqual(['clock-skew']);
    expect(h.store.reads.lift(delayed.id)?.cloudFlags).toEqual([]);
  });

  it('dead-letters a device the registry does not know (default policy)', async () => {
    const h = await setUp();
    const ghost = h.device('ghost');
    await h.publish(topicFor('lift', ghost), encodeMessage('lift', liftEvent(ghost, 1)));
    await h.waitForDeadLetters(1);
    const [dl] = h.deadLetters();
    expect(dl?.reason_code).toBe('unknown-device');
    expect(dl?.client_id).toBe(ghost);
    expect(h.countOf('lifts', 'truck_id')).toBe(0);
  });

  it('stores a device the registry does not know, flagged, under the store-flagged policy', async () => {
    const h = await setUp({ reception: { unknownDevice: 'store-flagged' } });
    const ghost = h.device('ghost');
    const lift = liftEvent(ghost, 1);
    await h.publish(topicFor('lift', ghost), encodeMessage('lift', lift));
    await waitFor(() => h.store.reads.lift(lift.id), 10_000, 'lift stored');
    expect(h.store.reads.lift(lift.id)?.cloudFlags).toEqual(['unknown-device']);
  });

  it('gives every malformed payload its defined reason and keeps its raw bytes', async () => {
    const h = await setUp();
    const truck = h.device('truck');
    const topic = topicFor('lift', truck);
    const valid = liftEvent(truck, 1);
    const { netWeightG: _dropped, ...missingField } = valid;
    const cases: [string, Buffer, string][] = [
      ['not JSON', Buffer.from('{"id": oops'), 'not-json'],
      ['empty payload', Buffer.alloc(0), 'not-json'],
      ['binary garbage (invalid UTF-8)', Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]), 'not-json'],
      ['JSON of the wrong shape', Buffer.from('[1,2,3]'), 'schema'],
      ['missing field', Buffer.from(JSON.stringify(missingField)), 'schema'],
      ['wrong type', Buffer.from(JSON.stringify({ ...valid, grossWeightG: '25 kg' })), 'schema'],
      ['fractional grams', Buffer.from(JSON.stringify({ ...valid, netWeightG: 12.5 })), 'schema'],
      ['time without ms', Buffer.from(JSON.stringify({ ...valid, ts: '2026-11-28T07:15:02Z' })), 'schema'],
      [
        'device id differs from topic',
        Buffer.from(JSON.stringify({ ...valid, truckId: 'other' })),
        'device-mismatch',
      ],
      ['oversize', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), 'oversize'],
    ];
    for (const [, payload] of cases) await h.publish(topic, payload);
    await h.waitForDeadLetters(cases.length);
    const letters = h.deadLetters();
    expect(letters.map((d) => d.reason_code)).toEqual(cases.map(([, , code]) => code));
    letters.forEach((d, i) => {
      const [what, payload] = cases[i] ?? ['', Buffer.alloc(0)];
      expect(Buffer.compare(d.payload, payload), what).toBe(0);
      expect(d.topic).toBe(topic);
      expect(d.client_id).toBe(truck);
      expect(d.reason.length, what).toBeGreaterThan(0);
    });
    expect(h.countOf('lifts', 'truck_id')).toBe(0);
  });

  describe('under a flood', () => {
    it('dead-letters 10,000 malformed payloads mixed into valid traffic, stores every valid lift once, and keeps running', async () => {
      const h = await setUp();
      const truck = h.device('truck');
      const valid = 2000;
      const duplicates = 1000;
      const traffic = floodTraffic(truck, h.device('ghost'), valid, duplicates);
      const expected = new Map<string, number>();
      for (const t of traffic) expected.set(t.expect, (expected.get(t.expect) ?? 0) + 1);
      const malformed = traffic.length - valid - duplicates;
      expect(malformed).toBe(10_000);
      // Publish in chunks and let the ingest keep up: Mosquitto drops QoS 1 messages queued
      // past max_queued_messages (1000) for a slow subscriber.
      const ingest = h.ingest;
      if (!ingest) throw new Error('no ingest');
      const startReceived = ingest.stats().received;
      // A tenth of the broker's queue for a subscriber leaves room for other runs' traffic on a
      // shared Mosquitto (the ingest subscribes to every device's topics).
      const step = Math.min(500, Math.floor((broker?.offlineQueueLimit ?? 1000) / 10));
      for (let i = 0; i < traffic.length; i += step) {
        const chunk = traffic.slice(i, i + step);
        await Promise.all(chunk.map((t) => h.publish(t.topic, t.payload)));
        const sent = i + chunk.length;
        await waitFor(() => ingest.stats().received - startReceived >= sent, 60_000, `${sent} received`);
      }
      await waitFor(
        () => h.countOf('dead_letters', 'topic') >= malformed && h.countOf('lifts', 'truck_id') >= valid,
        60_000,
        'every message written',
      );
      await waitFor(() => ingest.stats().duplicates >= duplicates, 30_000, 'duplicates counted');
      const byReason = h.store.db
        .prepare(
          'SELECT reason_code, count(*) AS n FROM dead_letters WHERE topic LIKE ? GROUP BY reason_code',
        )
        .all(`%${h.run}%`) as { reason_code: string; n: number }[];
      const got = Object.fromEntries(byReason.map((r) => [r.reason_code, r.n]));
      const want = Object.fromEntries([...expected].filter(([k]) => k !== 'stored' && k !== 'duplicate'));
      expect(got).toEqual(want);
      expect(h.countOf('lifts', 'truck_id')).toBe(valid);
      expect(h.store.reads.sequenceGaps(truck)).toEqual([]);
      expect(h.store.db.prepare("SELECT count(*) FROM dead_letters WHERE reason = ''").pluck().get()).toBe(0);
      // Still alive: a fresh lift goes through.
      const after = liftEvent(truck, valid + 1);
      await h.publish(topicFor('lift', truck), encodeMessage('lift', after));
      await waitFor(() => h.store.reads.lift(after.id), 20_000, 'a lift after the flood');
    }, 240_000);
  });
}
