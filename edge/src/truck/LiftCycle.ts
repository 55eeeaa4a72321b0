import type { LiftEvent, LiftFlag, Position } from '@releve/shared';
import type { TagRead, WeightReading } from '@releve/shared/protocols/types';
import type { LifterEvent } from './LifterSignal.js';

/**
 * A finished lift: every field of the contract's `LiftEvent` except `id` and `seq`, which the
 * outbox assigns when it stores the event.
 */
export type LiftDraft = Omit<LiftEvent, 'id' | 'seq'>;

/** Settings of the lift cycle (all times in ms). */
export interface LiftCycleOptions {
  truckId: string;
  /** Scale interval e of the indicator, grams (OIML R51 class Y(b): e = 500 g for Max 500 kg). */
  scaleIntervalG: number;
  /** Instrument minimum Min, grams; a smaller net is flagged `below-minimum` (R51: Min = 10 e). */
  minimumG: number;
  /** A tag read at most this long before `hooked` belongs to that lift. */
  tagGraceMs: number;
  /** An open cycle older than this is closed by `tick()` as if `released` had come. */
  maxCycleMs: number;
  /** Wall clock and monotonic clock drifting apart by more than this is a clock jump. */
  clockJumpMs: number;
  /** Which lifter this cycle watches, when the truck has several. */
  side?: 'left' | 'right' | 'rear';
}

/** Health counters of the lift cycle; they end up in `TruckStatus.health`. */
export interface LiftCycleHealth {
  lifts: number;
  liftsNoTag: number;
  liftsUnstable: number;
  liftsOverload: number;
  liftsBelowMinimum: number;
  liftsNegativeNet: number;
  liftsClockUnsynced: number;
  /** Hooked and released without tipping: no lift (the bin was not emptied). */
  liftsAborted: number;
  /** Tags read outside any cycle and never attached to a lift. */
  tagsWithoutLift: number;
  /** A second, different tag read during one cycle (the first one is kept). */
  tagConflicts: number;
  /** Lifter signals out of order (a missed sensor edge). */
  lifterSequenceErrors: number;
  /** Cycles closed by `tick()` because no `released` came. */
  cyclesTimedOut: number;
  /** Indicator mode switched between gross and net inside one cycle (net not computed). */
  modeSwitches: number;
  clockJumps: number;
}

type Phase = 'idle' | 'gross' | 'tipping' | 'tare';

interface TimedReading {
  reading: WeightReading;
  at: number;
}

/** Stable readings kept per window (only the last ones before the window closed matter). */
const WINDOW_KEEP = 64;

interface OpenCycle {
  startedAt: number;
  tag: TagRead | null;
  /** The tag was read before `hooked` (grace window): a different one read in the cycle wins. */
  tagFromGrace: boolean;
  /** Stable readings of the gross window, oldest first; `grossUntil` is when it closed. */
  grossReadings: TimedReading[];
  grossUntil: number;
  tareReadings: TimedReading[];
  overload: boolean;
  clockJumped: boolean;
  position: Position | null;
}

interface PendingTag {
  read: TagRead;
  lastAt: number;
}

const FLAG_ORDER: readonly LiftFlag[] = [
  'no-tag',
  'unstable',
  'below-minimum',
  'overload',
  'negative-net',
  'clock-unsynced',
];

/**
 * The lifter's weighing cycle as a pure state machine: no I/O, no timers, time comes in with
 * every input. `hooked` opens the gross window, `tipped` closes it, `returned` opens the tare
 * window, `released` closes it and books the lift: net = gross − tare, where gross and tare are
 * the last *stable* indicator readings of their windows (dynamic weighing, OIML R51). Weights
 * only ever come from the instrument; a missing one stays null and the lift is flagged.
 */
export class LiftCycle {
  private phase: Phase = 'idle';
  private cycle: OpenCycle | null = null;
  private pending: PendingTag | null = null;
  private tripSeq = 1;
  private position: Position | null = null;
  private clockTrusted = true;
  private clockOffset: number | null = null;
  private readonly counters: LiftCycleHealth = {
    lifts: 0,
    liftsNoTag: 0,
    liftsUnstable: 0,
    liftsOverload: 0,
    liftsBelowMinimum: 0,
    liftsNegativeNet: 0,
    liftsClockUnsynced: 0,
    liftsAborted: 0,
    tagsWithoutLift: 0,
    tagConflicts: 0,
    lifterSequenceErrors: 0,
    cyclesTimedOut: 0,
    modeSwitches: 0,
    clockJumps: 0,
  };

  private readonly options: LiftCycleOptions;

