/**
 * Exact conversion of indicator readings (decimal text or scaled integers, in kg, g, t or lb)
 * to integer grams, using BigInt so no binary floating point touches a billed weight.
 *
 * The pound is the international avoirdupois pound, exactly 0.453 592 37 kg (1959
 * international yard and pound agreement; NIST SP 811 appendix B). A pound value becomes
 * grams as `value × 45 359 237 / 100 000`, rounded to the nearest gram, halves away from zero.
 * Metric values with more than 3 decimals of kg (or any decimals of g) are rounded the same way.
 */

/** Units the truck indicators send. */
export type MassUnit = 'g' | 'kg' | 't' | 'lb';

/** Grams per unit as an exact fraction `num / den`. */
const GRAMS_PER_UNIT: Record<MassUnit, { num: bigint; den: bigint }> = {
  g: { num: 1n, den: 1n },
  kg: { num: 1000n, den: 1n },
  t: { num: 1_000_000n, den: 1n },
  lb: { num: 45_359_237n, den: 100_000n },
};

/** The unit for a text as sent (`kg`, `KG`, `lb`, `lbs`…), or null when it is not a mass unit we know. */
export function massUnitOf(text: string): MassUnit | null {
  switch (text.toLowerCase()) {
    case 'g':
      return 'g';
    case 'kg':
      return 'kg';
    case 't':
      return 't';
    case 'lb':
    case 'lbs':
      return 'lb';
    default:
      return null;
  }
}

/** `n / d` rounded to the nearest integer, halves away from zero (d > 0). */
function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (2n * a + d) / (2n * d);
  return neg ? -q : q;
}

/** A reading converted to grams, with the gram size of one step of its last digit. */
export interface GramsWithResolution {
  grams: number;
  /** Smallest step of the displayed value in grams (never below 1). */
  resolutionG: number;
}

/**
 * `mantissa × 10^(−decimals) × step` in `unit`, as grams. `decimals` may be negative (a
 * display that ends in fixed zeros, Toledo `XXXX00`); `step` is the display increment
 * (1, 2 or 5 counts of the last digit) and only affects `resolutionG`.
 */
export function scaledToGrams(
  mantissa: bigint,
  decimals: number,
  unit: MassUnit,
  step = 1,
): GramsWithResolution {
  const { num, den } = GRAMS_PER_UNIT[unit];
  const pow = 10n ** BigInt(Math.abs(decimals));
  const n = decimals >= 0 ? mantissa * num : mantissa * num * pow;
  const d = decimals >= 0 ? den * pow : den;
  const grams = Number(divRound(n, d));
  const res = Number(divRound(BigInt(step) * (decimals >= 0 ? num : num * pow), d));
  // `Object.is(-0, …)`: a negative zero display ("-0.00") is plain zero grams.
  return { grams: grams === 0 ? 0 : grams, resolutionG: Math.max(1, res) };
}

/**
 * Parses a decimal weight as indicators print it (`+0012.34`, `-  1.5`, `100.00`, `12`):
 * optional sign, optional spaces, digits, optional `.` and digits. Null when malformed.
 */
export function decimalToGrams(text: string, unit: MassUnit): GramsWithResolution | null {
  const m = /^ *([+-]?) *(\d{1,12})(?:\.(\d{1,6}))? *$/.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  const mantissa = BigInt(`${m[2]}${frac}`) * (m[1] === '-' ? -1n : 1n);
  return scaledToGrams(mantissa, frac.length, unit);
}

/**
 * The display mantissa for `grams` shown with `decimals` decimals in `unit` (the inverse of
 * `scaledToGrams`, rounded to the nearest step, halves away from zero). Used by encoders.
 */
export function gramsToScaled(grams: number, decimals: number, unit: MassUnit): bigint {
  const { num, den } = GRAMS_PER_UNIT[unit];
  const pow = 10n ** BigInt(Math.abs(decimals));
  const g = BigInt(grams);
  return decimals >= 0 ? divRound(g * den * pow, num) : divRound(g * den, num * pow);
}
