import { randomUUID } from 'node:crypto';
import { LiftEvent } from '@releve/shared';
import type { TagRead, WeightReading } from '@releve/shared/protocols/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiftCycle, type LiftCycleOptions, type LiftDraft } from '../../src/truck/LiftCycle.js';
import type { LifterSignal } from '../../src/truck/LifterSignal.js';

const T0 = Date.parse('2026-11-28T07:00:00.000Z');
const OPTIONS: LiftCycleOptions = {
  truckId: 'truck-07',
  scaleIntervalG: 500,
  minimumG: 5000,
  tagGraceMs: 3000,
  maxCycleMs: 60_000,
  clockJumpMs: 2000,
};
const TAG: TagRead = { scheme: 'em4100', id: '100086F444' };
const OTHER: TagRead = { scheme: 'fdx-b', id: '250-000001088420' };

const stable = (weightG: number): WeightReading => ({
  status: 'stable',
  mode: 'gross',
  weightG,
  resolutionG: 500,
});
const motion = (weightG: number): WeightReading => ({
  status: 'motion',
  mode: 'gross',
  weightG,
  resolutionG: 500,
});

/** Drives one lift: tag, gross readings, tip, tare readings, release. */
function lift(
  cycle: LiftCycle,
  t: number,
  opts: { tag?: TagRead | null; gross?: WeightReading[]; tare?: WeightReading[] } = {},
): LiftDraft[] {
  const out: LiftDraft[] = [];
  out.push(...cycle.lifter({ signal: 'hooked', at: t }));
  if (opts.tag !== null) cycle.tag(opts.tag ?? TAG, t + 100);
  for (const [i, r] of (opts.gross ?? [motion(80_000), stable(84_500)]).entries())
    cycle.weight(r, t + 200 + i);
  out.push(...cycle.lifter({ signal: 'tipped', at: t + 2000 }));
  out.push(...cycle.lifter({ signal: 'returned', at: t + 4000 }));
  for (const [i, r] of (opts.tare ?? [motion(20_000), stable(14_000)]).entries())
    cycle.weight(r, t + 4100 + i);
  out.push(...cycle.lifter({ signal: 'released', at: t + 6000 }));
  return out;
}

/** The draft completed into a contract event, as the outbox would. */
const asEvent = (d: LiftDraft, seq = 1) => LiftEvent.parse({ ...d, id: randomUUID(), seq });

