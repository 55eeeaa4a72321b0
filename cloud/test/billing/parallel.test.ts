import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiftEvent } from '@releve/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportPeriod, loadTariffFile, runPeriod } from '../../src/billing/BillingExport.js';
import { parsePeriod } from '../../src/billing/BillingPeriod.js';
import { CSV_DIALECTS, chargesCsv, chargesJson, reviewCsv } from '../../src/billing/ChargeExport.js';
import { ClassifyWorker } from '../../src/billing/ClassifyWorker.js';
import { classifiedIds, LiftClassifier } from '../../src/billing/LiftClassifier.js';
import {
  classifyStoredLifts,
  loadBillingRegistry,
  periodLiftRange,
} from '../../src/billing/StoreBillingSource.js';
import { Store } from '../../src/store/Store.js';
import { runCli } from '../broker/cliProcess.js';
import { tariffInput } from './fixtures.js';
import { writeLifts } from './storeFixture.js';

const H1 = parsePeriod('2026-H1')!;
const TZ = 'Europe/Paris';
const NOW = new Date('2026-07-10T00:00:00Z');

let dir: string;
let store: Store;

/**
 * 120 households (some moving in or out during the period, 20 in a building with a collective
 * bin) and 4,000 lifts in random time order: billed, below the minimum, unstable, untagged,
 * for an unknown tag, for a vacant dwelling, and a few outside the period.
 */
function seed(s: Store): void {
  const db = s.db;
  db.exec(`
    INSERT INTO accounts (account_id, kind, name) VALUES ('S1', 'building-manager', 'Syndic');
    INSERT INTO buildings (building_id, name, dwellings, manager_account_id) VALUES ('BLD1', 'Les Oliviers', 20, 'S1');
    INSERT INTO trucks (truck_id, name, max_payload_g, scale_interval_g) VALUES ('truck-01', 'BOM 1', 9000000, 500);
    INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, building_id, valid_from) VALUES ('C1', 'fdx-b', '250-900000000001', 660, 'BLD1', '2020-01-01');
  `);
  const acc = db.prepare("INSERT INTO accounts (account_id, kind, name) VALUES (?, 'household', ?)");
  const hh = db.prepare(
    'INSERT INTO households (household_id, building_id, persons, moved_in, moved_out) VALUES (?, ?, ?, ?, ?)',
  );
  const bin = db.prepare(
    "INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, valid_from) VALUES (?, 'fdx-b', ?, ?, ?, ?)",
  );
  for (let i = 0; i < 120; i++) {
    const movedIn = i % 9 === 0 ? '2026-03-15' : '2019-01-01';
    acc.run(`H${i}`, `Foyer ${i}`);
    hh.run(`H${i}`, i < 20 ? 'BLD1' : null, 1 + (i % 4), movedIn, i % 13 === 0 ? '2026-05-01' : null);
    if (i >= 20) bin.run(`B${i}`, `250-${String(i).padStart(12, '0')}`, i % 2 ? 120 : 240, `H${i}`, movedIn);
  }
  let x = 7;
  const rnd = () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return x / 2 ** 32;
  };
  const start = Date.parse('2025-12-28T00:00:00Z');
  const span = Date.parse('2026-07-03T00:00:00Z') - start;
  const lifts: LiftEvent[] = [];
  for (let n = 1; n <= 4000; n++) {
    const startedAt = new Date(start + Math.floor(rnd() * span)).toISOString();
    const r = rnd();
    const tag =
      r < 0.1
        ? '250-900000000001'
        : r < 0.12
          ? null
          : r < 0.13
            ? '250-777777777777'
            : `250-${String(20 + Math.floor(rnd() * 100)).padStart(12, '0')}`;
    const net = Math.round(rnd() * 60) * 500;
    const flags: LiftEvent['flags'] =
      tag === null ? ['no-tag'] : rnd() < 0.02 ? ['unstable'] : net < 5000 ? ['below-minimum'] : [];
    lifts.push({
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      seq: n,
      ts: startedAt,
      truckId: 'truck-01',
      startedAt,
      tag: tag ? { scheme: 'fdx-b', id: tag } : null,
      grossWeightG: net + 12_000,
      tareWeightG: 12_000,
      netWeightG: net,
      scaleIntervalG: 500,
      minimumG: 5000,
      flags,
      tripSeq: 1,
      position: null,
    });
  }
  writeLifts(s, lifts);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-billing-parallel-'));
  store = Store.open({ dataDir: join(dir, 'data') });
  seed(store);
  writeFileSync(join(dir, 'tariff.json'), JSON.stringify(tariffInput));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('billing on two threads', () => {
  it('a worker thread classifies a rowid range of the store exactly as the calling thread would', () => {
    const range = periodLiftRange(store.db, H1, TZ);
    expect(range.count).toBeGreaterThan(3500);
    const rowids = { from: 1500, to: range.lastRowid + 1 };
    const worker = new ClassifyWorker({ dbPath: store.db.name, period: H1, timeZone: TZ });
    worker.assign({ range, rowids });
    const fromWorker = worker.wait(60_000);

    const here = new LiftClassifier(H1, TZ, loadBillingRegistry(store.db));
    classifyStoredLifts(store.db, here, range, rowids);
    const expected = here.result();
    expect(classifiedIds(fromWorker).length).toBeGreaterThan(1000);
    expect(fromWorker.review.length).toBeGreaterThan(100);
    expect(fromWorker).toEqual(expected);
  });

  it('gives the same run whether a worker takes part of the lifts or not', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    const one = runPeriod(store.db, { periodId: '2026-H1', tariff, now: NOW, parallelMinLifts: Infinity });
    const two = runPeriod(store.db, { periodId: '2026-H1', tariff, now: NOW, parallelMinLifts: 1 });
    expect(one.totals.liftsBilled).toBeGreaterThan(2000);
    expect(one.totals.liftsBilled + one.totals.liftsExcluded).toBe(one.totals.liftsInPeriod);
    expect(two).toEqual(one);
  });

  it('classifies the worker’s share itself, with a warning, when the worker cannot read the store', async () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    const one = runPeriod(store.db, { periodId: '2026-H1', tariff, now: NOW, parallelMinLifts: Infinity });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      // This connection keeps the file open; a new one (the worker's) finds no file.
      unlinkSync(store.db.name);
      const two = runPeriod(store.db, { periodId: '2026-H1', tariff, now: NOW, parallelMinLifts: 1 });
      expect(two).toEqual(one);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => [w.name, w.message])).toEqual([
        ['BillingWorkerWarning', expect.stringMatching(/unable to open database file.*calling thread/)],
      ]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses an open period with a worker already started, and stops it', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    expect(() =>
      runPeriod(store.db, {
        periodId: '2026-H1',
        tariff,
        now: new Date('2026-06-20T00:00:00Z'),
        parallelMinLifts: 1,
      }),
    ).toThrow(/2026-H1 ends 2026-07-01, today is 2026-06-20: it is still open/);
  });

  it('reports a worker that cannot open the store as an error, without waiting for the timeout', () => {
    const range = periodLiftRange(store.db, H1, TZ);
    const worker = new ClassifyWorker({ dbPath: join(dir, 'no-such.sqlite'), period: H1, timeZone: TZ });
    worker.assign({ range, rowids: { from: 1, to: 10 } });
    expect(() => worker.wait(60_000)).toThrow(/unable to open database file/);
  });

  it('sends away the worker started early when the period turns out too small to need it', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    // The store holds 4,000 lifts: a threshold of 3,000 starts a worker early, and the one-month
    // period (about 600 lifts) sends it away; the run is the same as on one thread.
    const month = (parallelMinLifts: number) =>
      runPeriod(store.db, { periodId: '2026-03', tariff, now: NOW, parallelMinLifts });
    const one = month(Infinity);
    expect(one.totals.liftsInPeriod).toBeGreaterThan(400);
    expect(one.totals.liftsInPeriod).toBeLessThan(3000);
    expect(month(3000)).toEqual(one);
  });
});

