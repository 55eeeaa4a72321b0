import { EventEmitter } from 'node:events';
import type { RouteBin, RouteFile } from './RouteFile.js';

/**
 * The truck's simulated world as the route driver moves it: what the RFID reader sees, what the
 * lifter's load cell carries, the lifter's two sensors, the compactor and the GNSS antenna.
 * `SimulatedTruck` implements it with devices speaking the real bytes.
 */
export interface TruckWorld {
  /** Tag in the reader's field (null: none). */
  showTag(tag: { scheme: 'em4100' | 'fdx-b'; id: string } | null): void;
  /** Load on the lifter's weighing cells, grams, and whether it is settled (no motion). */
  setLoad(grams: number, settled: boolean): void;
  /** Clamp sensor: closed while a bin is clamped. */
  setClamp(closed: boolean): void;
  /** Arm-at-top sensor: closed while the bin is tipped. */
  setArmTop(closed: boolean): void;
  /** Body fill 0–1 as the compactor pressure shows it. */
  setCompactorFill(fill: number): void;
  /** Tailgate sensor: closed while the tailgate is raised (the load is being ejected). */
  setTailgate(raised: boolean): void;
  /** Truck position. */
  setPosition(lat: number, lon: number): void;
}

/**
 * The `RouteDriverOptions.pulseFloorMs` for a sped-up run whose devices are on ptys (the demo,
 * `releve-sim truck`): a lifter sensor pulse lasts at least this long in real time. A ×10 demo
 * run beside other test suites on a 2-core machine saw pty deliveries lag up to about 0.45 s
 * (docs/demo.md); 600 ms keeps a third more than that.
 */
export const DEFAULT_PULSE_FLOOR_MS = 600;

/** Options of a `RouteDriver`. */
export interface RouteDriverOptions {
  /**
   * Multiplies every duration (1 = real time, about 8 s per lift; 0.05 = 20× faster), except the
   * real-time floors `pulseFloorMs` and `releaseGapMs`.
   */
  timeScale?: number;
  /** Body volume and compacted density: the compactor fill the waste makes. */
  bodyVolumeL?: number;
  compactedDensityKgM3?: number;
  /** Travel time between bins at time scale 1, ms. */
  travelMs?: number;
  /**
   * Real (unscaled) ms added between the clamp opening and the load leaving the cells. At high
   * speed-ups the scaled gap (1 s → 30 ms at 0.03) falls within the scheduling delays of a loaded
   * machine, and the empty-lifter reading can overtake the release edge; this keeps them apart.
   */
  releaseGapMs?: number;
  /**
   * Real (unscaled) ms the arm-at-top and tailgate sensors stay closed at least, whatever the
   * time scale (default 0: scaled only; {@link DEFAULT_PULSE_FLOOR_MS} where it matters). A pulse's two Firmata
   * reports reach the agent through ptys: if one is delayed by more than the pulse lasts, they
   * arrive together, the agent's debounce takes them for contact bounce and the lift is counted
   * as aborted (bin not emptied). A real arm stays at the top 1.5 s. The clamp-closed pulse holds
   * the arm's, so it lasts at least as long; the clamp-open gap between two bins is not held here
   * (`releaseGapMs` adds real time to it).
   */
  pulseFloorMs?: number;
}

/** What the driver did, for the tests to compare with what the agent booked. */
export interface DrivenLift {
  index: number;
  bin: RouteBin;
  grossG: number;
  tareG: number;
  netG: number;
}

interface RouteDriverEvents {
  'lift-start': [lift: DrivenLift];
  'lift-done': [lift: DrivenLift];
  unload: [];
  done: [];
}

/** Phases of one lift at time scale 1, ms from the clamp closing. */
const LIFT = {
  tagFrom: 200,
  tagUntil: 2500,
  settleGross: 1200,
  tip: 3000,
  returned: 4500,
  settleTare: 5500,
  release: 7000,
  /** The clamp opens first; the bin leaves the weighing cells as it is lowered to the ground. */
  binOff: 8000,
};

/** Phases of an unload at the treatment site at time scale 1, ms from the tailgate rising. */
const UNLOAD = {
  /** The ejector plate has pushed the load out: the body is empty. */
  ejected: 20_000,
  /** The ejector is back and the tailgate is down and locked. */
  closed: 40_000,
};

/**
 * Drives the simulated devices through a route, lift after lift: clamp closes (hooked), the tag
 * enters the reader's field, the load cell carries bin + waste and settles (gross), the arm tips
 * (motion), comes back (tare: the empty bin), the clamp opens (released). An unload stop raises
 * the tailgate, ejects the load (compactor fill → 0) and lowers the tailgate, however full the
 * body was. Stoppable at any instant.
 */
