import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiftEvent } from '@releve/shared';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeError, EdgeErrorCode } from '../../src/errors.js';
import { type EventDraft, Outbox, type OutboxOptions } from '../../src/outbox/Outbox.js';
import { OUTBOX_SCHEMA_VERSION } from '../../src/outbox/schema.js';
import {
  gatewayHealthDraft,
  liftDraft,
  planIndexOfLift,
  sightingsDraft,
  truckStatusDraft,
} from './drafts.js';

const TRUCK = 'truck-07';
const silent = pino({ level: 'silent' });

let dir: string;
const open: Outbox[] = [];

function openOutbox(extra: Partial<OutboxOptions> = {}): Outbox {
  const o = Outbox.open({ dataDir: dir, deviceId: TRUCK, deviceClass: 'trucks', logger: silent, ...extra });
  open.push(o);
  return o;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof EdgeError ? e.code : `not an EdgeError: ${String(e)}`;
  }
  return undefined;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-outbox-'));
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  it('assigns UUIDs and sequence numbers 1, 2, 3… and peeks in sequence order', () => {
    const outbox = openOutbox();
    const made = [0, 1, 2, 3, 4].map((i) => outbox.enqueue('lift', liftDraft(TRUCK, i)));
    expect(made.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(made.map((m) => m.id)).size).toBe(5);
    const entries = outbox.peek(10);
    expect(entries.map((e) => e.id)).toEqual(made.map((m) => m.id));
    for (const [i, e] of entries.entries()) {
      expect(e.topic).toBe(`releve/v1/trucks/${TRUCK}/lifts`);
      expect(e.qos).toBe(1);
      expect(e.retained).toBe(false);
      const message = LiftEvent.parse(JSON.parse(e.payload.toString('utf8')));
      expect(message).toMatchObject({ id: made[i]?.id, seq: made[i]?.seq, truckId: TRUCK });
      expect(planIndexOfLift(message)).toBe(i);
    }
    expect(outbox.peek(2, 3).map((e) => e.seq)).toEqual([4, 5]);
    expect(outbox.backlog()).toBe(5);
  });

  it('deletes acknowledged events; a second ack of the same id changes nothing', () => {
    const outbox = openOutbox();
    const a = outbox.enqueue('lift', liftDraft(TRUCK, 0));
    const b = outbox.enqueue('lift', liftDraft(TRUCK, 1));
    expect(outbox.ack(a.id)).toBe(true);
    expect(outbox.ack(a.id)).toBe(false);
    expect(outbox.backlog()).toBe(1);
    expect(outbox.peek(10).map((e) => e.id)).toEqual([b.id]);
    expect(outbox.ackMany([b.id, a.id])).toBe(1);
    expect(outbox.backlog()).toBe(0);
  });

  it('keeps events and the sequence across a restart, and never reuses a number once all were acked', () => {
    let outbox = openOutbox();
    const first = [0, 1, 2].map((i) => outbox.enqueue('lift', liftDraft(TRUCK, i)));
    outbox.ack(first[0]?.id ?? '');
    outbox.close();

    outbox = openOutbox();
    expect(outbox.backlog()).toBe(2);
    expect(outbox.peek(10).map((e) => e.seq)).toEqual([2, 3]);
    expect(outbox.lastSeq()).toBe(3);
    outbox.ackMany(outbox.peek(10).map((e) => e.id));
    outbox.close();

    outbox = openOutbox();
    expect(outbox.backlog()).toBe(0);
    expect(outbox.enqueue('lift', liftDraft(TRUCK, 3)).seq).toBe(4);
  });

  it('runs SQLite in WAL mode and records its schema version', () => {
    const outbox = openOutbox();
    outbox.enqueue('lift', liftDraft(TRUCK, 0));
    const db = new Database(outbox.file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(OUTBOX_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('commits with synchronous FULL by default, NORMAL only when asked', () => {
    const full = openOutbox();
    expect(full.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    full.close();
    expect(openOutbox({ synchronous: 'NORMAL' }).durability()).toEqual({
      journalMode: 'wal',
      synchronous: 'NORMAL',
    });
  });

  it('refuses a database written by a newer agent', () => {
    openOutbox().close();
    const db = new Database(join(dir, 'outbox.sqlite'));
    db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION + 1}`);
    db.close();
    expect(codeOf(() => openOutbox())).toBe(EdgeErrorCode.OutboxSchemaTooNew);
  });

  it('rejects an invalid message without storing it or using a sequence number', () => {
    const outbox = openOutbox();
    const bad = { ...liftDraft(TRUCK, 0), grossWeightG: 12.5 } as EventDraft<'lift'>;
    expect(codeOf(() => outbox.enqueue('lift', bad))).toBe(EdgeErrorCode.OutboxInvalidMessage);
    const badTime = { ...liftDraft(TRUCK, 0), ts: '2026-11-28 07:00' } as EventDraft<'lift'>;
    expect(codeOf(() => outbox.enqueue('lift', badTime))).toBe(EdgeErrorCode.OutboxInvalidMessage);
    const otherTruck = liftDraft('truck-99', 0);
    expect(codeOf(() => outbox.enqueue('lift', otherTruck))).toBe(EdgeErrorCode.OutboxInvalidMessage);
    expect(codeOf(() => outbox.enqueue('sightings', sightingsDraft(TRUCK, 0)))).toBe(
      EdgeErrorCode.OutboxKind,
    );
    expect(outbox.backlog()).toBe(0);
    expect(outbox.enqueue('lift', liftDraft(TRUCK, 0)).seq).toBe(1);
  });

  it('refuses a message larger than the contract allows', () => {
    const gw = 'gw-big';
    const outbox = openOutbox({ deviceId: gw, deviceClass: 'gateways' });
    const beacon = (n: number) => ({
      beaconId: `eddystone:0123456789abcdef0123:${n.toString(16).padStart(12, '0')}`,
      address: 'C0:FF:EE:00:00:01',
      frames: ['eddystone-uid' as const, 'eddystone-tlm' as const, 'eddystone-url' as const],
      count: 120,
      rssiDbm: { smoothed: -71.25, min: -90, max: -60 },
      txPowerDbm: -59,
      distanceM: 3.5,
      zone: 'near' as const,
      intervalMs: 1000,
      addressMismatch: false,
    });
    const big = { ...sightingsDraft(gw, 0), beacons: Array.from({ length: 2000 }, (_, n) => beacon(n)) };
    expect(codeOf(() => outbox.enqueue('sightings', big))).toBe(EdgeErrorCode.OutboxInvalidMessage);
    const fits = { ...sightingsDraft(gw, 0), beacons: Array.from({ length: 200 }, (_, n) => beacon(n)) };
    expect(outbox.enqueue('sightings', fits)).toMatchObject({ seq: 1, stored: true });
  });

  it('throws a coded error once closed', () => {
    const outbox = openOutbox();
    outbox.close();
    expect(codeOf(() => outbox.enqueue('lift', liftDraft(TRUCK, 0)))).toBe(EdgeErrorCode.OutboxClosed);
  });
});

describe('Outbox size bound', () => {
  it('drops the oldest status first, never a lift, and counts every drop', () => {
    const outbox = openOutbox({ maxEntries: 4 });
    const dropped: number[] = [];
    outbox.on('dropped', (d) => dropped.push(d.seq));
    outbox.enqueue('truckStatus', truckStatusDraft(TRUCK, 0)); // seq 1
    outbox.enqueue('lift', liftDraft(TRUCK, 1)); // seq 2
    outbox.enqueue('truckStatus', truckStatusDraft(TRUCK, 2)); // seq 3
    outbox.enqueue('lift', liftDraft(TRUCK, 3)); // seq 4: full now
    outbox.enqueue('lift', liftDraft(TRUCK, 4)); // seq 5 drops status seq 1
    outbox.enqueue('lift', liftDraft(TRUCK, 5)); // seq 6 drops status seq 3
    expect(dropped).toEqual([1, 3]);
    expect(outbox.peek(10).map((e) => e.seq)).toEqual([2, 4, 5, 6]);

    // Full of lifts: a new status is the one dropped (its number is used: the cloud sees the gap).
    const status = outbox.enqueue('truckStatus', truckStatusDraft(TRUCK, 6));
    expect(status).toMatchObject({ seq: 7, stored: false });
    // …and a new lift is stored above the bound.
    const lift = outbox.enqueue('lift', liftDraft(TRUCK, 7));
    expect(lift).toMatchObject({ seq: 8, stored: true });
    expect(outbox.peek(10).map((e) => e.seq)).toEqual([2, 4, 5, 6, 8]);
    expect(outbox.stats()).toEqual({ backlog: 5, lastSeq: 8, dropped: 3, overBound: 1 });
    expect(dropped).toEqual([1, 3, 7]);

    outbox.close();
    expect(openOutbox({ maxEntries: 4 }).stats().dropped).toBe(3);
  });

  it('on a gateway, drops health snapshots before sightings', () => {
    const gw = 'gw-cosmo-1';
    const outbox = openOutbox({ deviceId: gw, deviceClass: 'gateways', maxEntries: 3 });
    outbox.enqueue('sightings', sightingsDraft(gw, 0)); // 1
    outbox.enqueue('sightings', sightingsDraft(gw, 1)); // 2
    outbox.enqueue('gatewayHealth', gatewayHealthDraft(gw, 2)); // 3
    outbox.enqueue('sightings', sightingsDraft(gw, 3)); // 4 drops health 3
    expect(outbox.peek(10).map((e) => [e.seq, e.kind])).toEqual([
      [1, 'sightings'],
      [2, 'sightings'],
      [4, 'sightings'],
    ]);
    outbox.enqueue('sightings', sightingsDraft(gw, 4)); // 5 drops the oldest sightings, 1
    expect(outbox.peek(10).map((e) => e.seq)).toEqual([2, 4, 5]);
    expect(outbox.stats().dropped).toBe(2);
  });
});
