import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactorFillEstimator, interpolate, rawToBar } from '../../src/firmata/CompactorFillEstimator.js';
import { lifterBoardSettingsSchema } from '../../src/firmata/LifterBoardSettings.js';

const defaults = lifterBoardSettingsSchema.parse({}).pressure;

describe('rawToBar', () => {
  it('maps the transducer line onto [0, fullScaleBar], 0.1 bar steps, clamping outside', () => {
    const p = { rawAtZero: 102, rawAtFullScale: 921, fullScaleBar: 250 }; // 0.5–4.5 V on a 5 V 10-bit ADC
    expect(rawToBar(102, p)).toBe(0);
    expect(rawToBar(921, p)).toBe(250);
    expect(rawToBar(0, p)).toBe(0); // wire break reads below 0.5 V
    expect(rawToBar(1023, p)).toBe(250);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 0, max: 1023 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(rawToBar(lo, p)).toBeLessThanOrEqual(rawToBar(hi, p));
        expect(Number.isInteger(rawToBar(lo, p) * 10)).toBe(true);
      }),
    );
  });
});

describe('interpolate', () => {
  it('is linear between points and flat outside', () => {
    const curve = [
      [60, 0],
      [120, 0.6],
      [180, 1],
    ] as const;
    expect(interpolate(curve, 0)).toBe(0);
    expect(interpolate(curve, 90)).toBeCloseTo(0.3, 10);
    expect(interpolate(curve, 150)).toBeCloseTo(0.8, 10);
    expect(interpolate(curve, 500)).toBe(1);
  });
});

describe('CompactorFillEstimator', () => {
  it('keeps fill in [0, 1], on the curve, and still while the packer idles, whatever the pressure trace', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1023 }), { minLength: 1, maxLength: 300 }), (raws) => {
        const est = new CompactorFillEstimator(defaults);
        let t = 0;
        const tick = () => {
          t += 100;
          return t;
        };
        let prev: { bar: number; fill: number } | undefined;
        for (const raw of raws) {
          const r = est.push(raw, tick());
          expect(r.fill).toBeGreaterThanOrEqual(0);
          expect(r.fill).toBeLessThanOrEqual(1);
          expect(Math.abs(r.fill - interpolate(defaults.fillCurve, r.strokePeakBar))).toBeLessThanOrEqual(
            0.0005 + 1e-9,
          );
          // Two idle readings in a row (no stroke under way or ending): the estimate holds.
          const idle = (bar: number) => bar < defaults.strokeThresholdBar;
          if (prev && idle(prev.bar) && idle(r.bar)) expect(r.fill).toBe(prev.fill);
          prev = { bar: r.bar, fill: r.fill };
        }
      }),
    );
  });

  it('follows a load: fuller body, higher stroke peaks; after unloading, the next stroke brings it down', () => {
    const est = new CompactorFillEstimator(defaults);
    const rawOf = (bar: number) => Math.round((bar / defaults.fullScaleBar) * 1023);
    let t = 0;
    const tick = () => {
      t += 100;
      return t;
    };
    const stroke = (peak: number) => {
      for (const bar of [0, 30, peak * 0.7, peak, peak * 0.5, 10, 0]) est.push(rawOf(bar), tick());
      return est.push(rawOf(0), tick());
    };
    const fills = [70, 100, 140, 175].map((peak) => stroke(peak).fill);
    expect([...fills].sort((a, b) => a - b)).toEqual(fills);
    expect(fills[0]).toBeGreaterThan(0);
    expect(fills[3]).toBeLessThan(1);
    // Idle: no stroke, the estimate holds.
    expect(est.push(rawOf(5), tick()).fill).toBe(fills[3]);
    // Unloaded: a light stroke; during it the estimate holds, at its end it drops.
    expect(est.push(rawOf(65), tick()).fill).toBe(fills[3]);
    expect(est.push(rawOf(0), tick()).fill).toBeLessThan(fills[0]!);
  });
});