describe('export files', () => {
  it('are the UTF-8 of the CSV and JSON texts, written in pieces (long lift-id fields apart)', () => {
    const tariff = loadTariffFile(join(dir, 'tariff.json'));
    for (const format of ['csv', 'json'] as const) {
      const { files, run } = exportPeriod(store.db, {
        periodId: '2026-H1',
        tariff,
        now: NOW,
        outDir: join(dir, format),
        format,
        dialect: 'excel-fr',
      });
      const d = CSV_DIALECTS['excel-fr'];
      const written = readFileSync(files[0]!);
      expect(written.length).toBeGreaterThan(100_000);
      expect(written).toEqual(Buffer.from(format === 'csv' ? chargesCsv(run, d) : chargesJson(run), 'utf8'));
      expect(readFileSync(files[1]!)).toEqual(Buffer.from(reviewCsv(run, d), 'utf8'));
      // Lines with hundreds of lift ids, and text with accents and "…", are both there.
      expect(run.lines.some((l) => l.liftIds.length > 20)).toBe(true);
      expect(written.toString('utf8')).toMatch(/Foyer|…/);
    }
  });

  it('are the same from releve-cloud billing export with one thread or two', async () => {
    const tariffPath = join(dir, 'tariff.json');
    const dataDir = join(dir, 'data');
    store.close();
    const outs: Buffer[][] = [];
    for (const threads of ['1', '2']) {
      const out = join(dir, `cli-${threads}`);
      const r = await runCli([
        'billing',
        'export',
        '--period',
        '2026-H1',
        '--tariff',
        tariffPath,
        '--data-dir',
        dataDir,
        '--out',
        out,
        '--threads',
        threads,
      ]);
      expect(r.err).not.toMatch(/Error|Warning/);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/lifts: \d+ billed \+ \d+ for review = \d+ in period/);
      outs.push(
        ['charges-2026-H1.csv', 'review-2026-H1.csv', 'control-2026-H1.json'].map((f) =>
          readFileSync(join(out, f)),
        ),
      );
    }
    expect(outs[1]).toEqual(outs[0]);
    const refused = await runCli([
      'billing',
      'export',
      '--period',
      '2026-H1',
      '--tariff',
      tariffPath,
      '--data-dir',
      dataDir,
      '--threads',
      '3',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/--threads.*3.*1, 2/s);
    store = Store.open({ dataDir });
  });
});
