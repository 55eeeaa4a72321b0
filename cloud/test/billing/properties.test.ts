import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BillableLift, computeCharges } from '../../src/billing/BillingEngine.js';
import { dayString, parsePeriod } from '../../src/billing/BillingPeriod.js';
import type { BillingRegistry } from '../../src/billing/BillingRegistry.js';
import { account, bin, registry, tariff } from './fixtures.js';

const H1 = parsePeriod('2026-H1')!;
const today = '2026-08-01';
const DAY0 = Date.parse('2025-12-20T00:00:00Z') / 86_400_000;

/** A registry of households (some moving), a building with collective bins, and lifts around H1. */
const scenario = fc
  .record({
    households: fc.array(
      fc.record({
        movedInOffset: fc.integer({ min: -400, max: 150 }),
        movedOutOffset: fc.option(fc.integer({ min: 1, max: 300 })),
        volume: fc.constantFrom(120, 240),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    residents: fc.integer({ min: 0, max: 3 }),
    split: fc.boolean(),
    lifts: fc.array(
      fc.record({
        day: fc.integer({ min: 0, max: 210 }),
        minute: fc.integer({ min: 0, max: 1439 }),
        tagPick: fc.integer({ min: 0, max: 20 }),
        netG: fc.option(fc.integer({ min: -2000, max: 150_000 }), { freq: 10 }),
        flag: fc.constantFrom(null, null, null, null, 'no-tag', 'unstable', 'overload', 'below-minimum'),
      }),
      { maxLength: 60 },
    ),
  })
  .map(({ households, residents, split, lifts }) => {
    const reg: BillingRegistry = registry({});
    households.forEach((h, i) => {
      const from = dayString(DAY0 + h.movedInOffset);
      const to = h.movedOutOffset === null ? null : dayString(DAY0 + h.movedInOffset + h.movedOutOffset);
      reg.accounts.push(account(`H${i}`, { occupiedFrom: from, occupiedTo: to }));
      reg.bins.push(bin(`B${i}`, `250-00000000000${i}`, h.volume, { accountId: `H${i}` }, from, to));
    });
    reg.accounts.push(account('S', { kind: 'building-manager' }));
    for (let r = 0; r < residents; r++) reg.accounts.push(account(`R${r}`, { buildingId: 'BLD' }));
    reg.buildings.push({
      id: 'BLD',
      managerAccountId: 'S',
      dwellings: 3,
      splitByDwellings: split,
      plan: 'household',
    });
    reg.bins.push(bin('C', '250-000000000660', 660, { buildingId: 'BLD' }));
    const tags = [...reg.bins.map((b) => b.tagId), '250-999999999999'];
    const ls: BillableLift[] = lifts.map((l, i) => {
      const ms = (DAY0 + l.day) * 86_400_000 + l.minute * 60_000;
      return {
        id: `L${String(i).padStart(3, '0')}`,
        ts: new Date(ms).toISOString(),
        tagId: l.flag === 'no-tag' ? null : (tags[l.tagPick % tags.length] ?? null),
        netWeightG: l.flag === 'unstable' ? null : l.netG === null ? null : l.netG,
        flags: l.flag ? [l.flag] : l.netG !== null && l.netG < 0 ? ['negative-net'] : [],
      };
    });
    return { reg, lifts: ls };
  });

describe('billing properties', () => {
  it('shuffling the lifts changes nothing', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), ({ reg, lifts }, seed) => {
        const shuffled = [...lifts].sort(
          (a, b) =>
            ((a.id.charCodeAt(2) * seed) % 7) - ((b.id.charCodeAt(2) * seed) % 7) || (seed % 2 ? 1 : -1),
        );
        const a = computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts, today });
        const b = computeCharges({
          period: H1,
          tariff: tariff(),
          registry: reg,
          lifts: shuffled.reverse(),
          today,
        });
        expect(b).toEqual(a);
      }),
      { numRuns: 150 },
    );
  });

  it('every lift in the period is billed or reviewed, never both, never twice', () => {
    fc.assert(
      fc.property(scenario, ({ reg, lifts }) => {
        const run = computeCharges({ period: H1, tariff: tariff(), registry: reg, lifts, today });
        const reviewed = new Set(run.review.map((r) => r.liftId));
        // A lift's count is billed by exactly one `lifts` line (shares of one collective line count once).
        const perLift = new Map<string, Set<string>>();
        for (const l of run.lines.filter((x) => x.product === 'lifts')) {
          for (const id of l.liftIds) perLift.set(id, (perLift.get(id) ?? new Set()).add(`${l.subArticle}`));
        }
        for (const [id, subs] of perLift) {
          expect(subs.size, `lift ${id} on several lift lines`).toBe(1);
          expect(reviewed.has(id), `lift ${id} billed and reviewed`).toBe(false);
        }
        for (const l of lifts)
          expect(perLift.has(l.id) || reviewed.has(l.id), `lift ${l.id} lost`).toBe(true);
        const outside = run.review.filter((r) => r.reason === 'outside-period').length;
        expect(run.totals.liftsBilled + run.totals.liftsExcluded).toBe(run.totals.liftsInPeriod);
        expect(run.totals.liftsInPeriod + outside).toBe(lifts.length);
      }),
      { numRuns: 200 },
    );
  });

  it('the sum of the lines is the total, and splitting a collective bin keeps every cent', () => {
    fc.assert(
      fc.property(scenario, ({ reg, lifts }) => {
        const split = computeCharges({
          period: H1,
          tariff: tariff(),
          registry: { ...reg, buildings: reg.buildings.map((b) => ({ ...b, splitByDwellings: true })) },
          lifts,
          today,
        });
        const whole = computeCharges({
          period: H1,
          tariff: tariff(),
          registry: { ...reg, buildings: reg.buildings.map((b) => ({ ...b, splitByDwellings: false })) },
          lifts,
          today,
        });
        expect(split.lines.reduce((s, l) => s + l.amountCents, 0)).toBe(split.totals.amountCents);
        expect(split.totals.amountCents).toBe(whole.totals.amountCents);
        for (const l of split.lines) expect(Number.isInteger(l.amountCents) && l.amountCents >= 0).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
