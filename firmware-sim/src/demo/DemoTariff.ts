import type { TariffPlanFile } from '@releve/cloud/billing/TariffPlan';
import type { z } from 'zod';

/** A tariff file as written (before validation: per-kg prices in cents). */
type TariffFileInput = z.input<typeof TariffPlanFile>;
type TariffVersionInput = TariffFileInput['plans']['household']['versions'][number];

/**
 * The demo's tariff plan, as a tariff file holds it (docs/billing.md): the prices of
 * `deploy/cloud/tariff.example.yaml` (fixed part by bin volume with six lifts included per
 * semester, then a price per extra lift and per kg), in force from `since` (YYYY-MM-DD, the day
 * the demo's households moved in) so that every lift of the demo can be billed.
 */
export function demoTariff(since: string): TariffFileInput {
  const household: TariffVersionInput = {
    effectiveFrom: since,
    effectiveTo: null,
    fixedPerYearCents: {
      80: 7000,
      120: 9000,
      140: 10500,
      240: 18000,
      360: 27000,
      660: 49500,
      770: 57750,
      1100: 82500,
    },
    liftsIncludedPerPeriod: 6,
    extraLiftCents: { 80: 250, 120: 350, 140: 400, 240: 700, 360: 1050, 660: 1900, 770: 2250, 1100: 3200 },
    weightTiers: [{ fromKg: 0, centsPerKg: 23.5 }],
    minimumBillableG: 5000,
  };
  const business: TariffVersionInput = {
    effectiveFrom: since,
    effectiveTo: null,
    fixedPerYearCents: { 240: 24000, 360: 36000, 660: 66000, 770: 77000, 1100: 110000 },
    liftsIncludedPerPeriod: 0,
    extraLiftCents: { 240: 900, 360: 1300, 660: 2400, 770: 2800, 1100: 4000 },
    weightTiers: [
      { fromKg: 0, centsPerKg: 21 },
      { fromKg: 2000, centsPerKg: 27 },
    ],
    minimumBillableG: 5000,
  };
  return {
    timeZone: 'Europe/Paris',
    billingPeriods: 'semester',
    splitCollectiveByDwellings: true,
    plans: { household: { versions: [household] }, business: { versions: [business] } },
  };
}
