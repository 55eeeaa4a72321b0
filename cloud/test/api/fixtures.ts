import { randomUUID } from 'node:crypto';
import type {
  BeaconSightingsBatch,
  BeaconTelemetry,
  GatewayHealth,
  LiftEvent,
  MessageKind,
  MessageOf,
  OnlineState,
  TruckStatus,
} from '@releve/shared';
import { MESSAGES, topicFor } from '@releve/shared';
import type { MessageRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/Store.js';

/** Tags of the registry's bins: one per household account, valid from 2026-01-01. */
export const TAGS = { 'acc-1': '1000000001', 'acc-2': '1000000002' } as const;
export const BEACON = 'eddystone:0102030405060708090a:0b0c0d0e0f10';

/** Registry rows the API tests read (what `registry import` would have written). */
export function seedRegistry(store: Store): void {
  store.db.exec(`
    INSERT INTO accounts (account_id, kind, name) VALUES ('acc-1', 'household', 'Martin'), ('acc-2', 'household', 'Durand');
    INSERT INTO households (household_id, persons, moved_in) VALUES ('acc-1', 2, '2020-01-01'), ('acc-2', 4, '2020-01-01');
    INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, valid_from)
      VALUES ('bin-1', 'em4100', '${TAGS['acc-1']}', 240, 'acc-1', '2026-01-01T00:00:00.000Z'),
             ('bin-2', 'em4100', '${TAGS['acc-2']}', 120, 'acc-2', '2026-01-01T00:00:00.000Z');
    INSERT INTO trucks (truck_id, name, max_payload_g, scale_interval_g) VALUES
      ('truck-01', 'Benne 1', 9000000, 500), ('truck-02', 'Benne 2', 9000000, 500);
    INSERT INTO gateways (gateway_id, name, lat, lon) VALUES ('gw-01', 'Cosmo entrée', 43.65, 3.54);
    INSERT INTO beacons (beacon_id, name, lat, lon) VALUES ('${BEACON}', 'Boulangerie', 43.651, 3.541);
  `);
}

const at = (ms: number) => new Date(ms).toISOString();

/** A lift by `truckId` of the bin of `account` at `startedAtMs`. */
export function lift(
  truckId: string,
  seq: number,
  startedAtMs: number,
  account: keyof typeof TAGS,
): LiftEvent {
  return {
    id: randomUUID(),
    seq,
    ts: at(startedAtMs + 8000),
    truckId,
    startedAt: at(startedAtMs),
    tag: { scheme: 'em4100', id: TAGS[account] },
    grossWeightG: 30_000 + seq * 500,
    tareWeightG: 12_000,
    netWeightG: 18_000 + seq * 500,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags: [],
    tripSeq: 1,
    position: null,
  };
}

export function truckStatus(truckId: string, seq: number, tsMs: number): TruckStatus {
  return {
    id: randomUUID(),
    seq,
    ts: at(tsMs),
    truckId,
    tripSeq: 1,
    liftsThisTrip: 3,
    payloadG: 54_000,
    maxPayloadG: 9_000_000,
    weightFill: 0.006,
    volumeFill: null,
    advice: { action: 'continue', reason: 'capacity-available', binsUntilFull: null },
    position: null,
    outboxBacklog: 0,
    health: {},
  };
}

export function online(deviceId: string, sinceMs: number): OnlineState {
  return { deviceId, state: 'online', cause: 'connected', since: at(sinceMs) };
}

export function gatewayHealth(gatewayId: string, seq: number, tsMs: number): GatewayHealth {
  return {
    id: randomUUID(),
    seq,
    ts: at(tsMs),
    gatewayId,
    scanner: 'scanning',
    advRatePerS: 12.5,
    advTotal: 1000,
    scanRestarts: 0,
    expectedBeacons: 1,
    heardBeacons: 1,
    outboxBacklog: 0,
    uptimeS: 3600,
    rssBytes: 50_000_000,
  };
}

export function beaconTelemetry(gatewayId: string, seq: number, tsMs: number): BeaconTelemetry {
  return {
    id: randomUUID(),
    seq,
    ts: at(tsMs),
    gatewayId,
    beaconId: BEACON,
    batteryMv: 2950,
    temperatureC: 18.5,
    advCount: 123_456,
    uptimeS: 86_400,
    rebooted: false,
    counterAnomaly: false,
    advRateHz: 1.4,
  };
}

export function sightings(gatewayId: string, seq: number, tsMs: number): BeaconSightingsBatch {
  return {
    id: randomUUID(),
    seq,
    ts: at(tsMs),
    gatewayId,
    windowStart: at(tsMs - 10_000),
    windowEnd: at(tsMs),
    beacons: [
      {
        beaconId: BEACON,
        address: 'AA:BB:CC:DD:EE:01',
        frames: ['eddystone-uid'],
        count: 9,
        rssiDbm: { smoothed: -71.5, min: -80, max: -65 },
        txPowerDbm: -59,
        distanceM: 2.8,
        zone: 'near',
        intervalMs: 1000,
        addressMismatch: false,
      },
    ],
  };
}

/** The store record the ingest would write for a validated message. */
export function recordOf<K extends MessageKind>(
  kind: K,
  deviceId: string,
  message: MessageOf<K>,
  receivedAtMs: number,
): MessageRecord {
  return {
    type: 'message',
    kind,
    message,
    topic: topicFor(kind, deviceId),
    deviceClass: MESSAGES[kind].deviceClass,
    deviceId,
    payload: Buffer.from(JSON.stringify(message)),
    receivedAt: at(receivedAtMs),
    cloudFlags: [],
  } as MessageRecord;
}
