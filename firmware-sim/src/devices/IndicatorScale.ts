/**
 * How a weighing indicator with scale interval e shows weights on each wire protocol:
 * e must be 1, 2 or 5 × 10^k grams (OIML R76/R51 interval series). The ASCII protocols carry
 * only decimals (`0012.5` for e = 0.5 kg, one decimal); Toledo also carries the ×1/×2/×5
 * increment in SWA. Overload shows above Max + 9 e (OIML R76 4.2.3 blanking) and underload
 * below −20 e (the usual zero-range limit of indicators).
 */

/** Display parameters derived from e. */
export interface IndicatorScale {
  scaleIntervalG: number;
  /** e = increment × 10^k g. */
  increment: 1 | 2 | 5;
  k: number;
  /** Decimals of kg shown by ST,GS and MT-SICS (never negative). */
  kgDecimals: number;
  /** Toledo SWA decimal-point code (5 = 0.001 kg … 0 = 100 kg). */
  toledoDecimalCode: number;
}

/** Display parameters for scale interval `e` grams (throws when e is not in the 1-2-5 series). */
export function indicatorScale(scaleIntervalG: number): IndicatorScale {
  for (let k = 0; k <= 5; k += 1) {
    for (const increment of [1, 2, 5] as const) {
      if (increment * 10 ** k === scaleIntervalG) {
        return { scaleIntervalG, increment, k, kgDecimals: Math.max(0, 3 - k), toledoDecimalCode: 5 - k };
      }
    }
  }
  throw new RangeError(`scale interval must be 1, 2 or 5 × 10^k g (k ≤ 5), got ${scaleIntervalG}`);
}

/** `grams` rounded to the nearest multiple of e (halves away from zero, never −0). */
export function roundToInterval(grams: number, e: number): number {
  const steps = Math.sign(grams) * Math.round(Math.abs(grams) / e);
  return steps === 0 ? 0 : steps * e;
}
