import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The page module, loaded as the browser loads it (plain JS: typed here by what the tests use). */
interface Figures {
  expectedTonnage(
    trucks: Iterable<unknown>,
    lifts: unknown[],
    dayStartMs: number,
  ): { onBoard: number; delivered: number; total: number };
  fillPoints(truck: unknown, lifts: unknown[], dayStartMs: number): [number, number][];
}
const modulePath = '../../src/web/assets/pages/dispatchFigures.js';
const figures = (await import(modulePath)) as Figures;

const DAY = Date.parse('2026-11-28T00:00:00.000Z');
const MAX = 9_000_000;

const liftArb = fc.record({
  truckId: fc.constantFrom('truck-01', 'truck-02'),
  tripSeq: fc.integer({ min: 1, max: 4 }),
  netWeightG: fc.option(fc.integer({ min: -2000, max: 400_000 }), { nil: null }),
  offsetMs: fc.integer({ min: 0, max: 86_399_000 }),
});

type RawLift = { truckId: string; tripSeq: number; netWeightG: number | null; offsetMs: number };

function scenario(raw: RawLift[], currentTrip: number, payloadG: number) {
  const lifts = raw
    .map((l, i) => ({
      id: String(i),
      truckId: l.truckId,
      tripSeq: l.tripSeq,
      netWeightG: l.netWeightG,
      startedAt: new Date(DAY + l.offsetMs).toISOString(),
    }))
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
  const truck = {
    truckId: 'truck-01',
    status: {
      ts: new Date(DAY + 86_399_500).toISOString(),
      tripSeq: currentTrip,
      payloadG,
      maxPayloadG: MAX,
      weightFill: payloadG / MAX,
    },
  };
  return { lifts, truck };
}

describe('dispatcher figures', () => {
  it('expects at the site what is on board plus every weighed lift of the trips already unloaded', () => {
    fc.assert(
      fc.property(
        fc.array(liftArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: MAX }),
        (raw, trip, payload) => {
          const { lifts, truck } = scenario(raw, trip, payload);
          const r = figures.expectedTonnage([truck], lifts, DAY);
          const delivered = lifts
            .filter((l) => l.truckId === 'truck-01' && l.tripSeq < trip && (l.netWeightG ?? 0) > 0)
            .reduce((s, l) => s + (l.netWeightG ?? 0), 0);
          expect(r).toEqual({ onBoard: payload, delivered, total: payload + delivered });
        },
      ),
    );
  });

  it('ignores a status of an earlier day: nothing is on board today, every trip counts as unloaded', () => {
    const truck = {
      truckId: 'truck-01',
      status: { ts: new Date(DAY - 1000).toISOString(), tripSeq: 1, payloadG: 5000 },
    };
    const lifts = [
      { truckId: 'truck-01', tripSeq: 1, netWeightG: 20_000, startedAt: new Date(DAY + 1000).toISOString() },
    ];
    expect(figures.expectedTonnage([truck], lifts, DAY)).toEqual({
      onBoard: 0,
      delivered: 20_000,
      total: 20_000,
    });
  });

  it('draws the fill through the day in time order, from empty, back to empty at each new trip', () => {
    fc.assert(
      fc.property(fc.array(liftArb, { maxLength: 60 }), fc.integer({ min: 0, max: MAX }), (raw, payload) => {
        const { lifts, truck } = scenario(raw, 5, payload);
        const points = figures.fillPoints(truck, lifts, DAY);
        expect(points[0]?.[1]).toBe(0);
        for (let i = 1; i < points.length; i++)
          expect(points[i]![0]).toBeGreaterThanOrEqual(points[i - 1]![0]);
        // The last point is the latest status; lift points are the running sum of their trip.
        expect(points.at(-1)).toEqual([Date.parse(truck.status.ts), payload / MAX]);
        const own = lifts.filter((l) => l.truckId === 'truck-01');
        let trip: number | null = null;
        let load = 0;
        for (const l of own) {
          if (l.tripSeq !== trip) {
            trip = l.tripSeq;
            load = 0;
          }
          load += l.netWeightG ?? 0;
          expect(points).toContainEqual([Date.parse(l.startedAt), load / MAX]);
        }
      }),
    );
  });
});
