import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPlacement,
  countReboots,
  distantStrongPairs,
  type SightingFact,
  type TelemetryFact,
} from '../../src/beacons/BeaconStatus.js';
import { DEFAULT_FLEET_RULES } from '../../src/beacons/FleetRules.js';
import { distanceM } from '../../src/beacons/geo.js';

const A = { gatewayId: 'gw-a', lat: 43.65, lon: 3.54 };
const north = (m: number) => ({ lat: A.lat + m / 111_195, lon: A.lon });
const T = Date.parse('2026-11-28T10:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

function sighting(gatewayId: string, endMs: number, distance: number | null, rssi = -70): SightingFact {
  return {
    gatewayId,
    windowStart: at(endMs - 10_000),
    windowEnd: at(endMs),
    rssiSmoothed: rssi,
    distanceM: distance,
    addressMismatch: false,
    address: 'C0:FF:EE:00:00:01',
  };
}

describe('geometry', () => {
  it('great-circle distance: 1° of latitude ≈ 111.2 km, symmetric, zero on itself', () => {
    expect(distanceM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195, -1);
    expect(distanceM(A, north(300))).toBeCloseTo(300, 0);
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -179, max: 179, noNaN: true }),
        (lat, lon) => {
          const p = { lat, lon };
          const q = { lat: lat + 0.01, lon: lon + 0.01 };
          expect(distanceM(p, p)).toBe(0);
          expect(distanceM(p, q)).toBeCloseTo(distanceM(q, p), 6);
        },
      ),
    );
  });
});

describe('cloud-side clone rule (two distant gateways, both close)', () => {
  const places = new Map([
    ['gw-a', A],
    ['gw-b', { gatewayId: 'gw-b', ...north(50) }],
    ['gw-far', { gatewayId: 'gw-far', ...north(400) }],
  ]);

  it('flags overlapping close sightings by gateways more than 100 m apart, only those', () => {
    expect(
      distantStrongPairs(
        [sighting('gw-a', T, 1), sighting('gw-far', T + 5000, 2)],
        places,
        DEFAULT_FLEET_RULES,
      ),
    ).toEqual([expect.objectContaining({ kind: 'distant-gateways', separationM: 400 })]);
    // 50 m apart: a beacon between two shops can be close to both in the estimate's noise
    expect(
      distantStrongPairs([sighting('gw-a', T, 1), sighting('gw-b', T, 1)], places, DEFAULT_FLEET_RULES),
    ).toEqual([]);
    // windows that do not overlap: the beacon may have been carried from one to the other
    expect(
      distantStrongPairs(
        [sighting('gw-a', T, 1), sighting('gw-far', T + 60_000, 1)],
        places,
        DEFAULT_FLEET_RULES,
      ),
    ).toEqual([]);
    // one of them not close
    expect(
      distantStrongPairs([sighting('gw-a', T, 1), sighting('gw-far', T, 8)], places, DEFAULT_FLEET_RULES),
    ).toEqual([]);
    // unknown gateway, no distance
    expect(
      distantStrongPairs([sighting('gw-x', T, 1), sighting('gw-far', T, null)], places, DEFAULT_FLEET_RULES),
    ).toEqual([]);
  });

  it('never flags sightings of one gateway, however many', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 600_000 }),
            d: fc.double({ min: 0, max: 10, noNaN: true }),
          }),
        ),
        (xs) => {
          expect(
            distantStrongPairs(
              xs.map((x) => sighting('gw-a', T + x.dt, x.d)),
              places,
              DEFAULT_FLEET_RULES,
            ),
          ).toEqual([]);
        },
      ),
    );
  });
});

describe('placement (moved)', () => {
  const gateways = [A, { gatewayId: 'gw-far', ...north(400) }];
  const beacon = north(10);

  it('is not moved when heard best by its nearest gateway at a consistent distance', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 4, max: 29, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (ds) => {
          const s = ds.map((d, i) => sighting('gw-a', T + i * 10_000, d, -70));
          expect(checkPlacement(beacon, s, gateways, DEFAULT_FLEET_RULES)?.movedBecause).toBeNull();
        },
      ),
    );
  });

  it('needs enough sightings for the distance rule, and leaves flagged windows out', () => {
    const two = [sighting('gw-a', T, 90), sighting('gw-a', T + 10_000, 90)];
    expect(checkPlacement(beacon, two, gateways, DEFAULT_FLEET_RULES)).toMatchObject({
      nearestEstimatedDistanceM: null,
      movedBecause: null,
    });
    const three = [...two, sighting('gw-a', T + 20_000, 90)];
    expect(checkPlacement(beacon, three, gateways, DEFAULT_FLEET_RULES)?.movedBecause).toBe(
      'distance-inconsistent',
    );
    const flagged = three.map((s) => ({ ...s, addressMismatch: true }));
    expect(checkPlacement(beacon, flagged, gateways, DEFAULT_FLEET_RULES)).toBeNull();
    expect(checkPlacement(beacon, three, [], DEFAULT_FLEET_RULES)).toBeNull();
  });
});

describe('reboots', () => {
  const report = (tsMs: number, uptimeS: number, rebooted = true): TelemetryFact => ({
    gatewayId: 'gw-a',
    ts: at(tsMs),
    batteryMv: 3000,
    uptimeS,
    rebooted,
    counterAnomaly: false,
  });

  it('counts reports of one boot (several gateways, later reports) once, and distinct boots apart', () => {
    expect(countReboots([], 120)).toEqual({ count: 0, lastAt: null });
    const r = countReboots(
      [
        report(T, 30),
        report(T + 2000, 32),
        report(T + 60_000, 90),
        report(T + 3_600_000, 10),
        report(T, 5000, false),
      ],
      120,
    );
    expect(r).toEqual({ count: 2, lastAt: at(T + 3_600_000 - 10_000) });
  });
});