  constructor(options: LiftCycleOptions) {
    this.options = { ...options };
  }

  /** Current phase: `idle`, `gross` (hooked), `tipping`, `tare` (returned). */
  get state(): Phase {
    return this.phase;
  }

  /** A copy of the health counters. */
  get health(): LiftCycleHealth {
    return { ...this.counters };
  }

  /** Trip number stamped on lifts booked from now on. */
  setTrip(tripSeq: number): void {
    this.tripSeq = tripSeq;
  }

  /** Latest GNSS fix; a lift keeps the position it had when hooked. */
  setPosition(position: Position | null): void {
    this.position = position;
  }

  /** Instrument minimum in force (a config command may change it). */
  setMinimum(minimumG: number): void {
    this.options.minimumG = minimumG;
  }

  /** Whether the wall clock is trusted (synchronised); lifts booked while not are flagged. */
  setClockTrusted(trusted: boolean): void {
    this.clockTrusted = trusted;
  }

  /**
   * Compares the wall clock with the monotonic clock. When their difference moves by more than
   * `clockJumpMs`, the wall clock jumped: counted, the open cycle is flagged `clock-unsynced`
   * and a pending tag is forgotten (its time cannot be compared any more). Returns true on a jump.
   */
  observeClock(wallMs: number, monoMs: number): boolean {
    const offset = wallMs - monoMs;
    if (this.clockOffset === null || Math.abs(offset - this.clockOffset) <= this.options.clockJumpMs) {
      this.clockOffset ??= offset;
      return false;
    }
    this.clockOffset = offset;
    this.counters.clockJumps += 1;
    if (this.cycle) this.cycle.clockJumped = true;
    this.dropPendingTag();
    return true;
  }

  /**
   * A tag read. Inside a cycle it names the bin (the first one read in the cycle; repeats are
   * one read, a different second one is a conflict). Outside, it waits `tagGraceMs` for a
   * `hooked`; a tag so attached gives way to a different tag read during the cycle.
   */
  tag(read: TagRead, at: number): void {
    const c = this.cycle;
    if (c) {
      if (!c.tag) c.tag = read;
      else if (c.tag.id !== read.id || c.tag.scheme !== read.scheme) {
        if (c.tagFromGrace) {
          // The bin in the clamp is the one in the field now; the earlier read was a neighbour.
          c.tag = read;
          c.tagFromGrace = false;
          this.counters.tagsWithoutLift += 1;
        } else this.counters.tagConflicts += 1;
      }
      return;
    }
    if (this.pending && this.pending.read.id === read.id && this.pending.read.scheme === read.scheme) {
      this.pending.lastAt = at;
      return;
    }
    this.dropPendingTag();
    this.pending = { read, lastAt: at };
  }

  /**
   * An indicator reading. Stable ones are kept with their time; when a window closes, the last
   * stable reading taken at or before the closing edge is the one used, so a reading that
   * arrived while the sensor edge was still being debounced (the load already gone) is not.
   */
  weight(reading: WeightReading, at: number): void {
    const c = this.cycle;
    if (!c || (this.phase !== 'gross' && this.phase !== 'tare')) return;
    if (reading.status === 'overload') {
      c.overload = true;
      return;
    }
    if (reading.status !== 'stable' || reading.weightG === null) return;
    const list = this.phase === 'gross' ? c.grossReadings : c.tareReadings;
    list.push({ reading, at });
    if (list.length > WINDOW_KEEP) list.shift();
  }

  /** A lifter sensor edge. Returns the lift it completed, if any. */
  lifter(event: LifterEvent): LiftDraft[] {
    const { signal, at } = event;
    switch (signal) {
      case 'hooked': {
        const out: LiftDraft[] = [];
        if (this.cycle) {
          this.counters.lifterSequenceErrors += 1;
          out.push(...this.close(at));
        }
        this.open(at, 'gross');
        return out;
      }
      case 'tipped':
        if (this.phase === 'idle') {
          this.counters.lifterSequenceErrors += 1;
          this.open(at, 'tipping');
        } else if (this.phase === 'tipping') {
          this.counters.lifterSequenceErrors += 1;
        } else if (this.phase === 'tare' && this.cycle) {
          // Shaken twice at the top: the bin goes up again, the tare window starts over.
          this.cycle.tareReadings = [];
        }
        if (this.phase === 'gross' && this.cycle) this.cycle.grossUntil = at;
        this.phase = 'tipping';
        return [];
      case 'returned':
        if (this.phase === 'idle' || this.phase === 'tare') {
          this.counters.lifterSequenceErrors += 1;
          return [];
        }
        if (this.phase === 'gross' && this.cycle) {
          this.counters.lifterSequenceErrors += 1;
          this.cycle.grossUntil = at;
        }
        this.phase = 'tare';
        return [];
      case 'released':
        if (this.phase === 'idle') {
          this.counters.lifterSequenceErrors += 1;
          return [];
        }
        if (this.phase === 'tipping') this.counters.lifterSequenceErrors += 1;
        return this.close(at);
      default: {
        const never: never = signal;
        throw new TypeError(`unknown lifter signal ${String(never)}`);
      }
    }
  }

