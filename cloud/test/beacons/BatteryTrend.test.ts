import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BatteryPoint, batteryTrend } from '../../src/beacons/BatteryTrend.js';

const OPTIONS = { thresholdMv: 2200, minPoints: 3, minSpanHours: 1, changeRiseMv: 150 };
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const HOUR = 3_600_000;

/** Readings on the exact line v = v0 + slope·days, every `stepH` hours. */
function line(v0: number, slopePerDay: number, n: number, stepH: number): BatteryPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(T0 + i * stepH * HOUR).toISOString(),
    batteryMv: v0 + (slopePerDay * i * stepH) / 24,
  }));
}

describe('battery trend (least squares, extrapolated to the threshold)', () => {
  it('finds the slope and the crossing date of readings on a line', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2400, max: 3300 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 3, max: 60 }),
        fc.integer({ min: 1, max: 48 }),
        (v0, drop, n, stepH) => {
          const t = batteryTrend(line(v0, -drop, n, stepH), OPTIONS);
          expect(t.points).toBe(n);
          expect(t.slopeMvPerDay).toBeCloseTo(-drop, 6);
          const expectedMs = T0 + ((v0 - 2200) / drop) * 86_400_000;
          expect(Math.abs(Date.parse(t.lowBatteryAt ?? '') - expectedMs)).toBeLessThan(1000);
        },
      ),
    );
  });

  it('gives the slope of a noisy series between the extremes and a crossing only when falling', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ h: fc.integer({ min: 0, max: 24 * 30 }), mv: fc.integer({ min: 2000, max: 3300 }) }),
          {
            minLength: 3,
            maxLength: 50,
          },
        ),
        (raw) => {
          const pts = raw.map((r) => ({ at: new Date(T0 + r.h * HOUR).toISOString(), batteryMv: r.mv }));
          const t = batteryTrend(pts, { ...OPTIONS, changeRiseMv: 10_000 });
          expect(t.points).toBe(pts.length);
          if (t.slopeMvPerDay === null) {
            expect(t.lowBatteryAt).toBeNull();
          } else if (t.slopeMvPerDay >= 0) {
            expect(t.lowBatteryAt).toBeNull();
          }
        },
      ),
    );
  });

  it('gives no estimate below the minimum points or span, but still the last reading', () => {
    const two = line(3000, -10, 2, 24);
    expect(batteryTrend(two, OPTIONS)).toMatchObject({ points: 2, slopeMvPerDay: null, lastMv: 2990 });
    const short = line(3000, -10, 10, 0.05); // 10 readings over 27 minutes
    expect(batteryTrend(short, OPTIONS)).toMatchObject({
      points: 10,
      slopeMvPerDay: null,
      lowBatteryAt: null,
    });
    expect(batteryTrend([], OPTIONS)).toMatchObject({ points: 0, lastMv: null, from: null });
  });

  it('restarts the series after a battery change (a rise of 150 mV or more)', () => {
    const old = line(2400, -20, 10, 24);
    const fresh = line(3200, -2, 5, 24).map((p) => ({
      ...p,
      at: new Date(Date.parse(p.at) + 20 * 86_400_000).toISOString(),
    }));
    const t = batteryTrend([...fresh, ...old], OPTIONS); // unsorted input
    expect(t.points).toBe(5);
    expect(t.slopeMvPerDay).toBeCloseTo(-2, 6);
    expect(t.lastMv).toBe(3192);
    expect(t.from).toBe(fresh[0]?.at);
  });

  it('gives no crossing for a flat or charging series', () => {
    expect(batteryTrend(line(3000, 0, 10, 24), OPTIONS).lowBatteryAt).toBeNull();
    expect(batteryTrend(line(3000, 5, 10, 24), OPTIONS)).toMatchObject({ lowBatteryAt: null });
  });
});
