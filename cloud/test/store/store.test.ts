import { randomUUID } from 'node:crypto';
import { encodeMessage, topicFor } from '@releve/shared';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/store/records.js';
import { Store } from '../../src/store/Store.js';
import { liftEvent, onlineState, seedRegistry, truckStatus } from '../ingest/fixtures/devices.js';
import { liftRecord, statusRecord, tempStore } from './fixtures.js';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});
function open(options: Parameters<typeof tempStore>[0] = {}) {
  const t = tempStore(options);
  cleanup = t.cleanup;
  return t;
}
const ALL = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };

describe('store writes', () => {
  it('stores an event id once: a same-bytes copy is a duplicate, other bytes an id-conflict dead letter', () => {
    const { store } = open();
    const lift = liftEvent('t1', 1);
    const outcomes = store.writeBatch([
      liftRecord(lift),
      liftRecord(lift),
      liftRecord({ ...lift, netWeightG: 1 }),
    ]);
    expect(outcomes).toEqual(['stored', 'duplicate', 'dead-lettered']);
    expect(store.reads.count('lifts')).toBe(1);
    expect(store.reads.lift(lift.id)?.netWeightG).toBe(lift.netWeightG);
    expect(store.reads.deadLetterCounts()).toEqual({ 'id-conflict': 1 });
    expect(store.counters().duplicates).toBe(1);
  });

  it('stores an event id once across kinds: a lift and a status may not share one', () => {
    const { store } = open();
    const lift = liftEvent('t1', 1);
    const status = truckStatus('t1', 2);
    expect(
      store.writeBatch([
        liftRecord(lift),
        statusRecord(status),
        statusRecord({ ...status, seq: 3, id: lift.id }),
        liftRecord({ ...lift, seq: 4, id: status.id }),
      ]),
    ).toEqual(['stored', 'stored', 'dead-lettered', 'dead-lettered']);
    expect([store.reads.count('lifts'), store.reads.count('truck_status')]).toEqual([1, 1]);
    expect(store.reads.deadLetterCounts()).toEqual({ 'id-conflict': 2 });
  });

  it('keeps nothing of a batch whose transaction fails', () => {
    const { store } = open();
    const good = liftRecord(liftEvent('t1', 1));
    const bad = { ...liftRecord(liftEvent('t1', 2)), message: { ...liftEvent('t1', 2), flags: undefined } };
    // A NOT NULL column left empty makes SQLite abort the transaction.
    (bad.message as { scaleIntervalG: unknown }).scaleIntervalG = null;
    expect(() => store.writeBatch([good, bad as unknown as MessageRecord])).toThrow(/store-write/);
    expect(store.reads.count('lifts')).toBe(0);
    expect(store.reads.count('events')).toBe(0);
  });

  it('makes and writes a batch in one transaction, the registry read inside it', () => {
    const { store } = open();
    seedRegistry(store, ['t1']);
    const lift = liftEvent('t1', 1);
    const { records, outcomes } = store.makeAndWriteBatch(() => [
      { ...liftRecord(lift), cloudFlags: store.isRegisteredDevice('trucks', 't1') ? [] : ['unknown-device'] },
    ]);
    expect([records.map((r) => r.type), outcomes]).toEqual([['message'], ['stored']]);
    expect(() =>
      store.makeAndWriteBatch(() => {
        store.writeBatch([liftRecord(liftEvent('t1', 2))]);
        throw new Error('classification bug');
      }),
    ).toThrow(/store-write.*classification bug/);
    expect(store.reads.count('lifts')).toBe(1);
  });

  it('holds the write lock from the start of a batch, so a commit elsewhere cannot fail it', () => {
    const { store } = open();
    seedRegistry(store, ['t1']);
    // Another connection to the same file, as the fleet watch and the ingest writer are.
    const other = new Database(store.path, { timeout: 20 });
    try {
      let elsewhere = '';
      const { outcomes } = store.makeAndWriteBatch(() => {
        const known = store.isRegisteredDevice('trucks', 't1'); // the batch reads first…
        try {
          other.prepare("UPDATE trucks SET name = 'renamed' WHERE truck_id = 't1'").run();
          elsewhere = 'committed';
        } catch (e) {
          elsewhere = (e as Error).message;
        }
        return [{ ...liftRecord(liftEvent('t1', 1)), cloudFlags: known ? [] : ['unknown-device'] }];
      });
      // …then writes: begun as a read it would fail (SQLITE_BUSY, the other commit in between).
      expect(outcomes).toEqual(['stored']);
      expect(elsewhere).toBe('database is locked');
      other.prepare("UPDATE trucks SET name = 'renamed' WHERE truck_id = 't1'").run();
    } finally {
      other.close();
    }
  });

  it('finds gaps in a device sequence, across lifts and other events', () => {
    const { store } = open();
    store.writeBatch([1, 2, 5, 6, 9].map((seq) => liftRecord(liftEvent('t1', seq))));
    expect(store.reads.sequenceGaps('t1')).toEqual([
      [3, 4],
      [7, 8],
    ]);
    const status = truckStatus('t1', 3);
    store.writeBatch([statusRecord(status)]);
    expect(store.reads.sequenceGaps('t1')).toEqual([
      [4, 4],
      [7, 8],
    ]);
    expect(store.reads.sequenceGaps('nobody')).toEqual([]);
  });

  it('keeps the last N dead letters, counting evictions across restarts', () => {
    const { store, dir } = open({ deadLetterLimit: 5 });
    const dl = (i: number) => ({
      type: 'dead-letter' as const,
      topic: 'releve/v1/trucks/t1/lifts',
      clientId: 't1',
      reasonCode: 'not-json' as const,
      reason: `bad ${i}`,
      payload: Buffer.from([i]),
      receivedAt: new Date().toISOString(),
    });
    store.writeBatch(Array.from({ length: 8 }, (_, i) => dl(i)));
    store.writeBatch(Array.from({ length: 4 }, (_, i) => dl(8 + i)));
    expect(store.reads.count('dead_letters')).toBe(5);
    expect(store.counters().dead_letters_evicted).toBe(7);
    expect(store.reads.deadLetters(10).map((d) => d.reason)).toEqual([
      'bad 11',
      'bad 10',
      'bad 9',
      'bad 8',
      'bad 7',
    ]);
    expect(store.reads.deadLetters(1)[0]?.payload).toEqual(Buffer.from([11]));
    store.close();
    const again = Store.open({ dataDir: dir, deadLetterLimit: 5 });
    again.writeBatch([dl(12)]);
    expect(again.reads.count('dead_letters')).toBe(5);
    expect(again.counters().dead_letters_evicted).toBe(8);
    again.close();
  });

  it('keeps the newest online state; a will with the same session time wins over its online', () => {
    const { store } = open();
    const record = (state: 'online' | 'offline', since: string): MessageRecord => {
      const message = onlineState('t1', state, since);
      return {
        type: 'message',
        kind: 'truckOnline',
        message,
        topic: topicFor('truckOnline', 't1'),
        deviceClass: 'trucks',
        deviceId: 't1',
        payload: encodeMessage('truckOnline', message),
        receivedAt: new Date().toISOString(),
        cloudFlags: [],
      };
    };
    const t0 = '2026-11-28T07:00:00.000Z';
    const t1 = '2026-11-28T08:00:00.000Z';
    expect(store.writeBatch([record('online', t1)])).toEqual(['stored']);
    expect(store.writeBatch([record('offline', t0)])).toEqual(['duplicate']);
    expect(store.writeBatch([record('offline', t1)])).toEqual(['stored']);
    expect(store.writeBatch([record('offline', t1)])).toEqual(['duplicate']);
    expect(store.reads.onlineStates()).toMatchObject([{ device_id: 't1', state: 'offline', since: t1 }]);
  });
});

