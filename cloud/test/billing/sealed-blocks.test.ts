import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiftEvent } from '@releve/shared';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTariffFile, runPeriod } from '../../src/billing/BillingExport.js';
import { parsePeriod } from '../../src/billing/BillingPeriod.js';
import { LiftClassifier } from '../../src/billing/LiftClassifier.js';
import {
  classifyStoredLifts,
  loadBillingRegistry,
  type PeriodLiftRange,
  periodLiftRange,
  storedLiftRowids,
} from '../../src/billing/StoreBillingSource.js';
import { BLOCK_ROWS, blockColumns } from '../../src/store/liftBlockFormat.js';
import { migrate } from '../../src/store/migrate.js';
import { STORE_FILE, Store } from '../../src/store/Store.js';
import { runCli } from '../broker/cliProcess.js';
import { classifiedContent } from './classified.js';
import { tariffInput } from './fixtures.js';
import { writeLifts } from './storeFixture.js';

const H1 = parsePeriod('2026-H1')!;
const TZ = 'Europe/Paris';
const NOW = new Date('2026-07-10T00:00:00Z');
const silent = pino({ level: 'silent' });

let dir: string;
let store: Store;

/** 60 households (some moving), a building with a collective bin, a truck. */
function seedRegistry(db: Database.Database): void {
  db.exec(`
    INSERT INTO accounts (account_id, kind, name) VALUES ('S1', 'building-manager', 'Syndic');
    INSERT INTO buildings (building_id, name, dwellings, manager_account_id) VALUES ('BLD1', 'Les Oliviers', 10, 'S1');
    INSERT INTO trucks (truck_id, name, max_payload_g, scale_interval_g) VALUES ('truck-01', 'BOM 1', 9000000, 500);
    INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, building_id, valid_from) VALUES ('C1', 'fdx-b', '250-900000000001', 660, 'BLD1', '2020-01-01');
  `);
  const acc = db.prepare("INSERT INTO accounts (account_id, kind, name) VALUES (?, 'household', ?)");
  const hh = db.prepare(
    'INSERT INTO households (household_id, building_id, persons, moved_in, moved_out) VALUES (?, ?, ?, ?, ?)',
  );
  const bin = db.prepare(
    "INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, valid_from, valid_to) VALUES (?, 'fdx-b', ?, ?, ?, ?, ?)",
  );
  for (let i = 0; i < 60; i++) {
    const movedIn = i % 9 === 0 ? '2026-03-15' : '2019-01-01';
    acc.run(`H${i}`, `Foyer ${i}`);
    hh.run(`H${i}`, i < 10 ? 'BLD1' : null, 1 + (i % 4), movedIn, i % 13 === 0 ? '2026-05-01' : null);
    if (i < 10) continue;
    // Every seventh household swaps its bin on 1 April: one tag, two holdings.
    const tag = `250-${String(i).padStart(12, '0')}`;
    if (i % 7 === 0) {
      bin.run(`B${i}`, tag, 120, `H${i}`, movedIn, '2026-04-01');
      bin.run(`B${i}b`, tag, 240, `H${i}`, '2026-04-01', null);
    } else bin.run(`B${i}`, tag, i % 2 ? 120 : 240, `H${i}`, movedIn, null);
  }
}

let x = 11;
function rnd(): number {
  x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
  return x / 2 ** 32;
}

