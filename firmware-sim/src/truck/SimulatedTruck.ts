import { GpsSim } from '../devices/GpsSim.js';
import { type RfidProtocol, RfidReaderSim, type RfidReaderSimOptions } from '../devices/RfidReaderSim.js';
import { type IndicatorProtocol, WeighingIndicatorSim } from '../devices/WeighingIndicatorSim.js';
import { FirmataBoardSim } from '../firmata/FirmataBoardSim.js';
import type { MockDeviceBinding } from '../pty/MockDeviceBinding.js';
import type { TruckWorld } from './RouteDriver.js';

/** Options of a `SimulatedTruck`. */
export interface SimulatedTruckOptions {
  rfidProtocol?: RfidProtocol;
  indicatorProtocol?: IndicatorProtocol;
  /** Indicator output period, ms (10 frames/s by default). */
  indicatorIntervalMs?: number;
  /** RFID module repeat period while a tag is in the field, ms (EM4100 modules: ~50 ms). */
  rfidIntervalMs?: number;
  gpsIntervalMs?: number;
  /** Lifter board wiring (the agent's `LifterBoardSettings` defaults: D2, D3, D4, A0). */
  pins?: { clamp: number; armTop: number; tailgate?: number; pressureChannel: number };
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
  /** RFID line faults (corrupted frames, noise bursts), passed to `RfidReaderSim`. */
  rfidFaults?: Pick<RfidReaderSimOptions, 'corruptProbability' | 'lineNoise' | 'seed'>;
}

/**
 * The simulated truck's devices, speaking the real bytes: an RFID reader (`RfidReaderSim`), a
 * weighing indicator streaming at 10 frames/s (`WeighingIndicatorSim`), the lifter's Arduino (StandardFirmata, `FirmataBoardSim`)
 * with clamp, arm and tailgate sensors and the compactor pressure transducer, and an NMEA receiver (`GpsSim`). It is
 * the `TruckWorld` a `RouteDriver` moves.
 */
export class SimulatedTruck implements TruckWorld {
  readonly rfid: RfidReaderSim;
  readonly indicator: WeighingIndicatorSim;
  readonly gps: GpsSim;
  readonly board = new FirmataBoardSim();
  private readonly pins: Required<NonNullable<SimulatedTruckOptions['pins']>>;
  private readonly pressure: NonNullable<SimulatedTruckOptions['pressure']>;
  private readonly strokeMs: number;
  private strokeTimer: NodeJS.Timeout | undefined;

  constructor(options: SimulatedTruckOptions = {}) {
    this.rfid = new RfidReaderSim({
      protocol: options.rfidProtocol ?? 'em4100',
      repeatMs: options.rfidIntervalMs ?? 50,
      ...options.rfidFaults,
    });
    this.indicator = new WeighingIndicatorSim({
      protocol: options.indicatorProtocol ?? 'st-gs',
      framePeriodMs: options.indicatorIntervalMs ?? 100,
    });
    this.gps = new GpsSim({ periodMs: options.gpsIntervalMs ?? 1000 });
    this.pins = { clamp: 2, armTop: 3, tailgate: 4, pressureChannel: 0, ...options.pins };
    this.pressure = options.pressure ?? {
      rawAtZero: 0,
      rawAtFullScale: 1023,
      fullScaleBar: 250,
      emptyBar: 60,
      fullBar: 180,
    };
    this.strokeMs = options.strokeMs ?? 600;
    this.rfid.start();
    this.indicator.start();
    this.gps.start();
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
    this.rfid.showTag(tag);
  }

  setLoad(grams: number, settled: boolean): void {
    this.indicator.setLoad(grams, settled);
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

  /** Tailgate sensor (on the lifter board, like the clamp and arm sensors): closed while raised. */
  setTailgate(raised: boolean): void {
    this.board.setDigital(this.pins.tailgate, raised);
  }

  setPosition(lat: number, lon: number): void {
    this.gps.setPosition(lat, lon);
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
