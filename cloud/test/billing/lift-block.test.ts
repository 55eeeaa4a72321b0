import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/billing/BillingPeriod.js';
import { InternedTexts, LiftBlock } from '../../src/billing/LiftBlock.js';
import { classifiedIds, LiftClassifier } from '../../src/billing/LiftClassifier.js';
import {
  classifyStoredLifts,
  loadBillingRegistry,
  periodLiftRange,
} from '../../src/billing/StoreBillingSource.js';
import { Store } from '../../src/store/Store.js';
import { classifiedContent } from './classified.js';

const H1 = parsePeriod('2026-H1')!;
const TZ = 'Europe/Paris';
const US = '\u001f';
const RS = '\u001e';

/** One record as the store's block SQL writes it. */
function record(id: string, ts: string, tag: string | null, net: number | null, flags = '[]'): string {
  return `${id}${US}${ts}${US}${tag ?? '\u007f'}${US}${net ?? ''}${US}${flags}${RS}`;
}

/** A classifier stand-in that records what it is given; a tag's key is its length. */
function recording(seen: unknown[]): LiftClassifier {
  return {
    tagKey: (tag: string) => tag.length,
    addCanonicalBytes: (source: Buffer, at: number, ...args: unknown[]) =>
      seen.push([source.toString('latin1', at, at + 36), ...args]),
  } as unknown as LiftClassifier;
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('LiftBlock', () => {
  it('reads records of the contract’s form', () => {
    const block = new LiftBlock(16);
    const bytes = Buffer.from(
      record(uuid(1), '2026-03-01T07:15:02.120Z', '250-000000000001', 12_500) +
        record(uuid(2), '2026-02-28T23:59:59.999Z', null, null, '["no-tag","unstable"]') +
        record(uuid(3), '2024-02-29T00:00:00.000Z', '100086F444', -500, '["negative-net"]'),
    );
    expect(block.parse(bytes, 3)).toBe(true);
    const seen: unknown[] = [];
    block.feed(recording(seen));
    expect(seen).toEqual([
      [uuid(1), Date.parse('2026-03-01T07:15:02.120Z'), '250-000000000001', 16, 12_500, []],
      [uuid(2), Date.parse('2026-02-28T23:59:59.999Z'), null, -1, null, ['no-tag', 'unstable']],
      [uuid(3), Date.parse('2024-02-29T00:00:00.000Z'), '100086F444', 10, -500, ['negative-net']],
    ]);
  });

  it('refuses, keeping nothing, a block it cannot read exactly (the caller reads it row by row)', () => {
    const block = new LiftBlock(16);
    const ok = record(uuid(1), '2026-03-01T07:15:02.120Z', '250-000000000001', 12_500);
    const refused = {
      'a count that differs': [ok, 2],
      'an id that is not a UUID': [record('L1', '2026-03-01T07:15:02.120Z', 'T1', 1), 1],
      'a time without milliseconds': [record(uuid(1), '2026-03-01T07:15:02Z', 'T1', 1), 1],
      'a time with an offset': [record(uuid(1), '2026-03-01T08:15:02.120+01:00', 'T1', 1), 1],
      'a day the calendar lacks': [record(uuid(1), '2026-02-29T07:15:02.120Z', 'T1', 1), 1],
      'a tag holding a field separator': [record(uuid(1), '2026-03-01T07:15:02.120Z', `T${US}1`, 1), 1],
      'a tag holding a record separator': [record(uuid(1), '2026-03-01T07:15:02.120Z', `T${RS}1`, 1), 1],
      'a net beyond 15 digits': [record(uuid(1), '2026-03-01T07:15:02.120Z', 'T1', 1234567890123456), 1],
      'flags that are not JSON': [record(uuid(1), '2026-03-01T07:15:02.120Z', 'T1', 1, '[no'), 1],
      'a truncated record': [ok.slice(0, -3), 1],
    } as const;
    for (const [what, [text, count]] of Object.entries(refused)) {
      expect(block.parse(Buffer.from(text), count), what).toBe(false);
      expect(block.length, what).toBe(0);
    }
  });

  it('never throws on damaged bytes, and reads back any well-formed block', () => {
    const field = fc.record({
      n: fc.integer({ min: 1, max: 999_999 }),
      time: fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2099-12-31') }),
      tag: fc.option(fc.stringMatching(/^([0-9A-F]{10}|\d{3}-\d{12})$/), { nil: null }),
      net: fc.option(fc.integer({ min: -100_000, max: 10_000_000 }), { nil: null }),
      flags: fc.subarray(['no-tag', 'unstable', 'below-minimum', 'overload']),
    });
    fc.assert(
      fc.property(
        fc.array(field, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.nat(255),
        (lifts, at, byte) => {
          const text = lifts
            .map((l) =>
              record(uuid(l.n), new Date(l.time).toISOString(), l.tag, l.net, JSON.stringify(l.flags)),
            )
            .join('');
          const block = new LiftBlock(32);
          expect(block.parse(Buffer.from(text), lifts.length)).toBe(true);
          const seen: unknown[] = [];
          block.feed(recording(seen));
          expect(seen).toEqual(
            lifts.map((l) => [uuid(l.n), l.time, l.tag, l.tag === null ? -1 : l.tag.length, l.net, l.flags]),
          );
          const damaged = Buffer.from(text);
          damaged[at % damaged.length] = byte;
          expect(typeof block.parse(damaged, lifts.length)).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('InternedTexts', () => {
  it('gives back one string and entry per distinct byte range, through growth and past its bound', () => {
    const texts = new InternedTexts();
    const block = Buffer.from('xx250-000000000001yy250-000000000001zz');
    const a = texts.entryOf(block, 2, 18);
    expect(texts.text(a)).toBe('250-000000000001');
    expect(texts.entryOf(block, 20, 36)).toBe(a);
    expect(texts.intern(block, 20, 36)).toBe(texts.text(a));
    const many = Array.from({ length: 70_000 }, (_, i) => `tag-${i}`);
    const entries = many.map((t) => texts.entryOf(Buffer.from(t), 0, t.length));
    expect(new Set(entries).size).toBe(many.length);
    expect(entries.every((e, i) => texts.text(e) === many[i])).toBe(true);
    expect(texts.entryOf(Buffer.from('.tag-123'), 1, 8)).toBe(entries[123]);
    // Past 65,536 entries, trim starts afresh; the texts stay right.
    texts.trim();
    expect(texts.generation).toBe(1);
    expect(texts.intern(Buffer.from('.tag-123'), 1, 8)).toBe('tag-123');
    expect(texts.text(0)).toBe('tag-123');
    expect(texts.intern(Buffer.from(''), 0, 0)).toBe('');
  });
});

describe('reading a period by blocks', () => {
  let dir: string;
  let store: Store;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'releve-lift-block-'));
    store = Store.open({ dataDir: join(dir, 'data') });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('classifies exactly as reading row by row, including lifts in no contract form', () => {
    const db = store.db;
    db.exec(`
      INSERT INTO accounts (account_id, kind, name) VALUES ('H1', 'household', 'Foyer 1'), ('H2', 'household', 'Foyer 2');
      INSERT INTO households (household_id, persons, moved_in, moved_out) VALUES ('H1', 2, '2019-01-01', NULL), ('H2', 3, '2026-03-15', NULL);
      INSERT INTO bins (bin_id, tag_scheme, tag_id, volume_l, account_id, valid_from) VALUES
        ('B1', 'fdx-b', '250-000000000001', 240, 'H1', '2019-01-01'),
        ('B2', 'fdx-b', '250-000000000002', 120, 'H2', '2019-01-01');
    `);
    const insert = db.prepare(
      `INSERT INTO lifts (event_id, truck_id, seq, ts, started_at, tag_scheme, tag_id, gross_weight_g, tare_weight_g, net_weight_g, scale_interval_g, minimum_g, flags, trip_seq, received_at)
       VALUES (?, 'truck-01', ?, ?, ?, 'fdx-b', ?, NULL, NULL, ?, 500, 5000, ?, 1, ?)`,
    );
    const tags = ['250-000000000001', '250-000000000002', '250-999999999999', null];
    const start = Date.parse('2025-12-30T00:00:00Z');
    let seq = 0;
    const add = (id: string, ts: string, tag: string | null, net: number | null, flags: string) =>
      insert.run(id, ++seq, ts, ts, tag, net, flags, ts);
    db.transaction(() => {
      for (let n = 1; n <= 20_000; n++) {
        const ts = new Date(start + n * 800_000).toISOString();
        const net = n % 17 === 0 ? null : n % 23 === 0 ? -500 : (n % 40) * 500;
        const flags = n % 31 === 0 ? '["unstable"]' : net !== null && net < 5000 ? '["below-minimum"]' : '[]';
        add(uuid(n), ts, tags[n % 4]!, net, flags);
        // Now and then a lift the contract would not have let in: each sends its block row by row.
        if (n === 3000) add('not-a-uuid', ts, tags[0]!, 9000, '[]');
        if (n === 11_000)
          add(uuid(900_001), ts.replace('.', ',').replace('Z', '+00:00'), tags[0]!, 9000, '[]');
        if (n === 15_000) add(uuid(900_002), ts, `250${US}1`, 9000, '[]');
      }
    })();
    const range = periodLiftRange(db, H1, TZ);
    expect(range.scan).toBe(true);
    const registry = loadBillingRegistry(db);
    const byBlocks = new LiftClassifier(H1, TZ, registry);
    const read = classifyStoredLifts(db, byBlocks, range);
    const byRows = new LiftClassifier(H1, TZ, registry);
    const readByRows = classifyStoredLifts(db, byRows, { ...range, scan: false });

    // Nothing is sealed (the lifts went in by SQL): the whole table is the unsealed tail, and
    // its rowids are the plan's upper bound.
    expect(range.sealed).toEqual([]);
    expect(range.unsealed).toEqual([[1, 20_004]]);
    expect(range.count).toBe(20_003);
    const inPeriod = db
      .prepare('SELECT count(*) FROM lifts WHERE started_at >= ? AND started_at < ?')
      .pluck()
      .get(range.from, range.to) as number;
    expect(readByRows).toEqual({ lifts: inPeriod, rowByRow: inPeriod });
    expect(read.lifts).toBe(inPeriod);
    // The three odd lifts send at most three blocks of 8,192 rowids row by row.
    expect(read.rowByRow).toBeGreaterThan(0);
    expect(read.rowByRow).toBeLessThanOrEqual(3 * 8192);
    const blocks = byBlocks.result();
    expect(classifiedIds(blocks).length).toBeGreaterThan(5000);
    expect(blocks.review.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        'unknown-tag',
        'no-tag',
        'unstable',
        'negative-net',
        'vacant',
        'outside-period',
      ]),
    );
    // Order differs (blocks are read in rowid windows); the content does not.
    expect(classifiedContent(byBlocks)).toEqual(classifiedContent(byRows));
  });
});