describe('LiftCycle', () => {
  it('books net = last stable gross − last stable tare with the tag, times in UTC ms', () => {
    const c = new LiftCycle(OPTIONS);
    c.setTrip(3);
    const [d, ...rest] = lift(c, T0);
    expect(rest).toHaveLength(0);
    expect(asEvent(d!)).toMatchObject({
      truckId: 'truck-07',
      startedAt: '2026-11-28T07:00:00.000Z',
      ts: '2026-11-28T07:00:06.000Z',
      tag: { scheme: 'em4100', id: '100086F444' },
      grossWeightG: 84_500,
      tareWeightG: 14_000,
      netWeightG: 70_500,
      flags: [],
      tripSeq: 3,
      scaleIntervalG: 500,
      minimumG: 5000,
    });
    expect(c.state).toBe('idle');
  });

  it('takes the last stable reading of the window, ignoring later motion', () => {
    const c = new LiftCycle(OPTIONS);
    const [d] = lift(c, T0, {
      gross: [stable(50_000), stable(51_000), motion(90_000)],
      tare: [stable(9000), motion(1)],
    });
    expect(d).toMatchObject({ grossWeightG: 51_000, tareWeightG: 9000, netWeightG: 42_000, flags: [] });
  });

  it('ignores readings outside the weighing windows (while tipping, while idle)', () => {
    const c = new LiftCycle(OPTIONS);
    c.weight(stable(1_000_000), T0 - 10);
    c.lifter({ signal: 'hooked', at: T0 });
    c.tag(TAG, T0);
    c.weight(stable(60_000), T0 + 1);
    c.lifter({ signal: 'tipped', at: T0 + 2 });
    c.weight(stable(999_000), T0 + 3);
    c.lifter({ signal: 'returned', at: T0 + 4 });
    c.weight(stable(10_000), T0 + 5);
    const [d] = c.lifter({ signal: 'released', at: T0 + 6 });
    expect(d?.netWeightG).toBe(50_000);
  });

  it('ignores a reading taken after the closing edge but processed before it (debounced sensor)', () => {
    const c = new LiftCycle(OPTIONS);
    c.lifter({ signal: 'hooked', at: T0 });
    c.tag(TAG, T0);
    c.weight(stable(60_000), T0 + 1000);
    c.lifter({ signal: 'tipped', at: T0 + 2000 });
    c.lifter({ signal: 'returned', at: T0 + 3000 });
    c.weight(stable(14_000), T0 + 4000);
    // The clamp opened at T0 + 5000; the empty lifter's 0 kg arrived before the debounced edge.
    c.weight(stable(0), T0 + 5010);
    const [d] = c.lifter({ signal: 'released', at: T0 + 5000 });
    expect(d).toMatchObject({ tareWeightG: 14_000, netWeightG: 46_000, flags: [] });
  });

  it('flags unstable and keeps weights null when the indicator never stabilises', () => {
    const c = new LiftCycle(OPTIONS);
    const [d] = lift(c, T0, { gross: [motion(80_000), motion(81_000)] });
    expect(d).toMatchObject({
      grossWeightG: null,
      tareWeightG: 14_000,
      netWeightG: null,
      flags: ['unstable'],
    });
    expect(c.health.liftsUnstable).toBe(1);
  });

  it('flags no-tag, below-minimum, negative-net and overload', () => {
    const c = new LiftCycle(OPTIONS);
    const [noTag] = lift(c, T0, { tag: null });
    expect(noTag?.flags).toEqual(['no-tag']);
    const [small] = lift(c, T0 + 10_000, { gross: [stable(18_000)], tare: [stable(14_000)] });
    expect(small).toMatchObject({ netWeightG: 4000, flags: ['below-minimum'] });
    const [exactMin] = lift(c, T0 + 20_000, { gross: [stable(19_000)], tare: [stable(14_000)] });
    expect(exactMin?.flags).toEqual([]);
    const [neg] = lift(c, T0 + 30_000, { gross: [stable(14_000)], tare: [stable(15_000)] });
    expect(neg).toMatchObject({ netWeightG: -1000, flags: ['negative-net'] });
    const over: WeightReading = { status: 'overload', mode: 'gross', weightG: null, resolutionG: 500 };
    const [ol] = lift(c, T0 + 40_000, { gross: [over] });
    expect(ol).toMatchObject({ grossWeightG: null, flags: ['unstable', 'overload'] });
    expect(c.health).toMatchObject({ lifts: 5, liftsNoTag: 1, liftsBelowMinimum: 1, liftsNegativeNet: 1 });
    for (const d of [noTag, small, exactMin, neg, ol]) asEvent(d!);
  });

  it('counts repeated reads of one tag as one tag, a different second tag as a conflict', () => {
    const c = new LiftCycle(OPTIONS);
    c.lifter({ signal: 'hooked', at: T0 });
    for (let i = 0; i < 40; i++) c.tag(TAG, T0 + i * 50);
    c.tag(OTHER, T0 + 2100);
    c.weight(stable(30_000), T0 + 2200);
    c.lifter({ signal: 'tipped', at: T0 + 3000 });
    c.lifter({ signal: 'returned', at: T0 + 4000 });
    c.weight(stable(10_000), T0 + 4200);
    const [d] = c.lifter({ signal: 'released', at: T0 + 5000 });
    expect(d?.tag).toEqual(TAG);
    expect(c.health.tagConflicts).toBe(1);
  });

  it('attaches a tag read within the grace window before hooked, not one read earlier', () => {
    const c = new LiftCycle(OPTIONS);
    c.tag(TAG, T0 - 2500);
    const [withTag] = lift(c, T0, { tag: null });
    expect(withTag?.tag).toEqual(TAG);
    c.tag(OTHER, T0 + 10_000);
    const [late] = lift(c, T0 + 13_001, { tag: null });
    expect(late?.tag).toBeNull();
    expect(c.health.tagsWithoutLift).toBe(1);
  });

  it('prefers the tag read in the clamp to a neighbour read just before hooking', () => {
    const c = new LiftCycle(OPTIONS);
    c.tag(OTHER, T0 - 200);
    const [d] = lift(c, T0, { tag: TAG });
    expect(d?.tag).toEqual(TAG);
    expect(c.health).toMatchObject({ tagConflicts: 0, tagsWithoutLift: 1 });
  });

  it('counts a tag with no lift once per passage, when it expires', () => {
    const c = new LiftCycle(OPTIONS);
    for (let i = 0; i < 20; i++) c.tag(TAG, T0 + i * 50);
    expect(c.tick(T0 + 2000)).toEqual([]);
    expect(c.health.tagsWithoutLift).toBe(0);
    c.tick(T0 + 10_000);
    expect(c.health.tagsWithoutLift).toBe(1);
    expect(c.health.lifts).toBe(0);
  });

  it('books nothing when the bin is hooked and released without tipping', () => {
    const c = new LiftCycle(OPTIONS);
    c.lifter({ signal: 'hooked', at: T0 });
    c.tag(TAG, T0 + 10);
    expect(c.lifter({ signal: 'released', at: T0 + 1000 })).toEqual([]);
    expect(c.health.liftsAborted).toBe(1);
    // The driver hooks the same bin again at once: its tag still belongs to it.
    const [d] = lift(c, T0 + 1500, { tag: null });
    expect(d?.tag).toEqual(TAG);
  });

  it('closes a cycle whose release never comes, and counts it', () => {
    const c = new LiftCycle(OPTIONS);
    c.lifter({ signal: 'hooked', at: T0 });
    c.tag(TAG, T0);
    c.weight(stable(40_000), T0 + 1);
    c.lifter({ signal: 'tipped', at: T0 + 2 });
    expect(c.tick(T0 + 30_000)).toEqual([]);
    const [d] = c.tick(T0 + 60_001);
    expect(d).toMatchObject({ grossWeightG: 40_000, tareWeightG: null, flags: ['unstable'] });
    expect(c.health.cyclesTimedOut).toBe(1);
  });

  it('handles missed sensor edges with a defined outcome', () => {
    const c = new LiftCycle(OPTIONS);
    expect(c.lifter({ signal: 'released', at: T0 })).toEqual([]);
    expect(c.lifter({ signal: 'returned', at: T0 })).toEqual([]);
    // Missed `released`: the next `hooked` books the open cycle first.
    c.lifter({ signal: 'hooked', at: T0 + 10 });
    c.tag(TAG, T0 + 10);
    c.weight(stable(30_000), T0 + 11);
    c.lifter({ signal: 'tipped', at: T0 + 12 });
    c.lifter({ signal: 'returned', at: T0 + 13 });
    c.weight(stable(10_000), T0 + 14);
    const [prev] = c.lifter({ signal: 'hooked', at: T0 + 20 });
    expect(prev?.netWeightG).toBe(20_000);
    // Missed `tipped`: `returned` freezes the gross window.
    c.weight(stable(25_000), T0 + 21);
    c.lifter({ signal: 'returned', at: T0 + 22 });
    c.weight(stable(5000), T0 + 23);
    const [d] = c.lifter({ signal: 'released', at: T0 + 24 });
    expect(d?.netWeightG).toBe(20_000);
    expect(c.health.lifterSequenceErrors).toBe(4);
  });

  it('restarts the tare window when the bin is shaken twice at the top', () => {
    const c = new LiftCycle(OPTIONS);
    c.lifter({ signal: 'hooked', at: T0 });
    c.tag(TAG, T0);
    c.weight(stable(60_000), T0 + 1);
    c.lifter({ signal: 'tipped', at: T0 + 2 });
    c.lifter({ signal: 'returned', at: T0 + 3 });
    c.weight(stable(30_000), T0 + 4);
    c.lifter({ signal: 'tipped', at: T0 + 5 });
    c.lifter({ signal: 'returned', at: T0 + 6 });
    c.weight(stable(12_000), T0 + 7);
    const [d] = c.lifter({ signal: 'released', at: T0 + 8 });
    expect(d).toMatchObject({ tareWeightG: 12_000, netWeightG: 48_000, flags: [] });
    expect(c.health.lifterSequenceErrors).toBe(0);
  });

  it('flags clock-unsynced on a clock jump during the cycle, and while the clock is untrusted', () => {
    const c = new LiftCycle(OPTIONS);
    expect(c.observeClock(T0, 1000)).toBe(false);
    expect(c.observeClock(T0 + 500, 1400)).toBe(false);
    c.lifter({ signal: 'hooked', at: T0 + 600 });
    expect(c.observeClock(T0 + 3_600_000, 1700)).toBe(true);
    c.tag(TAG, T0 + 3_600_000);
    c.weight(stable(30_000), T0 + 3_600_001);
    c.lifter({ signal: 'tipped', at: T0 + 3_600_002 });
    c.lifter({ signal: 'returned', at: T0 + 3_600_003 });
    c.weight(stable(10_000), T0 + 3_600_004);
    const [jumped] = c.lifter({ signal: 'released', at: T0 + 3_600_005 });
    expect(jumped?.flags).toEqual(['clock-unsynced']);
    const [after] = lift(c, T0 + 3_700_000);
    expect(after?.flags).toEqual([]);
    c.setClockTrusted(false);
    const [untrusted] = lift(c, T0 + 3_800_000);
    expect(untrusted?.flags).toEqual(['clock-unsynced']);
    expect(c.health).toMatchObject({ clockJumps: 1, liftsClockUnsynced: 2 });
  });

  it('does not compute a net across an indicator mode switch', () => {
    const c = new LiftCycle(OPTIONS);
    const [d] = lift(c, T0, { tare: [{ status: 'stable', mode: 'net', weightG: 0, resolutionG: 500 }] });
    expect(d).toMatchObject({ netWeightG: null, flags: ['unstable'] });
    expect(c.health.modeSwitches).toBe(1);
  });

  it('keeps the position of the hook time and the side', () => {
    const c = new LiftCycle({ ...OPTIONS, side: 'rear' });
    c.setPosition({ lat: 43.65, lon: 3.55 });
    c.lifter({ signal: 'hooked', at: T0 });
    c.setPosition({ lat: 44, lon: 4 });
    c.tag(TAG, T0);
    c.lifter({ signal: 'tipped', at: T0 + 1 });
    c.lifter({ signal: 'returned', at: T0 + 2 });
    const [d] = c.lifter({ signal: 'released', at: T0 + 3 });
    expect(d).toMatchObject({ position: { lat: 43.65, lon: 3.55 }, side: 'rear' });
  });
});

