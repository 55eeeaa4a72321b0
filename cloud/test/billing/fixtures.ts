import type { BillableLift } from '../../src/billing/BillingEngine.js';
import type { BillingAccount, BillingRegistry, BinHolding } from '../../src/billing/BillingRegistry.js';
import { type TariffPlanFile, validateTariffPlan } from '../../src/billing/TariffPlan.js';

/**
 * The tariff of the worked examples in docs/billing.md. 2026 has 365 days, so 18,250 c/year is
 * exactly 50 c/day and 21,900 c/year 60 c/day.
 */
export const tariffInput = {
  timeZone: 'Europe/Paris',
  plans: {
    household: {
      versions: [
        {
          effectiveFrom: '2026-01-01',
          effectiveTo: '2026-04-01',
          fixedPerYearCents: { '120': 9125, '240': 18250, '660': 36500 },
          liftsIncludedPerPeriod: 6,
          extraLiftCents: { '120': 350, '240': 700, '660': 1500 },
          weightTiers: [{ fromKg: 0, centsPerKg: 20 }],
          minimumBillableG: 5000,
        },
        {
          effectiveFrom: '2026-04-01',
          effectiveTo: null,
          fixedPerYearCents: { '120': 10950, '240': 21900, '660': 43800 },
          liftsIncludedPerPeriod: 6,
          extraLiftCents: { '120': 400, '240': 800, '660': 1800 },
          weightTiers: [{ fromKg: 0, centsPerKg: 25 }],
          minimumBillableG: 5000,
        },
      ],
    },
    business: {
      versions: [
        {
          effectiveFrom: '2026-01-01',
          effectiveTo: null,
          fixedPerYearCents: { '660': 73000, '1100': 109500 },
          liftsIncludedPerPeriod: 0,
          extraLiftCents: { '660': 2000, '1100': 3000 },
          weightTiers: [
            { fromKg: 0, centsPerKg: 20 },
            { fromKg: 1000, centsPerKg: 30 },
          ],
          minimumBillableG: 5000,
        },
      ],
    },
  },
};

export function tariff(): TariffPlanFile {
  const r = validateTariffPlan(tariffInput);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.plan;
}

export function account(id: string, over: Partial<BillingAccount> = {}): BillingAccount {
  return {
    id,
    kind: 'household',
    name: `Foyer ${id}`,
    plan: 'household',
    occupiedFrom: '2020-01-01',
    occupiedTo: null,
    buildingId: null,
    persons: 2,
    ...over,
  };
}

export function bin(
  binId: string,
  tagId: string,
  volumeL: number,
  holder: { accountId?: string; buildingId?: string },
  from = '2020-01-01',
  to: string | null = null,
): BinHolding {
  return {
    binId,
    tagId,
    volumeL,
    accountId: holder.accountId ?? null,
    buildingId: holder.buildingId ?? null,
    from,
    to,
  };
}

let n = 0;
/** A lift at a local Paris noon (11:00 UTC in winter, 10:00 UTC in summer both stay the same day). */
export function lift(
  day: string,
  tagId: string | null,
  netKg: number | null,
  flags: string[] = [],
  id?: string,
): BillableLift {
  n += 1;
  return {
    id: id ?? `lift-${day}-${n}`,
    ts: `${day}T10:00:00.000Z`,
    tagId,
    netWeightG: netKg === null ? null : Math.round(netKg * 1000),
    flags,
  };
}

export function registry(parts: Partial<BillingRegistry>): BillingRegistry {
  return { accounts: [], buildings: [], bins: [], ...parts };
}