describe('store reads', () => {
  it('resolves each lift to the bin and payer valid at lift time, across a reassignment', () => {
    const { store } = open();
    const db = store.db;
    db.exec(`
      INSERT INTO accounts (account_id, kind, name) VALUES ('hh-a', 'household', 'A'), ('hh-b', 'household', 'B'),
        ('syndic', 'building-manager', 'Syndic');
      INSERT INTO buildings (building_id, name, dwellings, manager_account_id) VALUES ('bld', 'Les Pins', 12, 'syndic');
      INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, valid_from, valid_to)
        VALUES ('b1', 'em4100', '0000000001', 240, 'hh-a', '2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
               ('b1', 'em4100', '0000000001', 240, 'hh-b', '2026-06-01T00:00:00.000Z', NULL);
      INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, building_id, valid_from)
        VALUES ('b2', 'em4100', '0000000002', 660, 'bld', '2026-01-01T00:00:00.000Z');
    `);
    const lift = (tag: string, at: string) =>
      liftEvent('t1', 1, { id: randomUUID(), startedAt: at, tag: { scheme: 'em4100', id: tag } });
    const may = lift('0000000001', '2026-05-31T09:00:00.000Z');
    const june = lift('0000000001', '2026-06-01T09:00:00.000Z');
    const collective = lift('0000000002', '2026-03-01T09:00:00.000Z');
    const unknown = lift('00000000FF', '2026-03-01T09:00:00.000Z');
    store.writeBatch([may, june, collective, unknown].map((l) => liftRecord(l)));
    expect(store.reads.liftsByAccount('hh-a', ALL).map((l) => l.id)).toEqual([may.id]);
    expect(store.reads.liftsByAccount('hh-b', ALL).map((l) => l.id)).toEqual([june.id]);
    expect(store.reads.liftsByBuilding('bld', ALL).map((l) => [l.id, l.volumeL])).toEqual([
      [collective.id, 660],
    ]);
    expect(store.reads.liftsByAccount('hh-b', { from: '2026-06-02T00:00:00.000Z', to: ALL.to })).toEqual([]);
    const period = store.reads.liftsInPeriod(ALL);
    expect(period).toHaveLength(4);
    expect(period.find((l) => l.id === unknown.id)?.accountId).toBeNull();
    expect(store.isRegisteredTag('0000000001', '2025-12-31T23:59:59.999Z')).toBe(false);
    expect(store.isRegisteredTag('0000000001', '2026-06-01T00:00:00.000Z')).toBe(true);
  });

  it('returns a stored lift field for field as the device sent it', () => {
    const { store } = open();
    const lift = liftEvent('t1', 7, {
      side: 'left',
      flags: ['unstable'],
      grossWeightG: null,
      netWeightG: null,
    });
    store.writeBatch([liftRecord(lift, '2026-11-28T07:00:00.123Z')]);
    const { receivedAt, unknownTag, cloudFlags, binId, accountId, buildingId, volumeL, ...back } =
      store.reads.lift(lift.id) ?? ({} as never);
    expect(back).toEqual(lift);
    expect(receivedAt).toBe('2026-11-28T07:00:00.123Z');
    expect([unknownTag, cloudFlags, binId, accountId, buildingId, volumeL]).toEqual([
      false,
      [],
      null,
      null,
      null,
      null,
    ]);
  });

  it('gives the fleet with online state and the latest status of each truck', () => {
    const { store } = open();
    seedRegistry(store, ['t1', 't2']);
    const status = (seq: number) => {
      const message = { ...truckStatus('t1', seq), ts: `2026-11-28T0${seq}:00:00.000Z` };
      return {
        type: 'message' as const,
        kind: 'truckStatus' as const,
        message,
        topic: topicFor('truckStatus', 't1'),
        deviceClass: 'trucks' as const,
        deviceId: 't1',
        payload: encodeMessage('truckStatus', message),
        receivedAt: new Date().toISOString(),
        cloudFlags: [],
      };
    };
    store.writeBatch([status(3), status(1), status(2)]);
    expect(store.reads.latestTruckStatus('t1')?.seq).toBe(3);
    expect(store.reads.latestTruckStatuses().map((s) => [s.truck_id, s.seq])).toEqual([['t1', 3]]);
    const latest = store.reads.latestTruckStatuses()[0];
    expect((latest?.body as { liftsThisTrip: number } | undefined)?.liftsThisTrip).toBe(3);
    expect(store.reads.fleet().map((t) => [t.deviceId, t.online])).toEqual([
      ['t1', null],
      ['t2', null],
    ]);
  });
});
