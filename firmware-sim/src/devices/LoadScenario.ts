/**
 * Timed load on the lifter for one lift, for driving a `WeighingIndicatorSim` on its own:
 * the bin is hooked and lifted (the load rises in motion, then settles at gross), tipped (the
 * load swings while the waste falls out), comes back down (settles at the empty bin: tare),
 * and is released (zero). `RouteDriver` does the same for whole routes.
 */
import type { DeviceClock } from './DeviceClock.js';

/** From `atMs` after the start, the load is `loadG`, settled or not. */
export interface LoadStep {
  atMs: number;
  loadG: number;
  settled: boolean;
}

/** Timings and weights of one lift. */
export interface LiftLoadOptions {
  /** Full bin (bin + waste), grams. */
  grossG: number;
  /** Empty bin, grams. */
  tareG: number;
  /** Time the load moves before settling, each time, ms (default 1 500). */
  settleMs?: number;
  /** Time a settled load is held, ms (default 1 500). */
  holdMs?: number;
}

/** The steps of one lift; see the module comment. */
export function liftLoadScenario(o: LiftLoadOptions): LoadStep[] {
  const settle = o.settleMs ?? 1500;
  const hold = o.holdMs ?? 1500;
  const steps: LoadStep[] = [];
  let t = 0;
  const at = (dt: number, loadG: number, settled: boolean) => {
    t += dt;
    steps.push({ atMs: t, loadG: Math.round(loadG), settled });
  };
  at(0, o.grossG * 0.6, false); // hooked, rising
  at(settle / 2, o.grossG * 1.05, false); // overshoot
  at(settle / 2, o.grossG, true); // gross
  at(hold, o.tareG * 0.4, false); // tipping
  at(settle / 2, o.tareG * 1.3, false); // back down
  at(settle / 2, o.tareG, true); // tare
  at(hold, 0, true); // released
  return steps;
}

/** Anything that takes a load (`WeighingIndicatorSim`, `SimulatedTruck`). */
export interface LoadTarget {
  setLoad(grams: number, settled: boolean): void;
}

/** Plays `steps` on `target` with `clock` timers; returns a cancel function. */
export function playLoadScenario(
  target: LoadTarget,
  steps: readonly LoadStep[],
  clock: DeviceClock,
): () => void {
  const cancels = steps.map((s) => clock.after(s.atMs, () => target.setLoad(s.loadG, s.settled)));
  return () => {
    for (const c of cancels) c();
  };
}
