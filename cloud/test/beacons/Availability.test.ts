import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSlots, monthRange, SLOT_MS } from '../../src/beacons/Availability.js';
import { AVAILABILITY_COLUMNS, availabilityCsv, percent } from '../../src/beacons/AvailabilityExport.js';
import type { AvailabilityReport } from '../../src/beacons/BeaconFleet.js';

const NOV = monthRange('2026-11') as { fromMs: number; toMs: number };
const SLOTS_NOV = (30 * 24 * 60) / 5; // 8,640

describe('availability slots', () => {
  it('knows the months (UTC) and refuses what is not one', () => {
    expect(NOV.toMs - NOV.fromMs).toBe(SLOTS_NOV * SLOT_MS);
    expect(monthRange('2028-02')).toEqual({ fromMs: Date.UTC(2028, 1, 1), toMs: Date.UTC(2028, 2, 1) });
    for (const bad of ['2026-13', '2026-1', '26-11', '2026-11-01', '']) expect(monthRange(bad)).toBeNull();
  });

  it('owes every slot of a past month to a beacon registered before it', () => {
    const c = countSlots(NOV.fromMs, NOV.toMs, NOV.fromMs - 1, NOV.toMs + 1, [0, 1, 1, 8639, 8640, -1]);
    expect(c).toEqual({ eligible: SLOTS_NOV, heard: 3, availability: 3 / SLOTS_NOV });
  });

  it('excludes slots before the registration and slots not yet elapsed', () => {
    const reg = NOV.fromMs + 10 * SLOT_MS + 60_000; // during slot 10: slot 10 is owed
    const now = NOV.fromMs + 20 * SLOT_MS + 30_000; // slot 20 is running: not owed
    const c = countSlots(NOV.fromMs, NOV.toMs, reg, now, [9, 10, 19, 20]);
    expect(c).toEqual({ eligible: 10, heard: 2, availability: 0.2 });
    expect(countSlots(NOV.fromMs, NOV.toMs, NOV.toMs, NOV.toMs + SLOT_MS, [1])).toEqual({
      eligible: 0,
      heard: 0,
      availability: null,
    });
  });

  const slotArb = fc.integer({ min: -10, max: SLOTS_NOV + 10 });
  const caseArb = fc.record({
    reg: fc.integer({ min: NOV.fromMs - 86_400_000, max: NOV.toMs + 86_400_000 }),
    now: fc.integer({ min: NOV.fromMs - 86_400_000, max: NOV.toMs + 86_400_000 }),
    heard: fc.array(slotArb, { maxLength: 300 }),
    more: fc.array(slotArb, { maxLength: 50 }),
  });

  it('availability is in [0, 1] and heard ≤ eligible', () => {
    fc.assert(
      fc.property(caseArb, ({ reg, now, heard }) => {
        const c = countSlots(NOV.fromMs, NOV.toMs, reg, now, heard);
        expect(c.heard).toBeLessThanOrEqual(c.eligible);
        expect(c.eligible).toBeLessThanOrEqual(SLOTS_NOV);
        if (c.availability !== null) {
          expect(c.availability).toBeGreaterThanOrEqual(0);
          expect(c.availability).toBeLessThanOrEqual(1);
        } else expect(c.eligible).toBe(0);
      }),
    );
  });

  it('is monotonic: hearing the beacon in more slots never lowers it', () => {
    fc.assert(
      fc.property(caseArb, ({ reg, now, heard, more }) => {
        const a = countSlots(NOV.fromMs, NOV.toMs, reg, now, heard);
        const b = countSlots(NOV.fromMs, NOV.toMs, reg, now, [...heard, ...more]);
        expect(b.eligible).toBe(a.eligible);
        expect(b.heard).toBeGreaterThanOrEqual(a.heard);
        if (a.availability !== null) expect(b.availability ?? 0).toBeGreaterThanOrEqual(a.availability);
      }),
    );
  });

  it('never owes more slots when the beacon is registered later, or the report is made earlier', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(10 * 86_400_000), ({ reg, now }, d) => {
        const base = countSlots(NOV.fromMs, NOV.toMs, reg, now, []).eligible;
        expect(countSlots(NOV.fromMs, NOV.toMs, reg + d, now, []).eligible).toBeLessThanOrEqual(base);
        expect(countSlots(NOV.fromMs, NOV.toMs, reg, now - d, []).eligible).toBeLessThanOrEqual(base);
      }),
    );
  });
});

describe('availability CSV', () => {
  const report: AvailabilityReport = {
    month: '2026-11',
    slotMinutes: 5,
    computedAt: '2026-12-01T00:10:00.000Z',
    beacons: [
      {
        beaconId: 'eddystone:0102030405060708090a:0b0c0d0e0f10',
        name: 'Boulangerie "Le Fournil", entrée',
        shop: 'Le Fournil',
        registeredAt: '2026-10-01T08:00:00.000Z',
        eligible: 8640,
        heard: 8600,
        availability: 8600 / 8640,
      },
      {
        beaconId: 'eddystone:0102030405060708090a:0b0c0d0e0f11',
        name: 'Pharmacie',
        shop: null,
        registeredAt: '2026-12-01T00:05:00.000Z',
        eligible: 0,
        heard: 0,
        availability: null,
      },
    ],
    totals: { beacons: 2, eligible: 8640, heard: 8600, availability: 8600 / 8640 },
  };

  it('has the documented columns, one line per beacon and a TOTAL line, RFC 4180 quoting, CRLF', () => {
    const csv = availabilityCsv(report);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(AVAILABILITY_COLUMNS.join(','));
    expect(lines[1]).toBe(
      '2026-11,eddystone:0102030405060708090a:0b0c0d0e0f10,"Boulangerie ""Le Fournil"", entrée",Le Fournil,2026-10-01T08:00:00.000Z,8640,8600,40,99.54',
    );
    expect(lines[2]).toBe(
      '2026-11,eddystone:0102030405060708090a:0b0c0d0e0f11,Pharmacie,,2026-12-01T00:05:00.000Z,0,0,0,',
    );
    expect(lines[3]).toBe('2026-11,TOTAL,2 beacons,,,8640,8600,40,99.54');
    expect(lines[4]).toBe('');
  });

  it('French Excel dialect: BOM, `;` and decimal comma', () => {
    const csv = availabilityCsv(report, 'excel-fr');
    expect(csv.startsWith('\uFEFFmonth;beacon_id;')).toBe(true);
    expect(csv).toContain(';8640;8600;40;99,54\r\n');
  });

  it('percentages are rounded half up from integers', () => {
    expect(percent(1, 3)).toBe('33.33');
    expect(percent(2, 3)).toBe('66.67');
    expect(percent(1, 8)).toBe('12.50');
    expect(percent(5, 5)).toBe('100.00');
    expect(percent(0, 0)).toBe('');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.nat(100_000), (e, h0) => {
        const h = h0 % (e + 1);
        expect(Math.abs(Number(percent(h, e)) - (100 * h) / e)).toBeLessThanOrEqual(0.005 + 1e-9);
      }),
    );
  });
});
