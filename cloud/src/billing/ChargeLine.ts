import type { LiftIds } from './LiftIds.js';

/** One line of a bill: an account, a product, a sub-article (tariff version, bin, tier). */
export interface ChargeLine {
  accountId: string;
  accountName: string;
  product: 'fixed' | 'lifts' | 'weight';
  /** Stable text that tells lines of one product apart, e.g. `bin B12 240 L, tariff 2026-01-01`. */
  subArticle: string;
  /** Decimal text: days, lifts, or kg with 3 decimals. */
  quantity: string;
  unit: 'day' | 'lift' | 'kg';
  /** Decimal text in cents: per year for `fixed`, per lift, per kg. */
  unitPriceCents: string;
  amountCents: number;
  /** The lifts this line bills (lifts and weight lines); JSON gives them as an array of ids. */
  liftIds: LiftIds;
  /** For a household's share of a collective bin: `share 3/12 of building B1`. */
  share: string | null;
}

/** A lift the engine will not bill, for the billing office to review. */
export interface ReviewItem {
  liftId: string;
  ts: string;
  tagId: string | null;
  reason:
    | 'no-tag'
    | 'unknown-tag'
    | 'no-holder'
    | 'vacant'
    | 'unstable'
    | 'negative-net'
    | 'overload'
    | 'clock-unsynced'
    | 'outside-period'
    | 'duplicate';
  detail: string;
}

/** The result of billing one period. */
export interface BillingRun {
  periodId: string;
  from: string;
  to: string;
  provisional: boolean;
  lines: ChargeLine[];
  review: ReviewItem[];
  totals: {
    lines: number;
    accounts: number;
    amountCents: number;
    liftsInPeriod: number;
    liftsBilled: number;
    liftsExcluded: number;
  };
}

/** Half-up rounding of a non-negative rational `num / den` to an integer. */
export function roundHalfUp(num: number, den: number): number {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den))
    throw new RangeError(`unsafe integer in ${num}/${den}`);
  return Math.floor((2 * num + den) / (2 * den));
}

/** Integer grams as kg text with 3 decimals. */
export function kgText(grams: number): string {
  return (grams / 1000).toFixed(3);
}

/** Millicents as cents text (23500 → "23.5"). */
export function centsText(millicents: number): string {
  return String(millicents / 1000);
}

/**
 * Splits `amount` cents in proportion to `weights` so the parts sum exactly to `amount`
 * (largest remainder; ties go to the earlier part).
 */
export function splitCents(amount: number, weights: number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (amount * w) / total);
  const parts = exact.map((x) => Math.floor(x));
  let left = amount - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}
