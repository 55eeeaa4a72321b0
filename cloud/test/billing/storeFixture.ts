import { encodeMessage, type LiftEvent, topicFor } from '@releve/shared';
import type { Store } from '../../src/store/Store.js';

function lift(
  n: number,
  startedAt: string,
  tagId: string | null,
  netG: number | null,
  flags: LiftEvent['flags'] = [],
): LiftEvent {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    seq: n,
    ts: startedAt,
    truckId: 'truck-01',
    startedAt,
    tag: tagId ? { scheme: 'fdx-b', id: tagId } : null,
    grossWeightG: netG === null ? null : netG + 12_000,
    tareWeightG: netG === null ? null : 12_000,
    netWeightG: netG,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags,
    tripSeq: 1,
    position: null,
  };
}

/**
 * Seeds a store with the registry and lifts of the export and statement tests: household H1
 * (moved in 2026-03-02, 240 L bin), building BLD1 with a 660 L collective bin, and seven lifts
 * (one with no tag, one for an unregistered tag, one on 31 December in Paris).
 */
export function seedBillingStore(store: Store): void {
  const db = store.db;
  db.exec(`
    INSERT INTO accounts (account_id, kind, name) VALUES ('H1', 'household', 'Famille Dupont; "Les Pins"'), ('S1', 'building-manager', 'Syndic Oliviers');
    INSERT INTO households (household_id, persons, moved_in) VALUES ('H1', 3, '2026-03-02');
    INSERT INTO buildings (building_id, name, dwellings, manager_account_id) VALUES ('BLD1', 'Les Oliviers', 4, 'S1');
    INSERT INTO trucks (truck_id, name, max_payload_g, scale_interval_g) VALUES ('truck-01', 'BOM 1', 9000000, 500);
    INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, valid_from) VALUES ('B1', 'fdx-b', '250-000000000001', 240, 'H1', '2026-03-02');
    INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, building_id, valid_from) VALUES ('C1', 'fdx-b', '250-000000000660', 660, 'BLD1', '2020-01-01');
  `);
  const lifts = [
    lift(1, '2026-03-10T09:00:00.000Z', '250-000000000001', 20_000),
    lift(2, '2026-04-10T08:00:00.000Z', '250-000000000001', 30_000),
    lift(3, '2026-04-24T08:00:00.000Z', '250-000000000001', 4_500, ['below-minimum']),
    lift(4, '2026-05-08T08:00:00.000Z', '250-000000000660', 50_000),
    lift(5, '2026-05-08T08:05:00.000Z', null, 11_000, ['no-tag']),
    lift(6, '2026-05-08T08:10:00.000Z', '250-000000777777', 9_000),
    lift(7, '2025-12-31T22:30:00.000Z', '250-000000000660', 40_000), // 31 Dec in Paris: not H1
  ];
  writeLifts(store, lifts);
}

/** Stores lift events as the ingest would (received at their own time, no cloud flags). */
export function writeLifts(store: Store, lifts: LiftEvent[]): void {
  store.writeBatch(
    lifts.map((m) => ({
      type: 'message' as const,
      kind: 'lift' as const,
      message: m,
      topic: topicFor('lift', m.truckId),
      deviceClass: 'trucks' as const,
      deviceId: m.truckId,
      payload: encodeMessage('lift', m),
      receivedAt: m.ts,
      cloudFlags: [],
    })),
  );
}
