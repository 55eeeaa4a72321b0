import { describe, expect, it } from 'vitest';
import { BilledLifts } from '../../src/billing/BilledLifts.js';
import {
  CSV_DIALECTS,
  type CsvDialect,
  chargesCsv,
  chargesCsvChunks,
  encodePieces,
} from '../../src/billing/ChargeExport.js';
import type { BillingRun, ChargeLine } from '../../src/billing/ChargeLine.js';
import { LiftIds, RowArena } from '../../src/billing/LiftIds.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Billed lifts: rows 0…2 and 4 hold UUIDs (kept as bytes), row 3 an id of another shape. */
function billed(): BilledLifts {
  const b = new BilledLifts();
  for (let i = 0; i < 3; i++) b.push(uuid(i), 1_000 * i, 20_500, 12_000, false, 0);
  b.push('lift "4"; odd', 4_000, 20_500, 9_000, false, 0);
  b.pushBytes(Buffer.from(`xx${uuid(5)}`, 'latin1'), 2, 5_000, 20_500, 3_000, false, 0);
  return b;
}

/** The rows as a list lines can point into. */
function listOf(...rows: number[]): RowArena {
  const arena = new RowArena();
  arena.append(rows);
  return arena;
}

function line(liftIds: LiftIds): ChargeLine {
  return {
    accountId: 'H1',
    accountName: 'Foyer…',
    product: 'lifts',
    subArticle: 'bin B1 240 L, extra, tariff 2026-01-01',
    quantity: String(liftIds.length),
    unit: 'lift',
    unitPriceCents: '800',
    amountCents: 800 * liftIds.length,
    liftIds,
    share: null,
  };
}

function runOf(lines: ChargeLine[]): BillingRun {
  return {
    periodId: '2026-H1',
    from: '2026-01-01',
    to: '2026-07-01',
    provisional: false,
    lines,
    review: [],
    totals: {
      lines: lines.length,
      accounts: 1,
      amountCents: 0,
      liftsInPeriod: 0,
      liftsBilled: 0,
      liftsExcluded: 0,
    },
  };
}

/** What the export writes, as text. */
function written(
  run: BillingRun,
  d: CsvDialect = CSV_DIALECTS['excel-fr'],
): { text: string; buffers: number[] } {
  const out: Buffer[] = [];
  encodePieces(chargesCsvChunks(run, d), (b) => {
    out.push(Buffer.from(b));
    return false;
  });
  return { text: Buffer.concat(out).toString('utf8'), buffers: out.map((b) => b.length) };
}

describe('lift ids kept as rows of the billed lifts', () => {
  it('read as the ids they stand for, compare by content and serialize as an array', () => {
    const b = billed();
    expect([0, 1, 2, 3, 4].map((r) => b.idOf(r))).toEqual([
      uuid(0),
      uuid(1),
      uuid(2),
      'lift "4"; odd',
      uuid(5),
    ]);
    const rows = LiftIds.ofRows(b, listOf(9, 2, 0, 4, 9), 1, 4);
    const text = LiftIds.of([uuid(2), uuid(0), uuid(5)]);
    expect(rows.length).toBe(3);
    expect(rows.at(1)).toBe(uuid(0));
    expect(() => rows.at(3)).toThrow(RangeError);
    expect([...rows]).toEqual([uuid(2), uuid(0), uuid(5)]);
    expect(rows.toArray()).toEqual(text.toArray());
    expect(rows).toEqual(text);
    expect(rows).not.toEqual(LiftIds.of([uuid(2), uuid(5), uuid(0)]));
    expect(line(rows)).toEqual(line(text));
    expect(JSON.stringify(line(rows))).toBe(JSON.stringify({ ...line(text), liftIds: text.toArray() }));
    expect(LiftIds.ofRows(b, listOf(1), 0, 0)).toBe(LiftIds.EMPTY);
  });

  it('export the same bytes whether copied from the rows or joined as text', () => {
    const b = billed();
    const list = listOf(0, 1, 2, 4, 1, 3);
    const fromRows = runOf([
      line(LiftIds.ofRows(b, list, 0, 4)),
      // An id that is not kept as bytes sends its line through the text path, quoted.
      line(LiftIds.ofRows(b, list, 4, 6)),
      line(LiftIds.EMPTY),
    ]);
    const asText = runOf(fromRows.lines.map((l) => ({ ...l, liftIds: LiftIds.of(l.liftIds.toArray()) })));
    const { text } = written(fromRows);
    expect(text).toBe(chargesCsv(asText, CSV_DIALECTS['excel-fr']));
    expect(text).toBe(written(asText).text);
    const rows = text.split('\r\n');
    expect(rows[1]).toMatch(new RegExp(`;4;${[uuid(0), uuid(1), uuid(2), uuid(5)].join(' ')}$`));
    expect(rows[2]).toMatch(new RegExp(`;2;"${uuid(1)} lift ""4""; odd"$`));
    expect(rows[3]).toMatch(/;0;$/);
  });

  it('go out in a buffer of their own when longer than the export’s buffers', () => {
    const b = new BilledLifts();
    const n = 40_000; // 40,000 × 37 bytes > 1 MiB
    for (let i = 0; i < n; i++) b.push(uuid(i), i, 20_500, 1_000, false, 0);
    const ids = LiftIds.ofRows(b, listOf(...Array.from({ length: n }, (_, i) => i)), 0, n);
    const run = runOf([line(ids)]);
    const { text, buffers } = written(run, CSV_DIALECTS.standard);
    expect(buffers).toContain(n * 37 - 1);
    expect(text).toBe(chargesCsv(runOf([line(LiftIds.of(ids.toArray()))]), CSV_DIALECTS.standard));
  });
});
