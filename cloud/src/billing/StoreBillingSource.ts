import type Database from 'better-sqlite3';
import type { BillingPeriod } from './BillingPeriod.js';
import type { BillingRegistry } from './BillingRegistry.js';
import { LIFT_RECORD_SQL, LiftBlock, NO_FLAGS } from './LiftBlock.js';
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
  /** UTC bounds of the period's local days, half-open. */
  from: string;
  to: string;
  /** Lifts of the period, and the rowids they lie between (inclusive; 0 when none). */
  count: number;
  firstRowid: number;
  lastRowid: number;
  /** Read by a table scan rather than through the `started_at` index. */
  scan: boolean;
}

/** The highest rowid of the lifts table: how many lifts it holds, or a little more. */
export function storedLiftRowids(db: Database.Database): number {
  return (db.prepare('SELECT max(rowid) FROM lifts').pluck().get() as number | null) ?? 0;
}

/**
 * Counts a period's lifts (through the `started_at` index, which holds the rowids, so no table
 * row is read). A period that holds a large part of the table is then read by a table scan:
 * walking the index costs a random table read per lift (three times slower at a million lifts
 * stored out of time order, as outbox backlogs and late trucks store them).
 */
export function periodLiftRange(
  db: Database.Database,
  period: BillingPeriod,
  timeZone: string,
): PeriodLiftRange {
  const from = zonedDayStartUtc(period.from, timeZone);
  const to = zonedDayStartUtc(period.to, timeZone);
  const r = db
    .prepare(
      'SELECT count(*) AS n, min(rowid) AS lo, max(rowid) AS hi FROM lifts WHERE started_at >= ? AND started_at < ?',
    )
    .get(from, to) as { n: number; lo: number | null; hi: number | null };
  const stored = storedLiftRowids(db);
  return { from, to, count: r.n, firstRowid: r.lo ?? 0, lastRowid: r.hi ?? 0, scan: r.n > stored / 8 };
}

/** Lifts per block read by a table scan ({@link LiftBlock}). */
const BLOCK_ROWS = 8192;

/**
 * Feeds a period's lifts to a classifier: those whose start (bin hooked) falls on a local day
 * of the period, optionally only those with a rowid in [rowids.from, rowids.to) (a thread's
 * share). No object per lift: a period holds up to millions. A table scan reads them in
 * blocks of {@link BLOCK_ROWS} rowids, each one SQL row ({@link LiftBlock}); a block of
 * unexpected shape, and a read through the index, go row by row. The store keeps one row per
 * `event_id` (its primary key), so the lifts are unique by id. `progress` hears every 50,000
 * lifts. Returns how many lifts were read, and how many of them row by row.
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
  let n = 0;
  let rowByRow = 0;
  let reported = 0;
  const counted = (more: number) => {
    n += more;
    if (progress && n - reported >= 50_000) {
      reported = n - (n % 50_000);
      progress('load', reported, range.count);
    }
  };
  if (!range.scan) {
    const stmt = db
      .prepare(`${columns} WHERE ${inPeriod} ${rowids ? 'AND rowid >= ? AND rowid < ?' : ''}`)
      .raw(true);
    const params = rowids ? [range.from, range.to, rowids.from, rowids.to] : [range.from, range.to];
    for (const row of stmt.iterate(...params) as Iterable<StoredLiftRow>) {
      addRow(classifier, row);
      counted(1);
    }
    return { lifts: n, rowByRow: n };
  }
  const blockStmt = db
    .prepare(
      `SELECT count(*), CAST(group_concat(${LIFT_RECORD_SQL}, '') AS BLOB) FROM lifts NOT INDEXED
       WHERE ${inPeriod} AND rowid >= ? AND rowid < ?`,
    )
    .raw(true);
  const rowStmt = db
    .prepare(`${columns} NOT INDEXED WHERE ${inPeriod} AND rowid >= ? AND rowid < ?`)
    .raw(true);
  const block = new LiftBlock(BLOCK_ROWS);
  const first = rowids ? rowids.from : range.firstRowid;
  const end = rowids ? rowids.to : range.lastRowid + 1;
  // Room for every lift of the range at once: no column grows by copying along the way.
  classifier.billed.reserve(classifier.billed.length + Math.min(range.count, end - first));
  for (let a = first; a < end; a += BLOCK_ROWS) {
    const b = Math.min(end, a + BLOCK_ROWS);
    const [count, bytes] = blockStmt.get(range.from, range.to, a, b) as [number, Buffer | null];
    if (count === 0 || bytes === null) continue;
    if (block.parse(bytes, count)) block.feed(classifier);
    else {
      for (const row of rowStmt.iterate(range.from, range.to, a, b) as Iterable<StoredLiftRow>) {
        addRow(classifier, row);
      }
      rowByRow += count;
    }
    counted(count);
  }
  return { lifts: n, rowByRow };
}

type StoredLiftRow = [string, string, string | null, number | null, string];

function addRow(classifier: LiftClassifier, row: StoredLiftRow): void {
  const flags = row[4] === '[]' ? NO_FLAGS : (JSON.parse(row[4]) as string[]);
  classifier.addFields(row[0], row[1], row[2], row[3], flags);
}
