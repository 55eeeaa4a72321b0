import { RouteCommand, TruckStatus, UnloadAdvice } from '@releve/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiftDraft } from '../../src/truck/LiftCycle.js';
import { UnloadAdvisor, type UnloadAdvisorOptions } from '../../src/truck/UnloadAdvisor.js';

const OPTIONS: UnloadAdvisorOptions = {
  maxPayloadG: 10_000_000,
  bodyVolumeL: 20_000,
  unloadMarginG: 500_000,
  volumeMargin: 0.05,
  routeMarginG: 50_000,
  routeVolumeMargin: 0.02,
  unweighedAllowanceG: 30_000,
  compactedDensityKgM3: 350,
  unloadFullAbove: 0.2,
  unloadEmptyBelow: 0.05,
};

function draft(
  netWeightG: number | null,
  tagId: string | null = null,
  flags: LiftDraft['flags'] = [],
): LiftDraft {
  return {
    ts: '2026-11-28T07:00:06.000Z',
    truckId: 'truck-07',
    startedAt: '2026-11-28T07:00:00.000Z',
    tag: tagId ? { scheme: 'em4100', id: tagId } : null,
    grossWeightG: netWeightG === null ? null : netWeightG + 14_000,
    tareWeightG: netWeightG === null ? null : 14_000,
    netWeightG,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags,
    tripSeq: 1,
    position: null,
  };
}

const tagOf = (i: number) => i.toString(16).toUpperCase().padStart(10, '0');

function route(weights: number[], routeId = 'r-1'): RouteCommand {
  return RouteCommand.parse({
    version: 1,
    issuedAt: '2026-11-28T05:00:00.000Z',
    routeId,
    date: '2026-11-28',
    stops: weights.map((w, i) => ({ order: i + 1, tagId: tagOf(i + 1), volumeL: 240, expectedWeightG: w })),
  });
}

describe('UnloadAdvisor without a route', () => {
  it('sums net lifts, flagged ones included when weighed, and advises within the margin', () => {
    const a = new UnloadAdvisor(OPTIONS);
    expect(a.advice()).toEqual({ action: 'continue', reason: 'capacity-available', binsUntilFull: null });
    a.lift(draft(4000, null, ['no-tag', 'below-minimum']));
    a.lift(draft(96_000, tagOf(1)));
    const s = a.snapshot();
    expect(s).toMatchObject({ tripSeq: 1, liftsThisTrip: 2, payloadG: 100_000, weightFill: 0.01 });
    expect(s.advice).toEqual({ action: 'continue', reason: 'capacity-available', binsUntilFull: 188 });
    a.lift(draft(9_400_000));
    expect(a.advice()).toEqual({ action: 'unload', reason: 'weight-margin', binsUntilFull: 0 });
    a.lift(draft(500_000));
    expect(a.advice()).toEqual({ action: 'unload', reason: 'over-payload', binsUntilFull: 0 });
    expect(UnloadAdvice.parse(a.advice())).toBeTruthy();
  });

  it('adds an allowance, not a weight, for lifts the instrument could not weigh', () => {
    const a = new UnloadAdvisor({ ...OPTIONS, unloadMarginG: 0 });
    a.lift(draft(9_980_000));
    expect(a.advice().action).toBe('continue');
    a.lift(draft(null, tagOf(2), ['unstable']));
    expect(a.snapshot().payloadG).toBe(9_980_000);
    expect(a.advice()).toMatchObject({ action: 'unload', reason: 'over-payload' });
  });

  it('advises on volume from the compactor fill', () => {
    const a = new UnloadAdvisor(OPTIONS);
    a.volume(0.94);
    expect(a.advice().action).toBe('continue');
    a.volume(0.95);
    expect(a.advice()).toMatchObject({ action: 'unload', reason: 'volume-margin' });
  });

  it('detects the unload when the fill falls to ~0 after a load, and starts a new trip', () => {
    const a = new UnloadAdvisor(OPTIONS);
    a.lift(draft(100_000));
    expect(a.volume(0.03)).toBe(false);
    expect(a.volume(0.1)).toBe(false);
    expect(a.volume(0.04)).toBe(false);
    expect(a.volume(0.6)).toBe(false);
    expect(a.volume(0.02)).toBe(true);
    expect(a.snapshot()).toMatchObject({ tripSeq: 2, liftsThisTrip: 0, payloadG: 0, volumeFill: 0.02 });
    expect(a.volume(0.01)).toBe(false);
    // The button pressed for the same unload: nothing lifted since, no new trip.
    expect(a.unloaded()).toBe(false);
    a.lift(draft(20_000));
    expect(a.unloaded()).toBe(true);
    expect(a.snapshot().tripSeq).toBe(3);
    expect(a.health.unloads).toBe(2);
  });

  it('counts an unload of a partly filled body (tailgate raised), and the fill drop after it makes no second trip', () => {
    const a = new UnloadAdvisor(OPTIONS);
    a.lift(draft(40_000));
    a.lift(draft(35_000));
    expect(a.volume(0.12)).toBe(false);
    // The fill never passed unloadFullAbove: its fall alone cannot tell the unload.
    expect(a.volume(0.01)).toBe(false);
    expect(a.volume(0.12)).toBe(false);
    expect(a.unloaded()).toBe(true);
    expect(a.snapshot()).toMatchObject({
      tripSeq: 2,
      liftsThisTrip: 0,
      payloadG: 0,
      weightFill: 0,
      volumeFill: 0,
    });
    expect(a.advice()).toEqual({ action: 'continue', reason: 'capacity-available', binsUntilFull: null });
    // The first stroke of the new trip, into the emptied body: the same trip goes on.
    a.lift(draft(20_000));
    expect(a.volume(0.01)).toBe(false);
    expect(a.snapshot()).toMatchObject({ tripSeq: 2, liftsThisTrip: 1, payloadG: 20_000 });
  });

  it('survives a restart through its trip state', () => {
    const a = new UnloadAdvisor(OPTIONS);
    a.setRoute(route([50_000, 50_000, 50_000]));
    a.lift(draft(48_000, tagOf(1)));
    const b = new UnloadAdvisor(OPTIONS, JSON.parse(JSON.stringify(a.tripState)));
    b.setRoute(route([50_000, 50_000, 50_000]));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.nextStops().map((s) => s.order)).toEqual([2, 3]);
  });
});