const signalArb = fc.constantFrom<LifterSignal>('hooked', 'tipped', 'returned', 'released');
const readingArb: fc.Arbitrary<WeightReading> = fc.record({
  status: fc.constantFrom('stable', 'motion', 'overload', 'underload'),
  mode: fc.constantFrom('gross', 'net'),
  weightG: fc.option(fc.integer({ min: -50_000, max: 600_000 }), { nil: null }),
  resolutionG: fc.constantFrom(100, 200, 500),
});
const inputArb = fc.oneof(
  fc.record({ kind: fc.constant('lifter' as const), signal: signalArb }),
  fc.record({ kind: fc.constant('tag' as const), tag: fc.constantFrom(TAG, OTHER) }),
  fc.record({ kind: fc.constant('weight' as const), reading: readingArb }),
  fc.record({ kind: fc.constant('tick' as const) }),
  fc.record({ kind: fc.constant('clock' as const), driftMs: fc.integer({ min: -10_000, max: 10_000 }) }),
);

describe('LiftCycle properties', () => {
  it('never throws and only books contract-valid lifts whose flags match their weights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(inputArb, fc.integer({ min: 0, max: 20_000 })), { maxLength: 200 }),
        (steps) => {
          const c = new LiftCycle(OPTIONS);
          let t = T0;
          let drift = 0;
          const booked: LiftDraft[] = [];
          for (const [input, dt] of steps) {
            t += dt;
            switch (input.kind) {
              case 'lifter':
                booked.push(...c.lifter({ signal: input.signal, at: t }));
                break;
              case 'tag':
                c.tag(input.tag, t);
                break;
              case 'weight':
                c.weight(input.reading, t);
                break;
              case 'tick':
                booked.push(...c.tick(t));
                break;
              case 'clock':
                drift += input.driftMs;
                c.observeClock(t + drift, t - T0);
                break;
            }
          }
          for (const d of booked) {
            asEvent(d);
            expect(d.flags.includes('no-tag')).toBe(d.tag === null);
            if (d.grossWeightG === null || d.tareWeightG === null) expect(d.flags).toContain('unstable');
            if (d.netWeightG !== null) {
              expect(d.netWeightG).toBe((d.grossWeightG ?? Number.NaN) - (d.tareWeightG ?? Number.NaN));
              expect(d.flags.includes('negative-net')).toBe(d.netWeightG < 0);
              expect(d.flags.includes('below-minimum')).toBe(
                d.netWeightG >= 0 && d.netWeightG < OPTIONS.minimumG,
              );
            }
          }
          expect(c.health.lifts).toBe(booked.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('books exactly the last stable gross and tare of each well-formed cycle', () => {
    const windowArb = fc.array(
      fc.record({ stable: fc.boolean(), weightG: fc.integer({ min: 0, max: 500_000 }) }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(windowArb, windowArb), { minLength: 1, maxLength: 10 }), (cycles) => {
        const c = new LiftCycle(OPTIONS);
        cycles.forEach(([gross, tare], i) => {
          const toReading = (w: { stable: boolean; weightG: number }) =>
            w.stable ? stable(w.weightG) : motion(w.weightG);
          const [d] = lift(c, T0 + i * 10_000, { gross: gross.map(toReading), tare: tare.map(toReading) });
          const g = gross.filter((w) => w.stable).at(-1)?.weightG ?? null;
          const ta = tare.filter((w) => w.stable).at(-1)?.weightG ?? null;
          expect(d?.grossWeightG).toBe(g);
          expect(d?.tareWeightG).toBe(ta);
          expect(d?.netWeightG).toBe(g !== null && ta !== null ? g - ta : null);
          expect(d?.tag).toEqual(TAG);
        });
        expect(c.health.lifts).toBe(cycles.length);
      }),
      { numRuns: 200 },
    );
  });
});
