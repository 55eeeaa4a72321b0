import { z } from 'zod';
import { contains } from './BillingPeriod.js';
import { flatText } from './flatText.js';

/** Bin volumes of EN 840, litres. A plan may price only these. */
export const EN840_VOLUMES = [80, 120, 140, 240, 360, 660, 770, 1100] as const;

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(d)), 'not a calendar day');
const Cents = z.number().int('integer cents').nonnegative('a price cannot be negative');

/**
 * A price per kg in cents, with at most 3 decimals (0.235 €/kg = 23.5): held as an integer of
 * millicents so every product stays integer arithmetic.
 */
const CentsPerKg = z
  .number()
  .nonnegative('a price cannot be negative')
  .refine((v) => Math.abs(Math.round(v * 1000) - v * 1000) < 1e-6, 'at most 3 decimals of a cent')
  .transform((v) => Math.round(v * 1000));

const ByVolume = (what: string) =>
  z
    .record(z.string(), Cents)
    .superRefine((rec, ctx) => {
      for (const k of Object.keys(rec)) {
        if (!(EN840_VOLUMES as readonly number[]).includes(Number(k))) {
          ctx.addIssue({
            code: 'custom',
            message: `${what}: ${k} L is not an EN 840 bin volume (${EN840_VOLUMES.join(', ')})`,
          });
        }
      }
    })
    .describe(`${what}, by bin volume in litres`);

/** One version of a plan's prices, in force on [effectiveFrom, effectiveTo). */
export const TariffVersion = z.object({
  effectiveFrom: Day,
  effectiveTo: Day.nullable().describe('Exclusive; null = until further notice'),
  fixedPerYearCents: ByVolume('fixed part per year'),
  liftsIncludedPerPeriod: z
    .number()
    .int()
    .nonnegative()
    .describe('Lifts per bin included in the fixed part, per full period'),
  extraLiftCents: ByVolume('price per lift beyond those included'),
  weightTiers: z
    .array(z.object({ fromKg: z.number().int().nonnegative(), centsPerKg: CentsPerKg }))
    .min(1)
    .describe('Progressive price per kg over the account total in the period; first tier fromKg 0'),
  minimumBillableG: z
    .number()
    .int()
    .nonnegative()
    .describe('A lift under this net weight is billed as a lift, not by weight'),
});
export type TariffVersion = z.output<typeof TariffVersion>;

export const TariffPlanFile = z.object({
  /** Authority time zone that decides which day a lift belongs to. */
  timeZone: z.string().default('Europe/Paris'),
  /** How the year is cut into bills: semesters (2026-H1), four-month terms (2026-T1), quarters, months, years. */
  billingPeriods: z.enum(['semester', 'four-month', 'quarter', 'month', 'year']).default('semester'),
  /** Split the charge of a building's collective bins among its households by occupied days. */
  splitCollectiveByDwellings: z.boolean().default(false),
  plans: z.object({
    household: z.object({ versions: z.array(TariffVersion).min(1) }),
    business: z.object({ versions: z.array(TariffVersion).min(1) }),
  }),
});
export type TariffPlanFile = z.output<typeof TariffPlanFile>;
export type PlanName = keyof TariffPlanFile['plans'];

/** A problem in a tariff file, with where it is. */
export interface TariffIssue {
  path: string;
  message: string;
}

/**
 * Validates a tariff file: schema, then the rules the schema cannot say: versions in order
 * with neither overlap nor gap, tiers starting at 0 kg and increasing, and every volume priced
 * in both the fixed part and the extra lift price. Returns every issue at once.
 */
export function validateTariffPlan(
  input: unknown,
): { ok: true; plan: TariffPlanFile } | { ok: false; issues: TariffIssue[] } {
  const r = TariffPlanFile.safeParse(input);
  if (!r.success) {
    return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  const issues: TariffIssue[] = [];
  try {
    new Intl.DateTimeFormat('en', { timeZone: r.data.timeZone });
  } catch {
    issues.push({ path: 'timeZone', message: `unknown time zone ${r.data.timeZone}` });
  }
  for (const name of ['household', 'business'] as const) {
    const versions = r.data.plans[name].versions;
    versions.forEach((v, i) => {
      const at = `plans.${name}.versions.${i}`;
      if (v.effectiveTo !== null && v.effectiveTo <= v.effectiveFrom) {
        issues.push({
          path: at,
          message: `effectiveTo ${v.effectiveTo} is not after effectiveFrom ${v.effectiveFrom}`,
        });
      }
      if (v.weightTiers[0]?.fromKg !== 0)
        issues.push({ path: `${at}.weightTiers.0`, message: 'the first tier must start at 0 kg' });
      for (let t = 1; t < v.weightTiers.length; t++) {
        if (v.weightTiers[t]!.fromKg <= v.weightTiers[t - 1]!.fromKg) {
          issues.push({ path: `${at}.weightTiers.${t}`, message: 'tiers must start at increasing kg' });
        }
      }
      const fixed = Object.keys(v.fixedPerYearCents).sort().join(',');
      const extra = Object.keys(v.extraLiftCents).sort().join(',');
      if (fixed !== extra) {
        issues.push({
          path: at,
          message: `fixed part priced for volumes [${fixed}] but extra lifts for [${extra}]`,
        });
      }
      const next = versions[i + 1];
      if (next) {
        if (v.effectiveTo === null) {
          issues.push({
            path: at,
            message: `open-ended version followed by another from ${next.effectiveFrom}`,
          });
        } else if (next.effectiveFrom < v.effectiveTo) {
          issues.push({
            path: `plans.${name}.versions.${i + 1}`,
            message: `overlaps the previous version (starts ${next.effectiveFrom}, previous ends ${v.effectiveTo})`,
          });
        } else if (next.effectiveFrom > v.effectiveTo) {
          issues.push({
            path: `plans.${name}.versions.${i + 1}`,
            message: `gap: nothing in force from ${v.effectiveTo} to ${next.effectiveFrom}`,
          });
        }
      }
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, plan: r.data };
}

/** The versions of a plan in force on [from, to), each clipped to it; throws if days are uncovered. */
export function versionsCovering(
  versions: TariffVersion[],
  from: string,
  to: string,
): { version: TariffVersion; from: string; to: string }[] {
  const out: { version: TariffVersion; from: string; to: string }[] = [];
  let cursor = from;
  for (const v of versions) {
    if (cursor >= to) break;
    if (!contains({ from: v.effectiveFrom, to: v.effectiveTo }, cursor)) continue;
    const end = v.effectiveTo === null || v.effectiveTo > to ? to : v.effectiveTo;
    out.push({ version: v, from: cursor, to: end });
    cursor = end;
  }
  if (cursor < to) return [];
  return out;
}

/** The version in force on a day, or undefined. */
export function versionOn(versions: TariffVersion[], day: string): TariffVersion | undefined {
  return versions.find((v) => contains({ from: v.effectiveFrom, to: v.effectiveTo }, day));
}

/** Label of a version for charge lines: `tariff 2026-01-01`. */
export function versionLabel(v: TariffVersion): string {
  return flatText('tariff ', v.effectiveFrom);
}
