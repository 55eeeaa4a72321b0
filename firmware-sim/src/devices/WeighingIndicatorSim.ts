/**
 * A simulated weighing indicator under the lifter's load cells. The load comes from
 * `setLoad(grams, settled)` (what `RouteDriver` calls) or from a timed `LoadScenario`. The
 * indicator shows it rounded to the scale interval e (default 0.5 kg), as:
 * - `st-gs` / `toledo` / `toledo-checksum`: continuous output every `framePeriodMs`
 *   (default 100 ms, 10 frames/s);
 * - `mt-sics`: answers on request — `SI` at once (stable `S S` or dynamic `S D`), `S` when the
 *   load is stable (or `S I` after `stableTimeoutMs`), unknown commands `ES`.
 * While the load is not settled the display wobbles by up to ±`motionNoiseG` (rounded to e) with
 * the motion flag; `neverStabilises` keeps it so whatever the load does. Above Max + 9 e the
 * indicator reports overload, below −20 e underload (see `IndicatorScale`).
 * Time comes from a `DeviceClock`; bytes go to `onData` listeners, host bytes come in by `write`.
 */
import {
  encodeMtSics,
  encodeStGs,
  encodeToledo,
  type IndicatorDisplay,
} from '@releve/shared/protocols/encoders';
import { latin1 } from '@releve/shared/protocols/byte-stream';
import type { WeightStatus } from '@releve/shared/protocols/types';
import type { SerialDevice } from '../pty/SerialDevice.js';
import { ByteListeners } from './ByteListeners.js';
import { type DeviceClock, realTimeClock } from './DeviceClock.js';
import { type IndicatorScale, indicatorScale, roundToInterval } from './IndicatorScale.js';
import { SeededRandom } from './SeededRandom.js';
import { SentLog } from './SentLog.js';

/** Wire formats a simulated indicator speaks (names from the protocol registry). */
export type IndicatorProtocol = 'st-gs' | 'toledo' | 'toledo-checksum' | 'mt-sics';

/** Options of `WeighingIndicatorSim`. */
export interface WeighingIndicatorSimOptions {
  protocol: IndicatorProtocol;
  clock?: DeviceClock;
  /** Scale interval e, grams (default 500). */
  scaleIntervalG?: number;
  /** Max capacity, grams (default 1 000 e = 500 kg). */
  maxG?: number;
  /** Continuous output period, ms (default 100). */
  framePeriodMs?: number;
  /** ST,GS RS-485 address (2 chars) in front of every frame. */
  address?: string;
  /** Amplitude of the display wobble while the load moves, grams (default 4 e). */
  motionNoiseG?: number;
  /** Never report a stable reading (a lifter that shakes, a faulty cell). */
  neverStabilises?: boolean;
  /** MT-SICS: delay before a reply, ms (default 5); `S` waits for stability this long at most (default 3 000). */
  responseDelayMs?: number;
  stableTimeoutMs?: number;
  seed?: number;
}

/** One frame the indicator sent, as it meant it (for tests). */
export interface SentReading {
  atMs: number;
  status: WeightStatus;
  /** Displayed grams; null for overload/underload. */
  weightG: number | null;
}

/** See the module comment. */
export class WeighingIndicatorSim implements SerialDevice {
  private readonly listeners = new ByteListeners();
  private readonly clock: DeviceClock;
  private readonly random: SeededRandom;
  private readonly scale: IndicatorScale;
  private readonly maxG: number;
  private loadG = 0;
  private settled = true;
  private cancel: (() => void) | null = null;
  private readonly pendingTimers = new Set<() => void>();
  private commandBuffer = '';
  /** Readings sent, in order (the last 10 000). */
  readonly sent = new SentLog<SentReading>();

  constructor(private readonly options: WeighingIndicatorSimOptions) {
    this.clock = options.clock ?? realTimeClock;
    this.random = new SeededRandom(options.seed);
    this.scale = indicatorScale(options.scaleIntervalG ?? 500);
    this.maxG = options.maxG ?? 1000 * this.scale.scaleIntervalG;
  }

