import { EventEmitter } from 'node:events';
import type { Position, RouteCommand, TruckConfigCommand, TruckStatus, UnloadAdvice } from '@releve/shared';
import type { TagRead, WeightReading } from '@releve/shared/protocols/types';
import type { Logger } from 'pino';
import type { EventDraft } from '../outbox/Outbox.js';
import { CommandStore } from './CommandStore.js';
import { LiftCycle, type LiftDraft } from './LiftCycle.js';
import type { LifterEvent } from './LifterSignal.js';
import { minimumOf, type TruckConfig } from './TruckConfig.js';
import { TripStore } from './TripStore.js';
import { UnloadAdvisor, type UnloadAdvisorOptions } from './UnloadAdvisor.js';

/** Where booked events go: the durable outbox (`Outbox` satisfies it). */
export interface EventSink {
  enqueue(kind: 'lift', draft: EventDraft<'lift'>): { id: string; seq: number };
  enqueue(kind: 'truckStatus', draft: EventDraft<'truckStatus'>): { id: string; seq: number };
  backlog(): number;
}

/** Clocks the recorder reads: wall (ms since epoch, UTC) and monotonic (ms, any origin). */
export interface AgentClock {
  wall(): number;
  mono(): number;
}

interface CollectionRecorderEvents {
  /** A lift was booked in the outbox. */
  lift: [lift: LiftDraft & { id: string; seq: number }, onRoute: boolean | null];
  /** The advice changed (drives the cab lamp). */
  advice: [advice: UnloadAdvice];
  /** A lift with no tag, or with a tag not on today's route: the driver is warned. */
  'unknown-bin': [lift: LiftDraft];
  /** A new trip started (the body was unloaded). */
  trip: [tripSeq: number];
  /** The wall clock jumped against the monotonic clock (`at`: the wall time after the jump). */
  'clock-jump': [at: number];
}

/** Wall clock earlier than this is certainly not synchronised (RTC reset to its epoch). */
const EARLIEST_PLAUSIBLE = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * The truck's collection bookkeeping, fed with typed inputs whatever the wires: lifter edges,
 * tag reads and indicator readings go through the `LiftCycle`; booked lifts go to the outbox
 * and the `UnloadAdvisor`; the trip state is saved after each change; a `TruckStatus` is booked
 * on every change of the advisor's figures and by `statusDue()` every interval. No timers: the
 * agent calls `tick()`.
 */
export class CollectionRecorder extends EventEmitter<CollectionRecorderEvents> {
  readonly cycle: LiftCycle;
  readonly advisor: UnloadAdvisor;
  private readonly trips: TripStore;
  private readonly commands: CommandStore;
  private position: Position | null = null;
  private lastStatusKey = '';
  private lastStatusMono = Number.NEGATIVE_INFINITY;
  private lastAdviceKey = '';
  private statusIntervalMs: number;
  private unknownBins = 0;

  constructor(
    private readonly config: TruckConfig,
    private readonly sink: EventSink,
    private readonly clock: AgentClock,
    private readonly log: Logger,
    /** Extra health counters (serial, decoders) merged into each status. */
    private readonly extraHealth: () => Record<string, number> = () => ({}),
  ) {
    super();
    const t = config.thresholds;
    this.trips = new TripStore(config.dataDir);
    const { state, problem } = this.trips.load();
    if (problem) log.warn({ problem }, 'trip state unreadable, starting trip 1');
    this.advisor = new UnloadAdvisor(advisorOptions(config), state);
    this.cycle = new LiftCycle({
      truckId: config.truckId,
      scaleIntervalG: config.weighing.scaleIntervalG,
      minimumG: minimumOf(config),
      tagGraceMs: t.tagGraceMs,
      maxCycleMs: t.maxCycleMs,
      clockJumpMs: t.clockJumpMs,
      ...(config.devices.side ? { side: config.devices.side } : {}),
    });
    this.cycle.setTrip(state.tripSeq);
    this.statusIntervalMs = config.status.intervalS * 1000;
    this.commands = new CommandStore(config.dataDir);
    if (this.commands.currentConfig) this.applyConfig(this.commands.currentConfig);
    this.advisor.setRoute(this.commands.currentRoute);
  }

  /**
   * A lifter edge from the board; `at` is when the raw line changed (before debouncing), so
   * readings taken after it do not count in the window it closes.
   */
  lifter(signal: LifterEvent['signal'], at?: number): void {
    const now = this.now();
    this.bookAll(this.cycle.lifter({ signal, at: at === undefined ? now : Math.min(at, now) }));
  }

  /** A tag from the reader. */
  tag(read: TagRead): void {
    this.cycle.tag(read, this.now());
  }

  /** A reading from the indicator. */
  weight(reading: WeightReading): void {
    this.cycle.weight(reading, this.now());
  }

  /** The latest GNSS fix (null: none valid). */
  setPosition(position: Position | null): void {
    this.position = position;
    this.cycle.setPosition(position);
  }

  /** Compactor volume fill 0–1 (null: no sensor); may detect the unload. */
  volume(fill: number | null): void {
    if (this.advisor.volume(fill)) this.newTrip('compactor fill fell after a load');
    this.statusIfChanged();
  }

  /** The body was unloaded, whatever it held (the tailgate went up; `why` is logged). */
  unloaded(why: string): void {
    if (this.advisor.unloaded()) this.newTrip(why);
    this.statusIfChanged();
  }

