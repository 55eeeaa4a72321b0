import { describe, expect, it } from 'vitest';
import { validateTariffPlan } from '../../src/billing/TariffPlan.js';
import { tariffInput } from './fixtures.js';

function withHousehold(versions: unknown[]) {
  return { ...tariffInput, plans: { ...tariffInput.plans, household: { versions } } };
}
const [v1, v2] = tariffInput.plans.household.versions as unknown as [
  Record<string, unknown>,
  Record<string, unknown>,
];

describe('tariff plan file', () => {
  it('accepts the documented example and holds per-kg prices as integer millicents', () => {
    const r = validateTariffPlan(tariffInput);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.plan.plans.business.versions[0]?.weightTiers[1]?.centsPerKg).toBe(30_000);
  });

  it.each([
    [
      'overlapping dates',
      withHousehold([v1, { ...v2, effectiveFrom: '2026-03-15' }]),
      /overlaps the previous version/,
    ],
    [
      'a gap',
      withHousehold([v1, { ...v2, effectiveFrom: '2026-04-15' }]),
      /gap: nothing in force from 2026-04-01 to 2026-04-15/,
    ],
    [
      'a negative price',
      withHousehold([{ ...v1, extraLiftCents: { '120': -350, '240': 700, '660': 1500 } }, v2]),
      /a price cannot be negative/,
    ],
    [
      'an unknown bin volume',
      withHousehold([{ ...v1, fixedPerYearCents: { '125': 9000 } }, v2]),
      /125 L is not an EN 840 bin volume/,
    ],
    [
      'volumes priced in one product only',
      withHousehold([{ ...v1, fixedPerYearCents: { '120': 9125 } }, v2]),
      /fixed part priced for volumes \[120\] but extra lifts for \[120,240,660\]/,
    ],
    [
      'tiers not starting at 0',
      withHousehold([{ ...v1, weightTiers: [{ fromKg: 10, centsPerKg: 20 }] }, v2]),
      /first tier must start at 0 kg/,
    ],
    [
      'a price finer than a thousandth of a cent',
      withHousehold([{ ...v1, weightTiers: [{ fromKg: 0, centsPerKg: 20.0001 }] }, v2]),
      /at most 3 decimals/,
    ],
    ['an unknown time zone', { ...tariffInput, timeZone: 'Europe/Gignac' }, /unknown time zone/],
  ])('refuses %s with a clear message', (_name, input, message) => {
    const r = validateTariffPlan(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(message);
  });

  it('reports every problem at once', () => {
    const r = validateTariffPlan(
      withHousehold([
        { ...v1, weightTiers: [{ fromKg: 5, centsPerKg: 1 }] },
        { ...v2, effectiveFrom: '2026-05-01' },
      ]),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.length).toBe(2);
  });
});
