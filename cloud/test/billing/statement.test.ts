import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { householdStatement } from '../../src/billing/HouseholdStatement.js';
import { Store } from '../../src/store/Store.js';
import { tariff } from './fixtures.js';
import { seedBillingStore } from './storeFixture.js';

let dir: string;
let store: Store;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-statement-'));
  store = Store.open({ dataDir: dir });
  seedBillingStore(store);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('household statement', () => {
  it('lists the household’s lifts, its charge so far and the projection for the period', () => {
    const s = householdStatement(store.db, 'H1', tariff(), new Date('2026-06-01T10:00:00Z'));
    expect(s.period).toEqual({
      id: '2026-H1',
      from: '2026-01-01',
      to: '2026-07-01',
      elapsedDays: 152,
      days: 181,
    });
    expect(s.lifts.map((l) => [l.day, l.binId, l.netWeightKg, l.billed, l.note])).toEqual([
      ['2026-03-10', 'B1', 20, true, null],
      ['2026-04-10', 'B1', 30, true, null],
      ['2026-04-24', 'B1', 4.5, true, 'below-minimum'],
    ]);
    expect(s.totals).toEqual({ lifts: 3, netWeightKg: 54.5 });
    // Fixed 1500 + 5460 for the whole presence; weight 400 + 750 so far; lifts all included.
    expect(s.charge.soFarCents).toBe(8110);
    // Variable part 1150 scaled from 152 elapsed days to 181: 1369; plus the fixed part 6960.
    expect(s.charge.projectedCents).toBe(8329);
    expect(s.comparable).toEqual({
      households: 1,
      averageNetWeightKg: 54.5,
      averageLifts: 3,
      binVolumeL: 240,
    });
    expect(s.charge.lines.every((l) => l.accountId === 'H1')).toBe(true);
  });

  it('refuses an account that is not a household', () => {
    expect(() => householdStatement(store.db, 'S1', tariff(), new Date('2026-06-01T10:00:00Z'))).toThrowError(
      /\[not-found\]/,
    );
  });
});