export class RouteDriver extends EventEmitter<RouteDriverEvents> {
  private readonly scale: number;
  private readonly capacityG: number;
  private readonly travelMs: number;
  private readonly releaseGapMs: number;
  private readonly pulseFloorMs: number;
  private bodyG = 0;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly world: TruckWorld,
    options: RouteDriverOptions = {},
  ) {
    super();
    this.scale = options.timeScale ?? 1;
    this.capacityG = (options.compactedDensityKgM3 ?? 350) * (options.bodyVolumeL ?? 20_000);
    this.travelMs = options.travelMs ?? 1000;
    this.releaseGapMs = options.releaseGapMs ?? 0;
    this.pulseFloorMs = options.pulseFloorMs ?? 0;
  }

  /** Runs the route from stop `from` (0-based); resolves when done or stopped. */
  async run(route: RouteFile, from = 0): Promise<void> {
    let index = 0;
    for (const [i, stop] of route.stops.entries()) {
      if (this.stopped) return;
      if (stop.type === 'unload') {
        if (i >= from) await this.unload(stop.lat, stop.lon);
        continue;
      }
      index += 1;
      if (i < from) continue;
      await this.lift(index, stop);
    }
    if (!this.stopped) this.emit('done');
  }

  /** Stops at once (the current sleep ends, nothing further is driven). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async lift(index: number, bin: RouteBin): Promise<void> {
    const w = this.world;
    const grossG = bin.binTareG + bin.wasteG;
    const lift: DrivenLift = { index, bin, grossG, tareG: bin.binTareG, netG: bin.wasteG };
    if (bin.lat !== undefined && bin.lon !== undefined) w.setPosition(bin.lat, bin.lon);
    await this.sleep(this.travelMs);
    this.emit('lift-start', lift);
    let t = 0;
    const at = async (ms: number) => {
      await this.sleep(ms - t);
      t = ms;
    };
    w.setClamp(true);
    w.setLoad(grossG * 0.8, false);
    await at(LIFT.tagFrom);
    if (bin.tagId) w.showTag({ scheme: bin.scheme, id: bin.tagId });
    await at(LIFT.settleGross);
    w.setLoad(grossG, !bin.unstable);
    await at(LIFT.tagUntil);
    w.showTag(null);
    await at(LIFT.tip);
    w.setArmTop(true);
    const tippedAt = performance.now();
    w.setLoad(bin.binTareG / 2, false);
    this.bodyG += bin.wasteG;
    w.setCompactorFill(Math.min(1, this.bodyG / this.capacityG));
    await at(LIFT.returned);
    await this.holdPulse(tippedAt);
    w.setArmTop(false);
    w.setLoad(bin.binTareG * 1.3, false);
    await at(LIFT.settleTare);
    w.setLoad(bin.binTareG, !bin.unstable);
    await at(LIFT.release);
    w.setClamp(false);
    await at(LIFT.binOff);
    if (this.releaseGapMs > 0) await this.sleepReal(this.releaseGapMs);
    w.setLoad(0, true);
    if (!this.stopped) this.emit('lift-done', lift);
  }

  private async unload(lat?: number, lon?: number): Promise<void> {
    if (lat !== undefined && lon !== undefined) this.world.setPosition(lat, lon);
    await this.sleep(this.travelMs);
    this.world.setTailgate(true);
    const raisedAt = performance.now();
    await this.sleep(UNLOAD.ejected);
    this.bodyG = 0;
    this.world.setCompactorFill(0);
    await this.sleep(UNLOAD.closed - UNLOAD.ejected);
    await this.holdPulse(raisedAt);
    this.world.setTailgate(false);
    this.emit('unload');
    await this.sleep(this.travelMs);
  }

  /** Waits until a sensor pulse that began at `since` (`performance.now()`) has lasted `pulseFloorMs`. */
  private async holdPulse(since: number): Promise<void> {
    // a timer may fire up to a millisecond early by performance.now(): wait again until it has passed
    for (let left = this.pulseFloorMs - (performance.now() - since); left > 0 && !this.stopped; ) {
      await this.sleepReal(Math.ceil(left));
      left = this.pulseFloorMs - (performance.now() - since);
    }
  }

  private sleep(ms: number): Promise<void> {
    return this.sleepReal(Math.max(0, ms * this.scale));
  }

  private sleepReal(scaled: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, scaled);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
