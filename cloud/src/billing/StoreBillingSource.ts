import type Database from 'better-sqlite3';
import type { BillingPeriod } from './BillingPeriod.js';
import type { BillingRegistry } from './BillingRegistry.js';
import { BLOCK_ROWS } from '../store/liftBlockFormat.js';
import { LIFT_RECORD_SQL, LiftBlock, NO_FLAGS, SealedBlockReader } from './LiftBlock.js';
import type { LiftClassifier } from './LiftClassifier.js';

/** UTC instant (ISO) at which a local day starts in a time zone. */
export function zonedDayStartUtc(day: string, timeZone: string): string {
  const guess = Date.parse(`${day}T00:00:00Z`);
  const offsetAt = (ms: number) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(
      new Date(ms),
    );
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  };
  let utc = guess - offsetAt(guess);
  utc = guess - offsetAt(utc);
  return new Date(utc).toISOString();
}

interface AccountRow {
  account_id: string;
  kind: 'household' | 'business' | 'building-manager';
  name: string;
  building_id: string | null;
  persons: number | null;
  moved_in: string | null;
  moved_out: string | null;
}

/**
 * Reads the registry from the store as billing sees it. Businesses use the business plan,
 * everyone else the household plan; accounts that are not households are present from the
 * beginning (their bins' holdings say when they pay).
 */
export function loadBillingRegistry(
  db: Database.Database,
  splitCollectiveByDwellings = false,
): BillingRegistry {
  const accounts = (
    db
      .prepare(
        `SELECT a.account_id, a.kind, a.name, h.building_id, h.persons, h.moved_in, h.moved_out
         FROM accounts a LEFT JOIN households h ON h.household_id = a.account_id ORDER BY a.account_id`,
      )
      .all() as AccountRow[]
  ).map((r) => ({
    id: r.account_id,
    kind: r.kind,
    name: r.name,
    plan: r.kind === 'business' ? ('business' as const) : ('household' as const),
    occupiedFrom: r.moved_in?.slice(0, 10) ?? '1970-01-01',
    occupiedTo: r.moved_out?.slice(0, 10) ?? null,
    buildingId: r.building_id,
    persons: r.persons,
  }));
  const buildings = (
    db
      .prepare('SELECT building_id, dwellings, manager_account_id FROM buildings ORDER BY building_id')
      .all() as {
      building_id: string;
      dwellings: number;
      manager_account_id: string;
    }[]
  ).map((b) => ({
    id: b.building_id,
    managerAccountId: b.manager_account_id,
    dwellings: b.dwellings,
    splitByDwellings: splitCollectiveByDwellings,
    plan: 'household' as const,
  }));
  const bins = (
    db
      .prepare(
        'SELECT bin_id, tag_id, volume_l, account_id, building_id, valid_from, valid_to FROM bins ORDER BY bin_id',
      )
      .all() as {
      bin_id: string;
      tag_id: string;
      volume_l: number;
      account_id: string | null;
      building_id: string | null;
      valid_from: string;
      valid_to: string | null;
    }[]
  ).map((b) => ({
    binId: b.bin_id,
    tagId: b.tag_id,
    volumeL: b.volume_l,
    accountId: b.account_id,
    buildingId: b.building_id,
    from: b.valid_from.slice(0, 10),
    to: b.valid_to?.slice(0, 10) ?? null,
  }));
  return { accounts, buildings, bins };
}

/** Where a period's lifts are in the store. */
export interface PeriodLiftRange {
  /** UTC bounds of the period's local days, half-open, and the same in ms since the epoch. */
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  /**
   * Lifts to read, at most: those of the sealed blocks below (some may start outside the
   * period) and the period's lifts in the rest of the table.
   */
  count: number;
  /** The rowids the lifts to read lie between (inclusive; 0 when none). */
  firstRowid: number;
  lastRowid: number;
  /** The sealed blocks ({@link LiftBlockSealer}) that may hold lifts of the period, in order. */
  sealed: number[];
  /** Rowid ranges `[from, to)` outside sealed blocks that may hold lifts of the period, in order. */
  unsealed: [number, number][];
  /** The unsealed ranges are read by a table scan rather than through the `started_at` index. */
  scan: boolean;
}

/** The highest rowid of the lifts table: how many lifts it holds, or a little more. */
export function storedLiftRowids(db: Database.Database): number {
  return (db.prepare('SELECT max(rowid) FROM lifts').pluck().get() as number | null) ?? 0;
}

/**
 * Rowids outside sealed blocks up to which they are read by a table scan without counting
 * the period's lifts in them first (the tail of the table the writer has not sealed yet).
 */
