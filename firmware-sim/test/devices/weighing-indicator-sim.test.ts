/** WeighingIndicatorSim output, read back by the shared decoders. */
import { bytesOf } from '@releve/shared/protocols/byte-stream';
import { MT_SICS_POLL } from '@releve/shared/protocols/mt-sics';
import type { WeightReading } from '@releve/shared/protocols/types';
import { describe, expect, it } from 'vitest';
import { liftLoadScenario, playLoadScenario } from '../../src/devices/LoadScenario.js';
import { type IndicatorProtocol, WeighingIndicatorSim } from '../../src/devices/WeighingIndicatorSim.js';
import { virtualClock, wire } from './device-harness.js';

const GROSS_G = 96_500; // a 240 L bin at its rated load, on e = 0.5 kg
const TARE_G = 12_000;

/** Consecutive equal values collapsed. */
function runs<T>(xs: T[]): T[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

const CONTINUOUS: {
  protocol: IndicatorProtocol;
  address?: string;
  decoder: 'st-gs' | 'toledo' | 'toledo-checksum';
  resolutionG: number;
}[] = [
  { protocol: 'st-gs', decoder: 'st-gs', resolutionG: 100 }, // "0096.5": one decimal shown
  { protocol: 'st-gs', address: '07', decoder: 'st-gs', resolutionG: 100 },
  { protocol: 'toledo', decoder: 'toledo', resolutionG: 500 }, // SWA carries the ×5 increment
  { protocol: 'toledo-checksum', decoder: 'toledo-checksum', resolutionG: 500 },
];

describe.each(CONTINUOUS.map((c) => [`${c.protocol}${c.address ? ` @${c.address}` : ''}`, c] as const))(
  'WeighingIndicatorSim %s',
  (_label, c) => {
    function setup(options: { neverStabilises?: boolean } = {}) {
      const clock = virtualClock();
      const sim = new WeighingIndicatorSim({ protocol: c.protocol, address: c.address, clock, ...options });
      const w = wire<WeightReading>(sim, c.decoder, clock);
      sim.start();
      return { clock, sim, w };
    }

    it('streams 10 frames/s that decode to exactly what the indicator showed, through a whole lift', () => {
      const { clock, sim, w } = setup();
      playLoadScenario(sim, liftLoadScenario({ grossG: GROSS_G, tareG: TARE_G }), clock);
      clock.advance(10_000);
      sim.stop();
      expect(w.decoder.stats).toEqual({ frames: 100, badFrames: 0, noiseBytes: 0 });
      const sent = sim.sent.all();
      expect(w.good().map((r) => [r.status, r.weightG])).toEqual(sent.map((s) => [s.status, s.weightG]));
      expect(w.good().every((r) => r.resolutionG === c.resolutionG && r.mode === 'gross')).toBe(true);
      // Stable readings: gross, then tare, then the empty lifter; motion in between.
      const stable = w
        .good()
        .filter((r) => r.status === 'stable')
        .map((r) => r.weightG);
      expect(runs(stable)).toEqual([GROSS_G, TARE_G, 0]);
      expect(w.good().filter((r) => r.status === 'motion').length).toBeGreaterThan(20);
      expect(w.good().every((r) => (r.weightG ?? 0) % 500 === 0)).toBe(true);
    });

    it('reports overload above Max + 9 e and underload below −20 e, with no weight', () => {
      const { clock, sim, w } = setup();
      sim.setLoad(504_500, true); // Max + 9 e exactly: still a weight
      clock.advance(100);
      sim.setLoad(505_000, true);
      clock.advance(100);
      sim.setLoad(-10_500, true);
      clock.advance(100);
      sim.stop();
      expect(w.good().map((r) => [r.status, r.weightG])).toEqual([
        ['stable', 504_500],
        ['overload', null],
        ['underload', null],
      ]);
    });

    it('in never-stabilises mode, shows motion only, even for a settled load', () => {
      const { clock, sim, w } = setup({ neverStabilises: true });
      sim.setLoad(GROSS_G, true);
      clock.advance(5_000);
      sim.stop();
      expect(w.good()).toHaveLength(50);
      expect(w.good().every((r) => r.status === 'motion')).toBe(true);
      expect(new Set(w.good().map((r) => r.weightG)).size).toBeGreaterThan(1);
    });
  },
);

describe('WeighingIndicatorSim mt-sics', () => {
  function setup(options: { neverStabilises?: boolean } = {}) {
    const clock = virtualClock();
    const sim = new WeighingIndicatorSim({ protocol: 'mt-sics', clock, ...options });
    const w = wire<WeightReading>(sim, 'mt-sics', clock);
    sim.start();
    return { clock, sim, w };
  }

  it('answers each SI poll with the weight shown, stable or dynamic', () => {
    const { clock, sim, w } = setup();
    const steps = liftLoadScenario({ grossG: GROSS_G, tareG: TARE_G });
    playLoadScenario(sim, steps, clock);
    const poll = clock.every(100, () => sim.write(MT_SICS_POLL));
    clock.advance(10_000);
    poll();
    sim.stop();
    expect(w.good().length).toBeGreaterThanOrEqual(99);
    expect(w.good().map((r) => [r.status, r.weightG])).toEqual(
      sim.sent.all().map((s) => [s.status, s.weightG]),
    );
    expect(
      runs(
        w
          .good()
          .filter((r) => r.status === 'stable')
          .map((r) => r.weightG),
      ),
    ).toEqual([GROSS_G, TARE_G, 0]);
    expect(w.good().every((r) => r.mode === 'net' && r.resolutionG === 100)).toBe(true);
  });

  it('answers S once the load settles, and S I when it never does', () => {
    const { clock, sim, w } = setup();
    sim.setLoad(GROSS_G, false);
    sim.write(bytesOf('S\r\n'));
    clock.advance(1_000);
    expect(w.frames).toEqual([]);
    sim.setLoad(GROSS_G, true);
    clock.advance(200);
    expect(w.good()).toEqual([{ status: 'stable', mode: 'net', weightG: GROSS_G, resolutionG: 100 }]);

    const shaky = setup({ neverStabilises: true });
    shaky.sim.setLoad(GROSS_G, true);
    shaky.sim.write(bytesOf('S\r\n'));
    shaky.clock.advance(3_500);
    expect(shaky.w.good()).toEqual([{ status: 'motion', mode: 'net', weightG: null, resolutionG: 1 }]);
    shaky.sim.stop();
    expect(shaky.clock.pending).toBe(0);
  });

  it('answers overload, and ES to a command it does not know, split across writes', () => {
    const { clock, sim, w } = setup();
    sim.setLoad(600_000, true);
    sim.write(bytesOf('S'));
    sim.write(bytesOf('I\r\nXYZ\r'));
    sim.write(bytesOf('\n'));
    clock.advance(50);
    expect(w.frames.map((f) => (f.ok ? f.value.status : f.reason))).toEqual([
      'overload',
      expect.stringMatching(/^ES/),
    ]);
  });
});

describe('WeighingIndicatorSim scale interval', () => {
  it('shows weights on other intervals (e = 20 g on Toledo: 0.02 kg, ×2)', () => {
    const clock = virtualClock();
    const sim = new WeighingIndicatorSim({ protocol: 'toledo', clock, scaleIntervalG: 20, maxG: 60_000 });
    const w = wire<WeightReading>(sim, 'toledo', clock);
    sim.start();
    sim.setLoad(12_349, true);
    clock.advance(100);
    sim.stop();
    expect(w.good()).toEqual([
      { status: 'stable', mode: 'gross', weightG: 12_340, tareG: 0, resolutionG: 20 },
    ]);
    expect(() => new WeighingIndicatorSim({ protocol: 'st-gs', scaleIntervalG: 300 })).toThrow(RangeError);
  });
});
