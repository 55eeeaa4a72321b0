/** Exact mass conversion: rounding rules and the international pound. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalToGrams, gramsToScaled, massUnitOf, scaledToGrams } from '../../src/protocols/mass-units.js';

describe('mass units', () => {
  it('rounds halves away from zero and never gives −0', () => {
    expect(decimalToGrams('2.5', 'g')).toEqual({ grams: 3, resolutionG: 1 });
    expect(decimalToGrams('-2.5', 'g')).toEqual({ grams: -3, resolutionG: 1 });
    expect(decimalToGrams('-0.4', 'g')?.grams).toBe(0);
    expect(Object.is(decimalToGrams('-0.000', 'kg')?.grams, 0)).toBe(true);
  });

  it('reads the text forms indicators print and refuses the rest', () => {
    expect(decimalToGrams('+0012.34', 'kg')).toEqual({ grams: 12_340, resolutionG: 10 });
    expect(decimalToGrams('-  1.5', 'kg')).toEqual({ grams: -1_500, resolutionG: 100 });
    expect(decimalToGrams('1.5', 't')).toEqual({ grams: 1_500_000, resolutionG: 100_000 });
    for (const bad of ['', '+', '1.', '.5', '1.2.3', '1,5', '--1', '1e3'])
      expect(decimalToGrams(bad, 'kg')).toBeNull();
  });

  it('converts any pound reading to the nearest gram of its exact value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -9_999_999, max: 9_999_999 }),
        fc.integer({ min: 0, max: 3 }),
        (m, dec) => {
          const exactMilligramsTimes = BigInt(m) * 45_359_237n; // grams × 10^(5+dec)
          const scale = 10n ** BigInt(5 + dec);
          const { grams } = scaledToGrams(BigInt(m), dec, 'lb');
          const diff = BigInt(grams) * scale - exactMilligramsTimes;
          expect(2n * (diff < 0n ? -diff : diff) <= scale).toBe(true);
        },
      ),
    );
  });

  it('finds back the display mantissa of a metric weight', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999_999, max: 999_999 }), fc.integer({ min: -2, max: 3 }), (m, dec) => {
        const { grams } = scaledToGrams(BigInt(m), dec, 'kg');
        expect(gramsToScaled(grams, dec, 'kg')).toBe(BigInt(m));
      }),
    );
  });

  it('knows the unit spellings', () => {
    expect(['kg', 'KG', 'lb', 'lbs', 'g', 't', 'oz'].map(massUnitOf)).toEqual([
      'kg',
      'kg',
      'lb',
      'lb',
      'g',
      't',
      null,
    ]);
  });
});