const UNSEALED_SCAN_ROWS = 8 * BLOCK_ROWS;

/**
 * Plans the reading of a period's lifts. The sealed blocks whose starts overlap the period are
 * read whole (their bounds come from `lift_blocks`, no lift is touched); the rest of the table
 * (its tail, blocks a change unsealed) by the rowid ranges between them. When that rest is
 * large (a store migrated with lifts in it, whose blocks the writer has not sealed yet), the
 * period's lifts are counted first (through the `started_at` index, which holds the rowids,
 * so no table row is read): a period that holds a large part of the table is then read by a
 * table scan, a small one through the index (walking the index costs a random table read per
 * lift, three times slower at a million lifts stored out of time order, as outbox backlogs
 * and late trucks store them).
 */
export function periodLiftRange(
  db: Database.Database,
  period: BillingPeriod,
  timeZone: string,
): PeriodLiftRange {
  const from = zonedDayStartUtc(period.from, timeZone);
  const to = zonedDayStartUtc(period.to, timeZone);
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const stored = storedLiftRowids(db);
  const blocks = db
    .prepare(
      'SELECT block, lifts, first_started_ms, last_started_ms FROM lift_blocks WHERE body IS NOT NULL ORDER BY block',
    )
    .raw(true)
    .all() as [number, number, number | null, number | null][];
  const sealed: number[] = [];
  let count = 0;
  let unsealed: [number, number][] = [];
  let next = 1;
  for (const [block, lifts, first, last] of blocks) {
    const start = block * BLOCK_ROWS;
    if (start > next) unsealed.push([next, start]);
    next = Math.max(next, start + BLOCK_ROWS);
    if (lifts > 0 && first !== null && last !== null && last >= fromMs && first < toMs) {
      sealed.push(block);
      count += lifts;
    }
  }
  if (stored + 1 > next) unsealed.push([next, stored + 1]);
  const unsealedRows = unsealed.reduce((sum, [a, b]) => sum + b - a, 0);
  let scan = true;
  if (unsealedRows <= UNSEALED_SCAN_ROWS) count += unsealedRows;
  else {
    const r = db
      .prepare(
        'SELECT count(*) AS n, min(rowid) AS lo, max(rowid) AS hi FROM lifts WHERE started_at >= ? AND started_at < ?',
      )
      .get(from, to) as { n: number; lo: number | null; hi: number | null };
    // Counted over the whole table: at most that many lie outside the sealed blocks.
    count += r.n;
    scan = r.n > stored / 8;
    unsealed =
      r.lo === null || r.hi === null
        ? []
        : unsealed
            .map(([a, b]): [number, number] => [Math.max(a, r.lo!), Math.min(b, r.hi! + 1)])
            .filter(([a, b]) => a < b);
  }
  // Both lists are in rowid order: the first and last of each bound what is read.
  const firstSealed = sealed[0];
  const lastSealed = sealed.at(-1);
  const first = Math.min(
    firstSealed === undefined ? Number.POSITIVE_INFINITY : firstSealed * BLOCK_ROWS,
    unsealed[0]?.[0] ?? Number.POSITIVE_INFINITY,
  );
  const end = Math.max(
    lastSealed === undefined ? 0 : (lastSealed + 1) * BLOCK_ROWS,
    unsealed.at(-1)?.[1] ?? 0,
  );
  const firstRowid = Number.isFinite(first) ? Math.max(1, first) : 0;
  const lastRowid = end > 0 ? Math.min(stored, end - 1) : 0;
  return { from, to, fromMs, toMs, count, firstRowid, lastRowid, sealed, unsealed, scan };
}

/**
 * Feeds a period's lifts to a classifier: those whose start (bin hooked) falls on a local day
 * of the period, optionally only those of a thread's share of the rowids: the sealed blocks
 * that start in `[rowids.from, rowids.to)` and the unsealed rowids in it. No object per lift:
 * a period holds up to millions.
 *
 * A sealed block is one value ({@link SealedBlockReader}). The rest of the table is read by a
 * scan in blocks of {@link BLOCK_ROWS} rowids, each one SQL row ({@link LiftBlock}), or
 * through the index ({@link PeriodLiftRange.scan}). A block of unexpected shape, a sealed
 * block a change unsealed since the plan, and a read through the index go row by row. The
 * store keeps one row per `event_id` (its primary key), so the lifts are unique by id.
 * `progress` hears every 50,000 lifts read. Returns how many lifts of the period were read,
 * and how many of them row by row.
 */