/** `count` lifts numbered from `first`, in random time order around 2026-H1, of every kind billing meets. */
function lifts(first: number, count: number): LiftEvent[] {
  const start = Date.parse('2025-12-28T00:00:00Z');
  const span = Date.parse('2026-07-03T00:00:00Z') - start;
  const flagSets: LiftEvent['flags'][] = [
    ['unstable'],
    ['overload'],
    ['clock-unsynced'],
    ['unstable', 'below-minimum'],
    ['overload', 'negative-net'],
  ];
  return Array.from({ length: count }, (_, k) => {
    const n = first + k;
    const startedAt = new Date(start + Math.floor(rnd() * span)).toISOString();
    const r = rnd();
    const tag =
      r < 0.1
        ? '250-900000000001'
        : r < 0.12
          ? null
          : r < 0.13
            ? '250-777777777777'
            : r < 0.135
              ? '0A00001234'
              : `250-${String(10 + Math.floor(rnd() * 50)).padStart(12, '0')}`;
    const f = rnd();
    const net = f < 0.02 ? null : f < 0.03 ? -500 : Math.round(rnd() * 60) * 500;
    const flags: LiftEvent['flags'] =
      tag === null
        ? ['no-tag']
        : f < 0.06
          ? flagSets[n % flagSets.length]!
          : net !== null && net >= 0 && net < 5000
            ? ['below-minimum']
            : [];
    return {
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      seq: n,
      ts: startedAt,
      truckId: 'truck-01',
      startedAt,
      tag: tag ? { scheme: tag.includes('-') ? 'fdx-b' : 'em4100', id: tag } : null,
      grossWeightG: net === null ? null : net + 12_000,
      tareWeightG: net === null ? null : 12_000,
      netWeightG: net,
      scaleIntervalG: 500,
      minimumG: 5000,
      flags,
      tripSeq: 1,
      position: null,
    };
  });
}

/** Writes lifts through the store's writer, in batches of 2,000 as the ingest makes them. */
function writeInBatches(s: Store, all: LiftEvent[]): void {
  for (let i = 0; i < all.length; i += 2000) writeLifts(s, all.slice(i, i + 2000));
}

/** The sealed blocks: number, lifts, start bounds, and whether a body is kept. */
function sealedBlocks(db: Database.Database) {
  return db
    .prepare(
      'SELECT block, lifts, first_started_ms AS first, last_started_ms AS last, body IS NOT NULL AS hasBody FROM lift_blocks ORDER BY block',
    )
    .all() as { block: number; lifts: number; first: number | null; last: number | null; hasBody: number }[];
}

/** Classifies the period from the plan given. */
function classified(range: PeriodLiftRange) {
  const c = new LiftClassifier(H1, TZ, loadBillingRegistry(store.db));
  const read = classifyStoredLifts(store.db, c, range);
  return { read, content: classifiedContent(c) };
}