  /** Time passes: closes a cycle open longer than `maxCycleMs`, expires a waiting tag. */
  tick(now: number): LiftDraft[] {
    if (this.pending && now - this.pending.lastAt > this.options.tagGraceMs) this.dropPendingTag();
    if (this.cycle && now - this.cycle.startedAt > this.options.maxCycleMs) {
      this.counters.cyclesTimedOut += 1;
      return this.close(now);
    }
    return [];
  }

  private open(at: number, phase: Phase): void {
    let tag: TagRead | null = null;
    if (this.pending) {
      const age = at - this.pending.lastAt;
      if (age >= 0 && age <= this.options.tagGraceMs) {
        tag = this.pending.read;
        this.pending = null;
      } else this.dropPendingTag();
    }
    this.cycle = {
      startedAt: at,
      tag,
      tagFromGrace: tag !== null,
      grossReadings: [],
      grossUntil: Number.POSITIVE_INFINITY,
      tareReadings: [],
      overload: false,
      clockJumped: false,
      position: this.position,
    };
    this.phase = phase;
  }

  private dropPendingTag(): void {
    if (this.pending) this.counters.tagsWithoutLift += 1;
    this.pending = null;
  }

  private close(at: number): LiftDraft[] {
    const c = this.cycle;
    const phase = this.phase;
    this.cycle = null;
    this.phase = 'idle';
    if (!c) return [];
    if (phase === 'gross') {
      // Hooked, never tipped: the bin was not emptied, there is nothing to book.
      this.counters.liftsAborted += 1;
      if (c.tag) this.pending = { read: c.tag, lastAt: at };
      return [];
    }
    return [this.book(c, at)];
  }

  private book(c: OpenCycle, at: number): LiftDraft {
    const flags = new Set<LiftFlag>();
    const k = this.counters;
    const gross = lastUntil(c.grossReadings, c.grossUntil);
    const tare = lastUntil(c.tareReadings, at);
    if (!c.tag) flags.add('no-tag');
    if (!gross || !tare) flags.add('unstable');
    if (c.overload) flags.add('overload');
    let net: number | null = null;
    if (gross && tare && gross.weightG !== null && tare.weightG !== null) {
      if (gross.mode === tare.mode) {
        net = gross.weightG - tare.weightG;
        if (net < 0) flags.add('negative-net');
        else if (net < this.options.minimumG) flags.add('below-minimum');
      } else {
        k.modeSwitches += 1;
        flags.add('unstable');
      }
    }
    if (c.clockJumped || !this.clockTrusted) flags.add('clock-unsynced');
    k.lifts += 1;
    if (flags.has('no-tag')) k.liftsNoTag += 1;
    if (flags.has('unstable')) k.liftsUnstable += 1;
    if (flags.has('overload')) k.liftsOverload += 1;
    if (flags.has('below-minimum')) k.liftsBelowMinimum += 1;
    if (flags.has('negative-net')) k.liftsNegativeNet += 1;
    if (flags.has('clock-unsynced')) k.liftsClockUnsynced += 1;
    const draft: LiftDraft = {
      ts: new Date(at).toISOString(),
      truckId: this.options.truckId,
      startedAt: new Date(c.startedAt).toISOString(),
      tag: c.tag ? { scheme: c.tag.scheme, id: c.tag.id } : null,
      grossWeightG: gross?.weightG ?? null,
      tareWeightG: tare?.weightG ?? null,
      netWeightG: net,
      scaleIntervalG: this.options.scaleIntervalG,
      minimumG: this.options.minimumG,
      flags: FLAG_ORDER.filter((f) => flags.has(f)),
      tripSeq: this.tripSeq,
      position: c.position,
    };
    if (this.options.side) draft.side = this.options.side;
    return draft;
  }
}

/** The last reading taken at or before `until`. */
function lastUntil(list: readonly TimedReading[], until: number): WeightReading | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const r = list[i];
    if (r && r.at <= until) return r.reading;
  }
  return null;
}