export function classifyStoredLifts(
  db: Database.Database,
  classifier: LiftClassifier,
  range: PeriodLiftRange,
  rowids: { from: number; to: number } | null = null,
  progress?: (phase: 'load', done: number, total: number) => void,
): { lifts: number; rowByRow: number } {
  const columns = 'SELECT event_id, started_at, tag_id, net_weight_g, flags FROM lifts';
  const inPeriod = 'started_at >= ? AND started_at < ?';
  const share = rowids ?? { from: 0, to: Number.POSITIVE_INFINITY };
  let n = 0;
  let read = 0;
  let rowByRow = 0;
  let reported = 0;
  const counted = (lifts: number, touched: number) => {
    n += lifts;
    read += touched;
    if (progress && read - reported >= 50_000) {
      reported = read - (read % 50_000);
      progress('load', reported, range.count);
    }
  };
  // Everything planned is read: the bar ends full (the plan's count is an upper bound).
  const done = () => {
    if (progress && reported < range.count) progress('load', range.count, range.count);
    return { lifts: n, rowByRow };
  };
  const rowStmt = db
    .prepare(`${columns} NOT INDEXED WHERE ${inPeriod} AND rowid >= ? AND rowid < ?`)
    .raw(true);
  const byRows = (a: number, b: number): number => {
    let k = 0;
    for (const row of rowStmt.iterate(range.from, range.to, a, b) as Iterable<StoredLiftRow>) {
      addRow(classifier, row);
      k++;
    }
    rowByRow += k;
    return k;
  };
  // Room for every lift of the share at once: no column grows by copying along the way.
  const span = Math.max(0, Math.min(share.to, range.lastRowid + 1) - Math.max(share.from, range.firstRowid));
  classifier.billed.reserve(classifier.billed.length + Math.min(range.count, span));

  // A sealed block belongs to the share holding its first rowid (block 0's is 1).
  const mine = range.sealed.filter((b) => {
    const first = Math.max(1, b * BLOCK_ROWS);
    return first >= share.from && first < share.to;
  });
  if (mine.length > 0) {
    const reader = new SealedBlockReader(
      db.prepare('SELECT tag_no, tag_id FROM lift_block_tags').raw(true).iterate() as Iterable<
        [number, string]
      >,
    );
    const bodyStmt = db.prepare('SELECT body FROM lift_blocks WHERE block = ?').pluck();
    for (const block of mine) {
      const body = bodyStmt.get(block) as Buffer | null | undefined;
      const fed = body ? reader.feed(body, classifier, range.fromMs, range.toMs) : -1;
      if (fed >= 0) counted(fed, reader.lastLength);
      else {
        const k = byRows(block * BLOCK_ROWS, (block + 1) * BLOCK_ROWS);
        counted(k, k);
      }
    }
  }

  const ranges = range.unsealed
    .map(([a, b]): [number, number] => [Math.max(a, share.from), Math.min(b, share.to)])
    .filter(([a, b]) => a < b);
  if (!range.scan) {
    const stmt = db.prepare(`${columns} WHERE ${inPeriod} AND rowid >= ? AND rowid < ?`).raw(true);
    for (const [a, b] of ranges) {
      for (const row of stmt.iterate(range.from, range.to, a, b) as Iterable<StoredLiftRow>) {
        addRow(classifier, row);
        rowByRow++;
        counted(1, 1);
      }
    }
    return done();
  }
  const blockStmt = db
    .prepare(
      `SELECT count(*), CAST(group_concat(${LIFT_RECORD_SQL}, '') AS BLOB) FROM lifts NOT INDEXED
       WHERE ${inPeriod} AND rowid >= ? AND rowid < ?`,
    )
    .raw(true);
  const block = new LiftBlock(BLOCK_ROWS);
  for (const [first, end] of ranges) {
    for (let a = first; a < end; a += BLOCK_ROWS) {
      const b = Math.min(end, a + BLOCK_ROWS);
      const [count, bytes] = blockStmt.get(range.from, range.to, a, b) as [number, Buffer | null];
      if (count === 0 || bytes === null) continue;
      if (block.parse(bytes, count)) {
        block.feed(classifier);
        counted(count, count);
      } else {
        const k = byRows(a, b);
        counted(k, k);
      }
    }
  }
  return done();
}

type StoredLiftRow = [string, string, string | null, number | null, string];

function addRow(classifier: LiftClassifier, row: StoredLiftRow): void {
  const flags = row[4] === '[]' ? NO_FLAGS : (JSON.parse(row[4]) as string[]);
  classifier.addFields(row[0], row[1], row[2], row[3], flags);
}