/** The period read from the table row by row, whatever is sealed. */
function byRows() {
  const range = periodLiftRange(store.db, H1, TZ);
  return classified({
    ...range,
    sealed: [],
    unsealed: [[1, storedLiftRowids(store.db) + 1]],
    scan: false,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-sealed-blocks-'));
  store = Store.open({ dataDir: join(dir, 'data'), logger: silent });
  seedRegistry(store.db);
  x = 11;
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sealed blocks of lifts', () => {
  it('are sealed by the writer once the table holds a higher rowid, two per batch at most', () => {
    writeInBatches(store, lifts(1, 30_000));
    const db = store.db;
    // Rowids 1…30,000: blocks 0 (rowids 1…8,191), 1 and 2 are complete; 3 is the open tail.
    expect(sealedBlocks(db).map((b) => [b.block, b.lifts, b.hasBody])).toEqual([
      [0, 8191, 1],
      [1, 8192, 1],
      [2, 8192, 1],
    ]);
    for (const b of sealedBlocks(db)) {
      const bounds = db
        .prepare(
          'SELECT min(started_at) AS lo, max(started_at) AS hi FROM lifts WHERE rowid >= ? AND rowid < ?',
        )
        .get(b.block * BLOCK_ROWS, (b.block + 1) * BLOCK_ROWS) as { lo: string; hi: string };
      expect([b.first, b.last]).toEqual([Date.parse(bounds.lo), Date.parse(bounds.hi)]);
    }
    // Each distinct tag of the sealed lifts is numbered once.
    const tags = db
      .prepare('SELECT count(DISTINCT tag_id) FROM lifts WHERE rowid < ? AND tag_id IS NOT NULL')
      .pluck()
      .get(3 * BLOCK_ROWS);
    expect(db.prepare('SELECT count(*) FROM lift_block_tags').pluck().get()).toBe(tags);
    // One batch that completes three more blocks seals two of them; the rest is sealed on demand.
    writeLifts(store, lifts(30_001, 20_000));
    expect(sealedBlocks(db).map((b) => b.block)).toEqual([0, 1, 2, 3, 4]);
    expect(store.sealLiftBlocks()).toBe(1);
    expect(store.sealLiftBlocks()).toBe(0);
    expect(sealedBlocks(db).map((b) => b.block)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('give exactly what reading the table row by row gives, and the same run', () => {
    writeInBatches(store, lifts(1, 30_000));
    const range = periodLiftRange(store.db, H1, TZ);
    expect(range.sealed).toEqual([0, 1, 2]);
    expect(range.unsealed).toEqual([[3 * BLOCK_ROWS, 30_001]]);
    // At most: the sealed lifts (some outside the period) and the tail's rowids.
    expect(range.count).toBe(30_000);
    const sealed = classified(range);
    const rows = byRows();
    expect(rows.read.rowByRow).toBe(rows.read.lifts);
    expect(sealed.read).toEqual({ lifts: rows.read.lifts, rowByRow: 0 });
    expect(sealed.content.rows.length).toBeGreaterThan(20_000);
    expect(new Set(sealed.content.review.map((r) => r.reason))).toEqual(
      new Set([
        'no-tag',
        'unknown-tag',
        'no-holder',
        'unstable',
        'negative-net',
        'overload',
        'clock-unsynced',
        'vacant',
      ]),
    );
    expect(sealed.content).toEqual(rows.content);
    // Progress ends full: everything planned was read (the plan's count is an upper bound).
    const heard: [string, number, number][] = [];
    classifyStoredLifts(
      store.db,
      new LiftClassifier(H1, TZ, loadBillingRegistry(store.db)),
      range,
      null,
      (...p) => heard.push(p),
    );
    expect(heard).toEqual([['load', 30_000, 30_000]]);

    writeFileSync(join(dir, 'tariff.json'), JSON.stringify(tariffInput));
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    const run = () => runPeriod(store.db, { periodId: '2026-H1', tariff, now: NOW });
    const fromBlocks = run();
    // Two threads split the sealed blocks between them: the same run.
    expect(runPeriod(store.db, { periodId: '2026-H1', tariff, now: NOW, parallelMinLifts: 1 })).toEqual(
      fromBlocks,
    );
    // Without sealed blocks (as a store the writer has not sealed yet): the same run.
    store.db.exec('DELETE FROM lift_blocks');
    expect(run()).toEqual(fromBlocks);
  });

  it('are unsealed by a lift added, changed or deleted in them, and sealed again by the writer', () => {
    writeInBatches(store, lifts(1, 30_000));
    const db = store.db;
    const removed = db.prepare('SELECT * FROM lifts WHERE rowid = 100').get() as Record<string, unknown>;
    db.prepare('DELETE FROM lifts WHERE rowid = 100').run();
    db.prepare('UPDATE lifts SET net_weight_g = net_weight_g + 500 WHERE rowid = 9000').run();
    expect(sealedBlocks(db).map((b) => b.block)).toEqual([2]);
    let range = periodLiftRange(db, H1, TZ);
    expect(range.sealed).toEqual([2]);
    expect(range.unsealed).toEqual([
      [1, 2 * BLOCK_ROWS],
      [3 * BLOCK_ROWS, 30_001],
    ]);
    expect(classified(range).content).toEqual(byRows().content);

    // The writer seals the two holes again with its next batch.
    writeLifts(store, lifts(30_001, 1));
    expect(sealedBlocks(db).map((b) => [b.block, b.lifts])).toEqual([
      [0, 8190],
      [1, 8192],
      [2, 8192],
    ]);
    // A lift given a sealed block's free rowid unseals it too.
    const columns = Object.keys(removed);
    db.prepare(
      `INSERT INTO lifts (rowid, ${columns.join(', ')}) VALUES (100, ${columns.map(() => '?').join(', ')})`,
    ).run(...columns.map((c) => removed[c]));
    expect(sealedBlocks(db).map((b) => b.block)).toEqual([1, 2]);
    range = periodLiftRange(db, H1, TZ);
    expect(classified(range).content).toEqual(byRows().content);
    expect(store.sealLiftBlocks()).toBe(1);
    expect(sealedBlocks(db).map((b) => [b.block, b.lifts])).toEqual([
      [0, 8191],
      [1, 8192],
      [2, 8192],
    ]);
    expect(classified(periodLiftRange(db, H1, TZ)).content).toEqual(byRows().content);
  });

  it('number tags once when two connections seal in turn', () => {
    const other = Store.open({ dataDir: join(dir, 'data'), logger: silent });
    try {
      const tagged = (first: number, count: number, tag: string) =>
        lifts(first, count).map((l) => ({ ...l, tag: { scheme: 'fdx-b' as const, id: tag } }));
      // This connection seals block 0 (and reads the tag numbers), the other block 1 with a
      // new tag, then this one block 2 with that tag too.
      writeLifts(store, tagged(1, BLOCK_ROWS, '250-000000000011'));
      writeLifts(other, tagged(BLOCK_ROWS + 1, BLOCK_ROWS, '250-000000000012'));
      writeLifts(store, tagged(2 * BLOCK_ROWS + 1, BLOCK_ROWS, '250-000000000012'));
      expect(sealedBlocks(store.db).map((b) => [b.block, b.hasBody])).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
      expect(store.db.prepare('SELECT tag_id FROM lift_block_tags ORDER BY tag_no').pluck().all()).toEqual([
        '250-000000000011',
        '250-000000000012',
      ]);
      expect(classified(periodLiftRange(store.db, H1, TZ)).content).toEqual(byRows().content);
    } finally {
      other.close();
    }
  });

  it('keep no body for a block holding a lift the binary form cannot hold: it is read from the table', () => {
    const db = store.db;
    const all = lifts(1, 5 * BLOCK_ROWS);
    const odd: Parameters<typeof insertBySql>[2] = {
      // block 0: an id that is not 36 plain bytes
      3000: ['not-a-uuid', '2026-03-01T10:00:00.000Z', 9000, '[]'],
      // block 1: a start not in the canonical form
      9000: ['00000000-0000-4000-8000-900000000001', '2026-03-01T10:00:00+00:00', 9000, '[]'],
      // block 2: a flag the contract does not know
      17_000: ['00000000-0000-4000-8000-900000000002', '2026-03-01T10:00:00.000Z', 9000, '["mystery"]'],
      // block 3: a net weight beyond 32 bits
      25_000: ['00000000-0000-4000-8000-900000000003', '2026-03-01T10:00:00.000Z', 2 ** 40, '[]'],
    };
    insertBySql(db, all, odd);
    // block 4: a tag holding the records' field separator: read row by row, and it fits.
    db.prepare("UPDATE lifts SET tag_id = '250' || char(31) || '1' WHERE rowid = 33000").run();
    expect(store.sealLiftBlocks()).toBe(5);
    expect(sealedBlocks(db).map((b) => [b.block, b.hasBody])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 1],
    ]);
    const range = periodLiftRange(db, H1, TZ);
    expect(range.sealed).toEqual([4]);
    expect(range.unsealed).toEqual([
      [1, 4 * BLOCK_ROWS],
      [5 * BLOCK_ROWS, 5 * BLOCK_ROWS + 1],
    ]);
    const read = classified(range);
    expect(read.content).toEqual(byRows().content);
    const ids = [...read.content.rows.map((r) => r[0]), ...read.content.review.map((r) => r.liftId)];
    expect(ids).toEqual(expect.arrayContaining(['not-a-uuid', '00000000-0000-4000-8000-900000000002']));
  });

  it('read a damaged body, or one naming a tag number not in the table, from the table', () => {
    writeInBatches(store, lifts(1, 30_000));
    const db = store.db;
    db.prepare('UPDATE lift_blocks SET body = zeroblob(64) WHERE block = 0').run();
    const body = db.prepare('SELECT body FROM lift_blocks WHERE block = 1').pluck().get() as Buffer;
    body.writeUInt32LE(999_999, blockColumns(8192).tags + 4 * 17);
    db.prepare('UPDATE lift_blocks SET body = ? WHERE block = 1').run(body);
    const range = periodLiftRange(db, H1, TZ);
    expect(range.sealed).toEqual([0, 1, 2]);
    const read = classified(range);
    expect(read.read.rowByRow).toBeGreaterThan(BLOCK_ROWS);
    expect(read.content).toEqual(byRows().content);
  });

  it('are sealed gradually in a store upgraded with lifts in it, read from the table until then', async () => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'releve-sealed-blocks-'));
    const db = new Database(join(dir, STORE_FILE));
    migrate(db, 8);
    seedRegistry(db);
    insertBySql(db, lifts(1, 70_000));
    db.close();
    store = Store.open({ dataDir: dir, logger: silent });
    // More unsealed rowids than a tail: the period's lifts are counted through the index.
    let range = periodLiftRange(store.db, H1, TZ);
    expect(range).toMatchObject({ sealed: [], unsealed: [[1, 70_001]], scan: true });
    const inPeriod = byRows().read.lifts;
    expect(range.count).toBe(inPeriod);
    expect(classified(range).content).toEqual(byRows().content);
    // A small period of a large table is read through the index outside the sealed blocks.
    const july = parsePeriod('2026-07')!;
    const small = periodLiftRange(store.db, july, TZ);
    expect(small.scan).toBe(false);
    const julyByIndex = new LiftClassifier(july, TZ, loadBillingRegistry(store.db));
    classifyStoredLifts(store.db, julyByIndex, small);
    const julyByRows = new LiftClassifier(july, TZ, loadBillingRegistry(store.db));
    classifyStoredLifts(store.db, julyByRows, { ...small, sealed: [], unsealed: [[1, 70_001]] });
    expect(classifiedContent(julyByIndex)).toEqual(classifiedContent(julyByRows));
    expect(classifiedContent(julyByIndex).rows.length).toBeGreaterThan(200);

    // The writer seals two blocks per batch; the rest is read from the table meanwhile.
    writeLifts(store, lifts(70_001, 1));
    range = periodLiftRange(store.db, H1, TZ);
    expect(range).toMatchObject({ sealed: [0, 1], unsealed: [[2 * BLOCK_ROWS, 70_002]], scan: true });
    expect(classified(range).content).toEqual(byRows().content);
    // What remains is sealed at once by the CLI.
    store.close();
    const cli = await runCli(['billing', 'seal', '--data-dir', dir]);
    expect(cli.err).toBe('');
    expect(cli).toMatchObject({ code: 0, out: expect.stringMatching(/^6 blocks sealed in \d+\.\d s\n$/) });
    store = Store.open({ dataDir: dir, logger: silent });
    range = periodLiftRange(store.db, H1, TZ);
    expect(range).toMatchObject({ sealed: [0, 1, 2, 3, 4, 5, 6, 7], unsealed: [[8 * BLOCK_ROWS, 70_002]] });
    expect(classified(range).content).toEqual(byRows().content);
  });
});

/** Inserts lifts by SQL (as a store of an earlier version holds them, or the odd ones no contract lets in). */
function insertBySql(
  db: Database.Database,
  all: LiftEvent[],
  odd: Record<number, [id: string, startedAt: string, netG: number | null, flags: string]> = {},
): void {
  const insert = db.prepare(
    `INSERT INTO lifts (event_id, truck_id, seq, ts, started_at, tag_scheme, tag_id, net_weight_g, scale_interval_g, minimum_g, flags, trip_seq, received_at)
     VALUES (?, 'truck-01', ?, ?, ?, 'fdx-b', ?, ?, 500, 5000, ?, 1, ?)`,
  );
  db.transaction(() => {
    all.forEach((l, i) => {
      const o = odd[i + 1];
      const ts = o ? o[1] : l.startedAt;
      insert.run(
        o ? o[0] : l.id,
        l.seq,
        ts,
        ts,
        l.tag?.id ?? null,
        o ? o[2] : l.netWeightG,
        o ? o[3] : JSON.stringify(l.flags),
        ts,
      );
    });
  })();
}
