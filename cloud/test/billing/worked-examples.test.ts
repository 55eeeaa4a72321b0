import { describe, expect, it } from 'vitest';
import { computeCharges } from '../../src/billing/BillingEngine.js';
import { parsePeriod } from '../../src/billing/BillingPeriod.js';
import type { ChargeLine } from '../../src/billing/ChargeLine.js';
import { account, bin, lift, registry, tariff } from './fixtures.js';

// Each case is a worked example of docs/billing.md, computed there by hand.
const H1 = parsePeriod('2026-H1')!;
const today = '2026-07-15';

function amounts(lines: ChargeLine[], accountId: string) {
  return lines
    .filter((l) => l.accountId === accountId)
    .map((l) => [l.product, l.quantity, l.amountCents, l.share ?? '']);
}

describe('worked examples (docs/billing.md)', () => {
  it('example 1: moving in, tariff change mid-period, lift below the minimum', () => {
    const reg = registry({
      accounts: [account('H1', { occupiedFrom: '2026-03-02' })],
      bins: [bin('B1', '250-000000000001', 240, { accountId: 'H1' }, '2026-03-02')],
    });
    const t = '250-000000000001';
    const lifts = [
      lift('2026-03-10', t, 20),
      lift('2026-04-10', t, 30),
      lift('2026-04-24', t, 4.5),
      lift('2026-05-08', t, 25),
      lift('2026-05-22', t, 18.2),
      lift('2026-06-05', t, 22),
    ];
    const run = computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts, today });
    expect(amounts(run.lines, 'H1')).toEqual([
      ['fixed', '30', 1500, ''],
      ['fixed', '91', 5460, ''],
      ['lifts', '2', 1600, ''],
      ['lifts', '4', 0, ''],
      ['weight', '20.000', 400, ''],
      ['weight', '95.200', 2380, ''],
    ]);
    expect(run.totals.amountCents).toBe(11_340);
    expect(run.totals).toMatchObject({ liftsInPeriod: 6, liftsBilled: 6, liftsExcluded: 0 });
  });

  it('example 2: collective bin split among dwellings by occupied days', () => {
    const reg = registry({
      accounts: [
        account('S1', { kind: 'building-manager', name: 'Syndic Les Oliviers' }),
        account('R1', { buildingId: 'BLD1' }),
        account('R2', { buildingId: 'BLD1' }),
        account('R3', { buildingId: 'BLD1', occupiedFrom: '2026-04-01' }),
      ],
      buildings: [
        { id: 'BLD1', managerAccountId: 'S1', dwellings: 4, splitByDwellings: true, plan: 'household' },
      ],
      bins: [bin('C1', '250-000000000660', 660, { buildingId: 'BLD1' })],
    });
    const t = '250-000000000660';
    const days = [
      '2026-01-12',
      '2026-02-09',
      '2026-03-09',
      '2026-03-23',
      '2026-04-13',
      '2026-05-11',
      '2026-06-08',
      '2026-06-22',
    ];
    const run = computeCharges({
      period: H1,
      tariff: tariff(),
      registry: reg,
      lifts: days.map((d) => lift(d, t, 50)),
      today,
    });
    const of = (id: string) =>
      run.lines.filter((l) => l.accountId === id).reduce((s, l) => s + l.amountCents, 0);
    // Lines of the building: fixed 9000 + 10920, extra lifts 2 × 1800 = 3600, weight 200 kg × 20 = 4000 and 200 kg × 25 = 5000.
    expect(run.totals.amountCents).toBe(32_520);
    expect(of('R1')).toBe(2250 + 2730 + 900 + 1000 + 1250);
    expect(of('R2')).toBe(of('R1'));
    expect(of('R3')).toBe(1131 + 1373 + 452 + 503 + 628);
    expect(of('S1')).toBe(3369 + 4087 + 1348 + 1497 + 1872);
  });

  it('example 3: anomalies go to the review queue, days are Paris days', () => {
    const reg = registry({
      accounts: [account('H3')],
      bins: [bin('B3', '100086F444', 120, { accountId: 'H3' })],
    });
    const t = '100086F444';
    const lifts = [
      { id: 'a-no-tag', ts: '2026-02-02T08:00:00.000Z', tagId: null, netWeightG: 12_000, flags: ['no-tag'] },
      {
        id: 'a-unknown',
        ts: '2026-02-02T08:01:00.000Z',
        tagId: '250-999999999999',
        netWeightG: 12_000,
        flags: [],
      },
      { id: 'a-unstable', ts: '2026-02-02T08:02:00.000Z', tagId: t, netWeightG: null, flags: ['unstable'] },
      {
        id: 'a-negative',
        ts: '2026-02-02T08:03:00.000Z',
        tagId: t,
        netWeightG: -500,
        flags: ['negative-net'],
      },
      { id: 'a-overload', ts: '2026-02-02T08:04:00.000Z', tagId: t, netWeightG: null, flags: ['overload'] },
      { id: 'a-before', ts: '2025-12-31T22:30:00.000Z', tagId: t, netWeightG: 10_000, flags: [] }, // 23:30 in Paris, 31 Dec
      { id: 'a-new-year', ts: '2025-12-31T23:30:00.000Z', tagId: t, netWeightG: 10_000, flags: [] }, // 00:30 in Paris, 1 Jan
    ];
    const run = computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts, today });
    expect(Object.fromEntries(run.review.map((r) => [r.liftId, r.reason]))).toEqual({
      'a-before': 'outside-period',
      'a-no-tag': 'no-tag',
      'a-unknown': 'unknown-tag',
      'a-unstable': 'unstable',
      'a-negative': 'negative-net',
      'a-overload': 'overload',
    });
    expect(run.lines.flatMap((l) => l.liftIds.toArray())).toEqual(['a-new-year', 'a-new-year']);
    expect(run.totals).toMatchObject({ liftsInPeriod: 6, liftsBilled: 1, liftsExcluded: 5 });
  });

  it('example 4: a bin swapped mid-period is billed per holding', () => {
    const reg = registry({
      accounts: [account('H4')],
      bins: [
        bin('B4a', '250-000000000120', 120, { accountId: 'H4' }, '2020-01-01', '2026-04-01'),
        bin('B4b', '250-000000000240', 240, { accountId: 'H4' }, '2026-04-01'),
      ],
    });
    const run = computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts: [], today });
    expect(amounts(run.lines, 'H4')).toEqual([
      ['fixed', '90', 2250, ''],
      ['fixed', '91', 5460, ''],
    ]);
  });
});

describe('refusals', () => {
  it('refuses a period that is still open', () => {
    const reg = registry({ accounts: [account('H1')], bins: [] });
    expect(() =>
      computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts: [], today: '2026-06-30' }),
    ).toThrowError(/billing-period-open/);
  });

  it('refuses a bin on two accounts at once', () => {
    const reg = registry({
      accounts: [account('A'), account('B')],
      bins: [
        bin('X', '250-000000000009', 240, { accountId: 'A' }),
        bin('X', '250-000000000009', 240, { accountId: 'B' }, '2026-02-01'),
      ],
    });
    expect(() =>
      computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts: [], today }),
    ).toThrowError(/billing-registry.*bin X: held by A and B at once/);
  });

  it('refuses a bin volume the tariff does not price', () => {
    const reg = registry({
      accounts: [account('A')],
      bins: [bin('X', '250-000000000009', 770, { accountId: 'A' })],
    });
    expect(() =>
      computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts: [], today }),
    ).toThrowError(/billing-unpriced.*770 L/);
  });
});