describe('UnloadAdvisor with a route', () => {
  it('advises unloading when the next expected bin would pass the payload', () => {
    const a = new UnloadAdvisor({ ...OPTIONS, maxPayloadG: 1_000_000 });
    a.setRoute(route([400_000, 400_000, 300_000, 10_000]));
    expect(a.advice()).toEqual({ action: 'continue', reason: 'capacity-available', binsUntilFull: 2 });
    a.lift(draft(410_000, tagOf(1)));
    a.lift(draft(400_000, tagOf(2)));
    expect(a.advice()).toEqual({ action: 'unload', reason: 'weight-next-bins', binsUntilFull: 0 });
    a.unloaded();
    expect(a.advice()).toEqual({ action: 'continue', reason: 'capacity-available', binsUntilFull: 2 });
    a.lift(draft(300_000, tagOf(3)));
    a.lift(draft(9000, tagOf(4)));
    expect(a.advice()).toEqual({ action: 'unload', reason: 'route-done', binsUntilFull: 0 });
  });

  it('advises unloading when the next bins would pass the body volume', () => {
    const a = new UnloadAdvisor(OPTIONS);
    a.setRoute(route(Array.from({ length: 50 }, () => 100_000)));
    for (let i = 1; i <= 20; i++) a.lift(draft(100_000, tagOf(i)));
    a.volume(0.9); // 2 t gave 0.9: each 100 kg bin adds 0.045
    expect(a.advice()).toEqual({ action: 'continue', reason: 'capacity-available', binsUntilFull: 1 });
    a.lift(draft(100_000, tagOf(21)));
    a.volume(0.945);
    expect(a.advice()).toEqual({ action: 'unload', reason: 'volume-next-bins', binsUntilFull: 0 });
  });

  it('follows the route by tag, skips bins not put out, and counts tags not on the route', () => {
    const a = new UnloadAdvisor(OPTIONS);
    a.setRoute(route([1, 2, 3, 4, 5]));
    expect(a.lift(draft(10_000, tagOf(3)))).toBe(true);
    expect(a.nextStops().map((s) => s.order)).toEqual([4, 5]);
    expect(a.lift(draft(10_000, 'ABCDEF0123'))).toBe(false);
    expect(a.lift(draft(10_000, null, ['no-tag']))).toBeNull();
    expect(a.nextStops().map((s) => s.order)).toEqual([5]);
    expect(a.health.tagsNotOnRoute).toBe(1);
    a.setRoute(route([1, 2], 'r-2'));
    expect(a.nextStops().map((s) => s.order)).toEqual([1, 2]);
  });
});