  /** A route command from the cloud (ignored when not newer than the one held). */
  route(cmd: RouteCommand): void {
    if (!this.commands.offerRoute(cmd)) return;
    this.log.info({ routeId: cmd.routeId, version: cmd.version, stops: cmd.stops.length }, 'route received');
    this.advisor.setRoute(cmd);
    this.trips.save(this.advisor.tripState);
    this.statusIfChanged();
  }

  /** A config command from the cloud (ignored when not newer than the one held). */
  configure(cmd: TruckConfigCommand): void {
    if (!this.commands.offerConfig(cmd)) return;
    this.log.info({ version: cmd.version }, 'config received');
    this.applyConfig(cmd);
    this.statusIfChanged();
  }

  /** Time passes (called about every second): clock check, open-cycle timeout, periodic status. */
  tick(): void {
    this.bookAll(this.cycle.tick(this.now()));
    if (this.clock.mono() - this.lastStatusMono >= this.statusIntervalMs) this.bookStatus();
  }

  /** Health counters of the bookkeeping. */
  health(): Record<string, number> {
    return { ...this.cycle.health, ...this.advisor.health, unknownBins: this.unknownBins };
  }

  /** The status as it would be booked now (without id/seq). */
  status(): EventDraft<'truckStatus'> {
    const snap = this.advisor.snapshot();
    return {
      ts: new Date(this.clock.wall()).toISOString(),
      truckId: this.config.truckId,
      ...snap,
      position: this.position,
      outboxBacklog: this.sink.backlog(),
      health: { ...this.extraHealth(), ...this.health() },
    } satisfies Omit<TruckStatus, 'id' | 'seq'>;
  }

  /** Books a status now. */
  bookStatus(): void {
    const status = this.status();
    this.sink.enqueue('truckStatus', status);
    this.lastStatusMono = this.clock.mono();
    this.lastStatusKey = statusKey(status);
    const adviceKey = JSON.stringify(status.advice);
    if (adviceKey !== this.lastAdviceKey) {
      this.lastAdviceKey = adviceKey;
      this.emit('advice', status.advice);
    }
  }

  private now(): number {
    const wall = this.clock.wall();
    if (this.cycle.observeClock(wall, this.clock.mono())) {
      this.log.warn({ wall }, 'wall clock jumped');
      this.emit('clock-jump', wall);
    }
    this.cycle.setClockTrusted(wall >= EARLIEST_PLAUSIBLE);
    return wall;
  }

  private bookAll(drafts: LiftDraft[]): void {
    if (drafts.length === 0) return;
    for (const draft of drafts) {
      const { id, seq } = this.sink.enqueue('lift', draft);
      const onRoute = this.advisor.lift(draft);
      this.trips.save(this.advisor.tripState);
      this.log.info(
        { id, seq, tag: draft.tag?.id ?? null, netWeightG: draft.netWeightG, flags: draft.flags },
        'lift booked',
      );
      if (!draft.tag || onRoute === false) {
        this.unknownBins += 1;
        this.emit('unknown-bin', draft);
      }
      this.emit('lift', { ...draft, id, seq }, onRoute);
    }
    this.statusIfChanged();
  }

  private newTrip(why: string): void {
    const tripSeq = this.advisor.snapshot().tripSeq;
    this.cycle.setTrip(tripSeq);
    this.trips.save(this.advisor.tripState);
    this.log.info({ tripSeq, why }, 'unload detected, new trip');
    this.emit('trip', tripSeq);
  }

  private statusIfChanged(): void {
    if (statusKey(this.status()) !== this.lastStatusKey) this.bookStatus();
  }

  private applyConfig(cmd: TruckConfigCommand): void {
    const patch: Partial<UnloadAdvisorOptions> = {};
    if (cmd.maxPayloadG !== undefined) patch.maxPayloadG = cmd.maxPayloadG;
    if (cmd.unloadMarginG !== undefined) patch.unloadMarginG = cmd.unloadMarginG;
    if (cmd.volumeMargin !== undefined) patch.volumeMargin = cmd.volumeMargin;
    this.advisor.updateOptions(patch);
    if (cmd.minimumG !== undefined) this.cycle.setMinimum(cmd.minimumG);
    if (cmd.statusIntervalS !== undefined) this.statusIntervalMs = cmd.statusIntervalS * 1000;
  }
}

/** The advisor settings a config gives. */
export function advisorOptions(config: TruckConfig): UnloadAdvisorOptions {
  const t = config.thresholds;
  return {
    maxPayloadG: config.capacity.maxPayloadG,
    bodyVolumeL: config.capacity.bodyVolumeL,
    unloadMarginG: t.unloadMarginG,
    volumeMargin: t.volumeMargin,
    routeMarginG: t.routeMarginG,
    routeVolumeMargin: t.routeVolumeMargin,
    unweighedAllowanceG: t.unweighedAllowanceG,
    compactedDensityKgM3: t.compactedDensityKgM3,
    unloadFullAbove: t.unloadFullAbove,
    unloadEmptyBelow: t.unloadEmptyBelow,
  };
}

/** What makes a status "changed": trip figures, advice, fill to the percent — not time or health. */
function statusKey(s: EventDraft<'truckStatus'>): string {
  const fill = s.volumeFill === null ? null : Math.round(s.volumeFill * 100);
  return JSON.stringify([s.tripSeq, s.liftsThisTrip, s.payloadG, s.maxPayloadG, fill, s.advice]);
}
