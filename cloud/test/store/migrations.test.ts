import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudError } from '../../src/errors.js';
import { migrate, SCHEMA_VERSION } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { STORE_FILE, Store } from '../../src/store/Store.js';
import { liftEvent, truckStatus } from '../ingest/fixtures/devices.js';
import { liftRecord, statusRecord } from './fixtures.js';

const silent = pino({ level: 'silent' });
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('store migrations', () => {
  it('creates every table from an empty data dir, in WAL mode', () => {
    dir = join(mkdtempSync(join(tmpdir(), 'releve-mig-')), 'nested', 'data');
    const store = Store.open({ dataDir: dir, logger: silent });
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = store.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();
    expect(tables).toEqual(
      [
        'accounts',
        'beacon_sightings',
        'beacon_telemetry',
        'beacons',
        'bins',
        'buildings',
        'citizen_links',
        'dead_letters',
        'device_alerts',
        'device_online',
        'events',
        'fleet_alerts',
        'fleet_status',
        'footfall_counts',
        'gateway_health',
        'gateways',
        'households',
        'lift_block_tags',
        'lift_blocks',
        'lifts',
        'sighting_batches',
        'store_counters',
        'truck_status',
        'trucks',
      ].sort(),
    );
    store.close();
  });

  it('upgrades a database of every earlier version and keeps its rows', () => {
    for (let from = 1; from < SCHEMA_VERSION; from++) {
      dir = mkdtempSync(join(tmpdir(), 'releve-mig-'));
      const db = new Database(join(dir, STORE_FILE));
      expect(migrate(db, from)).toEqual(Array.from({ length: from }, (_, i) => i + 1));
      db.prepare(
        "INSERT INTO trucks (truck_id, name, max_payload_g, scale_interval_g) VALUES ('t1', 'T1', 9500000, 500)",
      ).run();
      db.close();
      const store = Store.open({ dataDir: dir, logger: silent });
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(store.isRegisteredDevice('trucks', 't1')).toBe(true);
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    dir = '';
  });

  it('keeps the ledger rows of lifts stored before 8: a redelivery stays a duplicate, other bytes a conflict', () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-mig-'));
    const db = new Database(join(dir, STORE_FILE));
    migrate(db, 7);
    const lift = liftEvent('t1', 1);
    const status = truckStatus('t1', 2);
    const digest = (b: Buffer) => createHash('sha1').update(b).digest();
    const at = new Date().toISOString();
    const ledger = db.prepare(
      'INSERT INTO events (event_id, kind, device_id, seq, digest, received_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    ledger.run(lift.id, 'lift', 't1', 1, digest(liftRecord(lift).payload as Buffer), at);
    ledger.run(status.id, 'truckStatus', 't1', 2, digest(statusRecord(status).payload as Buffer), at);
    db.prepare(
      `INSERT INTO lifts (event_id, truck_id, seq, ts, started_at, scale_interval_g, minimum_g, flags, trip_seq, received_at)
       VALUES (?, 't1', 1, ?, ?, 500, 5000, '[]', 1, ?)`,
    ).run(lift.id, lift.ts, lift.startedAt, at);
    db.close();
    const store = Store.open({ dataDir: dir, logger: silent });
    expect(
      store.writeBatch([
        liftRecord(lift),
        liftRecord({ ...lift, netWeightG: 1 }),
        statusRecord(status),
        liftRecord({ ...lift, id: status.id }),
      ]),
    ).toEqual(['duplicate', 'dead-lettered', 'duplicate', 'dead-lettered']);
    expect(store.reads.count('lifts')).toBe(1);
    expect(store.reads.sequenceGaps('t1')).toEqual([]);
    // the old lift's ledger row goes with it
    expect(store.purgeExpired(new Date(Date.now() + 7 * 366 * 86_400_000))).toMatchObject({ lifts: 1 });
    expect(store.db.prepare("SELECT count(*) FROM events WHERE kind = 'lift'").pluck().get()).toBe(0);
    store.close();
  });

  it('opens an up-to-date database without applying anything', () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-mig-'));
    Store.open({ dataDir: dir, logger: silent }).close();
    const db = new Database(join(dir, STORE_FILE));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('refuses a database written by a newer program', () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-mig-'));
    const db = new Database(join(dir, STORE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => Store.open({ dataDir: dir, logger: silent })).toThrow(/store-migration.*newer/);
  });

  it('rolls back a failing migration and names it', () => {
    const db = new Database(':memory:');
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, name: 'broken', sql: 'CREATE TABLE x (a); NOT SQL' },
    ];
    const err = (() => {
      try {
        migrate(db, 2, broken);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).code).toBe('store-migration');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'x'").pluck().get()).toBe(0);
    db.close();
  });
});