const optionsArb = fc.record({
  maxPayloadG: fc.integer({ min: 1_000_000, max: 14_000_000 }),
  routeMarginG: fc.integer({ min: 0, max: 200_000 }),
  unloadMarginG: fc.integer({ min: 0, max: 1_000_000 }),
  volumeMargin: fc.double({ min: 0, max: 0.2, noNaN: true }),
  routeVolumeMargin: fc.double({ min: 0, max: 0.2, noNaN: true }),
});
const liftArb = fc.record({
  net: fc.option(fc.integer({ min: -20_000, max: 400_000 }), { nil: null, freq: 8 }),
  stop: fc.integer({ min: 1, max: 60 }),
});

describe('UnloadAdvisor properties', () => {
  it('never advises continuing at or past the legal payload; never unloading while the next bin fits', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 0, maxLength: 60 }),
        fc.array(liftArb, { maxLength: 120 }),
        fc.option(fc.double({ min: 0, max: 1.2, noNaN: true }), { nil: null }),
        fc.boolean(),
        (o, weights, lifts, fill, withRoute) => {
          const a = new UnloadAdvisor({ ...OPTIONS, ...o });
          if (withRoute) a.setRoute(route(weights));
          for (const l of lifts) {
            a.lift(draft(l.net, tagOf(l.stop)));
            const s = a.snapshot();
            TruckStatus.shape.advice.parse(s.advice);
            const load = a.tripState.payloadG + a.tripState.unweighedG;
            if (s.payloadG >= o.maxPayloadG || load >= o.maxPayloadG) expect(s.advice.action).toBe('unload');
            const next = a.nextStops()[0];
            if (withRoute && next && s.advice.action === 'unload') {
              // Unloading is only advised when the next bin does not fit with its margin.
              const weightFits = load + next.expectedWeightG <= o.maxPayloadG - o.routeMarginG;
              expect(weightFits).toBe(false);
            }
            if (withRoute && next && load + next.expectedWeightG <= o.maxPayloadG - o.routeMarginG) {
              expect(s.advice.action).toBe('continue');
            }
          }
          a.volume(fill);
          const s = a.snapshot();
          if (s.payloadG >= o.maxPayloadG) expect(s.advice.action).toBe('unload');
          if (s.advice.action === 'continue') expect(s.advice.binsUntilFull ?? 0).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with the compactor fill: unload on volume only when the next bin would not fit, never too early', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(fc.integer({ min: 1000, max: 300_000 }), { minLength: 2, maxLength: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (o, weights, served, fill) => {
          const a = new UnloadAdvisor({ ...OPTIONS, ...o });
          a.setRoute(route(weights));
          // Enough on board (≥ 100 kg) for the trip's own fill-per-kg to be used.
          a.lift(draft(100_000 + served * 1000, tagOf(1)));
          a.volume(fill);
          const next = a.nextStops()[0];
          const load = a.tripState.payloadG + a.tripState.unweighedG;
          const advice = a.advice();
          if (!next) return;
          const weightFits = load + next.expectedWeightG <= o.maxPayloadG - o.routeMarginG;
          const volumeFits = fill + next.expectedWeightG * (fill / load) <= 1 - o.routeVolumeMargin;
          if (load < o.maxPayloadG && weightFits && volumeFits) expect(advice.action).toBe('continue');
          if (advice.reason === 'volume-next-bins') expect(volumeFits).toBe(false);
          if (advice.reason === 'weight-next-bins') expect(weightFits).toBe(false);
          if (load >= o.maxPayloadG)
            expect(advice).toMatchObject({ action: 'unload', reason: 'over-payload' });
        },
      ),
      { numRuns: 300 },
    );
  });
});