  /** Scale interval e, grams. */
  get scaleIntervalG(): number {
    return this.scale.scaleIntervalG;
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Starts continuous output (nothing to start for the polled MT-SICS protocol). */
  start(): void {
    if (this.options.protocol === 'mt-sics' || this.cancel) return;
    this.cancel = this.clock.every(this.options.framePeriodMs ?? 100, () =>
      this.send(this.encodeContinuous()),
    );
  }

  /** Stops output and pending MT-SICS replies. */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
    for (const c of this.pendingTimers) c();
    this.pendingTimers.clear();
  }

  /** The load on the cells, grams, and whether it has settled (no motion). */
  setLoad(grams: number, settled: boolean): void {
    this.loadG = grams;
    this.settled = settled;
  }

  /** MT-SICS commands from the host (`SI\r\n`, `S\r\n`); continuous protocols ignore input. */
  write(bytes: Uint8Array): void {
    if (this.options.protocol !== 'mt-sics') return;
    this.commandBuffer = (this.commandBuffer + latin1(bytes)).slice(-256);
    for (;;) {
      const end = this.commandBuffer.indexOf('\n');
      if (end < 0) return;
      const command = this.commandBuffer.slice(0, end).replace(/\r$/, '').trim();
      this.commandBuffer = this.commandBuffer.slice(end + 1);
      this.answer(command);
    }
  }

  /** What the display shows now (and records it as sent when `record`). */
  private display(): { status: WeightStatus; weightG: number } {
    const e = this.scale.scaleIntervalG;
    const moving = !this.settled || this.options.neverStabilises === true;
    const amplitude = this.options.motionNoiseG ?? 4 * e;
    const wobble = moving ? (this.random.next() * 2 - 1) * amplitude : 0;
    const weightG = roundToInterval(this.loadG + wobble, e);
    let status: WeightStatus = moving ? 'motion' : 'stable';
    if (this.loadG > this.maxG + 9 * e) status = 'overload';
    else if (this.loadG < -20 * e) status = 'underload';
    return { status, weightG };
  }

  private record(d: { status: WeightStatus; weightG: number }): IndicatorDisplay {
    const outOfRange = d.status === 'overload' || d.status === 'underload';
    this.sent.push({ atMs: this.clock.now(), status: d.status, weightG: outOfRange ? null : d.weightG });
    return { ...d, mode: 'gross', unit: 'kg', decimals: this.scale.kgDecimals };
  }

  private encodeContinuous(): Uint8Array {
    const d = this.record(this.display());
    if (this.options.protocol === 'st-gs') return encodeStGs(d, this.options.address);
    return encodeToledo(d, {
      decimalCode: this.scale.toledoDecimalCode,
      increment: this.scale.increment,
      tareG: 0,
      checksum: this.options.protocol === 'toledo-checksum',
    });
  }

  private answer(command: string): void {
    if (command === 'SI') {
      this.reply(() => this.mtSicsReading(this.display()));
      return;
    }
    if (command === 'S') {
      this.replyWhenStable(this.clock.now() + (this.options.stableTimeoutMs ?? 3000));
      return;
    }
    this.reply(() => encodeMtSics({ kind: 'error', code: 'ES' }));
  }

  private mtSicsReading(d: { status: WeightStatus; weightG: number }): Uint8Array {
    const shown = this.record(d);
    if (d.status === 'overload' || d.status === 'underload') return encodeMtSics({ kind: d.status });
    return encodeMtSics({
      kind: 'weight',
      stable: d.status === 'stable',
      weightG: shown.weightG,
      unit: 'kg',
      decimals: shown.decimals,
    });
  }

  private replyWhenStable(deadline: number): void {
    const d = this.display();
    if (d.status !== 'motion') this.reply(() => this.mtSicsReading(d));
    else if (this.clock.now() >= deadline) this.reply(() => encodeMtSics({ kind: 'busy' }));
    else this.later(this.options.framePeriodMs ?? 100, () => this.replyWhenStable(deadline));
  }

  private reply(make: () => Uint8Array): void {
    this.later(this.options.responseDelayMs ?? 5, () => this.send(make()));
  }

  private later(ms: number, fn: () => void): void {
    const cancel = this.clock.after(ms, () => {
      this.pendingTimers.delete(cancel);
      fn();
    });
    this.pendingTimers.add(cancel);
  }

  private send(bytes: Uint8Array): void {
    this.listeners.emit(bytes);
  }
}
