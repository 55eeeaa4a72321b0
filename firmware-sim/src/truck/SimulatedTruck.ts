import { encodeNmeaGga, encodeNmeaRmc } from '@releve/shared/protocols/nmea-encoders';
import { encodeEm4100, encodeFdxbBinary } from '@releve/shared/protocols/rfid-encoders';
import { encodeStGs } from '@releve/shared/protocols/weight-encoders';
import { FirmataBoardSim } from '../firmata/FirmataBoardSim.js';
import type { MockDeviceBinding } from '../pty/MockDeviceBinding.js';
import type { SerialDevice } from '../pty/SerialDevice.js';
import type { TruckWorld } from './RouteDriver.js';

/**
 * A serial device that sends its current frame every `intervalMs` (continuous-output
 * indicators, RFID modules repeating while a tag is in the field, GNSS receivers).
 */
export class StreamingSerialDevice implements SerialDevice {
  private frame: (() => Uint8Array) | null = null;
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** Frames sent so far. */
  sent = 0;

  constructor(private readonly intervalMs: number) {}

  /** What to send each interval (null: silence). */
  setFrame(frame: (() => Uint8Array) | null): void {
    this.frame = frame;
    if (frame && !this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.tick();
    } else if (!frame && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  write(_bytes: Uint8Array): void {
    // Continuous-output devices ignore what the host sends.
  }

  stop(): void {
    this.setFrame(null);
  }

  private tick(): void {
    const f = this.frame?.();
    if (!f) return;
    this.sent += 1;
    for (const l of this.listeners) l(f);
  }
}

/** Options of a `SimulatedTruck`. */
export interface SimulatedTruckOptions {
  /** Indicator output period, ms (10 frames/s by default). */
  indicatorIntervalMs?: number;
  /** RFID module repeat period while a tag is in the field, ms (EM4100 modules: ~50 ms). */
  rfidIntervalMs?: number;
  gpsIntervalMs?: number;
  /** Lifter board wiring (the agent's `LifterBoardSettings` defaults). */
  pins?: { clamp: number; armTop: number; pressureChannel: number };
  /** Pressure transducer and fill curve, as the agent is configured (defaults: the agent's). */
  pressure?: {
    rawAtZero: number;
    rawAtFullScale: number;
    fullScaleBar: number;
    emptyBar: number;
    fullBar: number;
  };
  /** How long a packing stroke holds its peak pressure, ms. */
  strokeMs?: number;
}

/**
 * The simulated truck's devices, speaking the real bytes: an EM4100/FDX-B reader, an ST,GS
 * indicator streaming at 10 frames/s, the lifter's Arduino (StandardFirmata, `FirmataBoardSim`)
 * with clamp and arm sensors and the compactor pressure transducer, and an NMEA receiver. It is
 * the `TruckWorld` a `RouteDriver` moves.
 */
export class SimulatedTruck implements TruckWorld {
  readonly rfid: StreamingSerialDevice;
  readonly indicator: StreamingSerialDevice;
  readonly gps: StreamingSerialDevice;
  readonly board = new FirmataBoardSim();
  private readonly pins: NonNullable<SimulatedTruckOptions['pins']>;
  private readonly pressure: NonNullable<SimulatedTruckOptions['pressure']>;
  private readonly strokeMs: number;
  private strokeTimer: NodeJS.Timeout | undefined;
  private position = { lat: 43.65, lon: 3.55 };
  private noise = 0;

  constructor(options: SimulatedTruckOptions = {}) {
    this.rfid = new StreamingSerialDevice(options.rfidIntervalMs ?? 50);
    this.indicator = new StreamingSerialDevice(options.indicatorIntervalMs ?? 100);
    this.gps = new StreamingSerialDevice(options.gpsIntervalMs ?? 1000);
    this.pins = options.pins ?? { clamp: 2, armTop: 3, pressureChannel: 0 };
    this.pressure = options.pressure ?? {
      rawAtZero: 0,
      rawAtFullScale: 1023,
      fullScaleBar: 250,
      emptyBar: 60,
      fullBar: 180,
    };
    this.strokeMs = options.strokeMs ?? 600;
    this.setLoad(0, true);
    this.gps.setFrame(() => {
      const p = { atMs: Date.now(), ...this.position, valid: true };
      return Buffer.concat([encodeNmeaRmc(p), encodeNmeaGga(p, { hdop: 0.9, satellites: 9, altitudeM: 60 })]);
    });
  }

  /** Plugs the four devices onto a `MockDeviceBinding` at the given paths. */
  plugInto(
    binding: MockDeviceBinding,
    paths: { rfid: string; indicator: string; lifter: string; gps?: string },
  ): void {
    binding.plug(paths.rfid, this.rfid);
    binding.plug(paths.indicator, this.indicator);
    binding.plug(paths.lifter, this.board);
    if (paths.gps) binding.plug(paths.gps, this.gps);
  }

  showTag(tag: { scheme: 'em4100' | 'fdx-b'; id: string } | null): void {
    if (!tag) {
      this.rfid.setFrame(null);
      return;
    }
    const frame = tag.scheme === 'em4100' ? encodeEm4100(tag.id) : encodeFdxbBinary(tag.id);
    this.rfid.setFrame(() => frame);
  }

  setLoad(grams: number, settled: boolean): void {
    this.indicator.setFrame(() => {
      // A load in motion wobbles by up to ±2 kg around its value.
      this.noise = settled ? 0 : ((this.noise + 1700) % 4000) - 2000;
      return encodeStGs({
        status: settled ? 'stable' : 'motion',
        mode: 'gross',
        weightG: Math.max(0, Math.round(grams + this.noise)),
        unit: 'kg',
        decimals: 1,
      });
    });
  }

  setClamp(closed: boolean): void {
    this.board.setDigital(this.pins.clamp, closed);
  }

  setArmTop(closed: boolean): void {
    this.board.setDigital(this.pins.armTop, closed);
  }

  /** One packing stroke whose peak pressure says `fill` (the inverse of the agent's fill curve). */
  setCompactorFill(fill: number): void {
    const p = this.pressure;
    const bar = p.emptyBar + Math.min(1, Math.max(0, fill)) * (p.fullBar - p.emptyBar);
    const raw = Math.round(p.rawAtZero + (bar / p.fullScaleBar) * (p.rawAtFullScale - p.rawAtZero));
    if (this.strokeTimer) clearTimeout(this.strokeTimer);
    this.board.setAnalog(this.pins.pressureChannel, raw);
    this.strokeTimer = setTimeout(
      () => this.board.setAnalog(this.pins.pressureChannel, p.rawAtZero),
      this.strokeMs,
    );
  }

  pressUnload(): void {
    // The lifter board has no unload button: the unload shows through the compactor fill.
  }

  setPosition(lat: number, lon: number): void {
    this.position = { lat, lon };
  }

  /** Stops every device's timers. */
  stop(): void {
    if (this.strokeTimer) clearTimeout(this.strokeTimer);
    this.rfid.stop();
    this.indicator.stop();
    this.gps.stop();
    this.board.stop();
  }
}
