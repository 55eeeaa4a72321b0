import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PtyDeviceLink } from '../pty/PtyDeviceLink.js';
import { DEFAULT_PULSE_FLOOR_MS, type DrivenLift, RouteDriver } from '../truck/RouteDriver.js';
import type { RouteFile } from '../truck/RouteFile.js';
import { SimulatedTruck } from '../truck/SimulatedTruck.js';
import type { DemoTruck } from './DemoFleet.js';

/** What the simulated driver reads on the cab screen (`GET /view`, the agent's `CabView`). */
interface CabViewLike {
  advice: { action: 'continue' | 'unload'; reason: string };
  lastLift: { startedAt: string } | null;
}

/** Serial paths of one simulated truck's devices (real ptys made by socat). */
export interface TruckTtys {
  rfid: string;
  indicator: string;
  lifter: string;
  gps: string;
}

interface RigEvents {
  lift: [lift: DrivenLift];
  unload: [];
  done: [];
}

/**
 * One simulated truck of the demo: its four devices (RFID reader, weighing indicator, lifter
 * Arduino, GNSS) speaking the real bytes on real pseudo-terminals, and the route driver moving
 * them bin after bin. Device rates follow the speed so a lift looks the same to the agent at
 * ten times real time (more indicator frames per second, shorter packing strokes).
 */
export class SimulatedTruckRig extends EventEmitter<RigEvents> {
  readonly sim: SimulatedTruck;
  readonly #links: PtyDeviceLink[];
  readonly #ttyPaths: string[];
  readonly #driver: RouteDriver;
  #running: Promise<void> | null = null;
  #stopped = false;

  /**
   * @param ttyDir where the tty links go (the truck's directory in the demo data directory, so
   *   every process of the demo names that directory in its command line)
   */
  constructor(
    readonly truck: DemoTruck,
    readonly speed: number,
    ttyDir: string,
  ) {
    super();
    this.sim = new SimulatedTruck({
      indicatorIntervalMs: Math.max(10, Math.round(100 / speed)),
      rfidIntervalMs: Math.max(10, Math.round(50 / speed)),
      gpsIntervalMs: Math.max(200, Math.round(1000 / speed)),
      strokeMs: Math.max(60, Math.round(600 / speed)),
    });
    const devices = {
      rfid: this.sim.rfid,
      indicator: this.sim.indicator,
      lifter: this.sim.board,
      gps: this.sim.gps,
    };
    this.#ttyPaths = Object.keys(devices).map((role) => join(ttyDir, `tty-${role}`));
    this.#links = Object.values(devices).map(
      (d, i) => new PtyDeviceLink(d, { linkPath: this.#ttyPaths[i] as string }),
    );
    this.#driver = new RouteDriver(this.sim, {
      timeScale: 1 / speed,
      bodyVolumeL: truck.bodyVolumeL,
      compactedDensityKgM3: 350,
      pulseFloorMs: DEFAULT_PULSE_FLOOR_MS,
    });
    this.#driver.on('lift-done', (l) => this.emit('lift', l));
    this.#driver.on('unload', () => this.emit('unload'));
  }

  /** Starts socat for each device; resolves with the tty paths the agent opens. */
  async plugIn(): Promise<TruckTtys> {
    // a link left by a run that was killed would stand in socat's way
    await Promise.all(this.#ttyPaths.map((p) => rm(p, { force: true })));
    const [rfid, indicator, lifter, gps] = await Promise.all(this.#links.map((l) => l.start()));
    return { rfid, indicator, lifter, gps } as TruckTtys;
  }

  /** True once the agent has set the lifter board up (it reports the clamp pin). */
  get hostReady(): boolean {
    return this.sim.board.isReportingDigital(2);
  }

  /**
   * Starts driving the round (once). With the agent's cab screen (`viewUrl`, its `/view`), the
   * simulated driver does what the screen says: before each bin it looks at the advice and goes
   * to unload when told to. Without it, it follows the unload stops written in the route.
   */
  drive(viewUrl?: string): void {
    this.#running ??= (viewUrl ? this.#followAdvice(viewUrl) : this.#driver.run(this.truck.route)).then(
      () => {
        if (!this.#stopped) this.emit('done');
      },
    );
  }

  async #followAdvice(viewUrl: string): Promise<void> {
    const route = this.truck.route;
    const bins = route.stops.filter((s) => s.type === 'bin');
    const site = route.stops.find((s) => s.type === 'unload') ?? { type: 'unload' as const };
    const one = (stop: RouteFile['stops'][number]) => this.#driver.run({ ...route, stops: [stop] });
    let lastSeen: string | null = null;
    let loaded = false;
    for (const bin of bins) {
      if (this.#stopped) return;
      if (loaded) {
        const view = await this.#viewAfterLift(viewUrl, lastSeen);
        lastSeen = view?.lastLift?.startedAt ?? lastSeen;
        if (view?.advice.action === 'unload') {
          await one(site);
          loaded = false;
        }
      }
      await one(bin);
      loaded = true;
    }
    if (!this.#stopped) await one(site);
  }

  /** The cab view once it shows a lift newer than `after` (up to 2 s: a missed lift books nothing). */
  async #viewAfterLift(viewUrl: string, after: string | null): Promise<CabViewLike | null> {
    const until = Date.now() + 2000;
    let view: CabViewLike | null = null;
    while (!this.#stopped) {
      try {
        view = (await (await fetch(viewUrl)).json()) as CabViewLike;
      } catch {
        return null;
      }
      if ((view.lastLift?.startedAt ?? null) !== after || Date.now() > until) return view;
      await new Promise((r) => setTimeout(r, 50));
    }
    return view;
  }

  /** Stops driving, the devices and socat; no process is left behind. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#driver.stop();
    await this.#running;
    this.sim.stop();
    await Promise.all(this.#links.map((l) => l.stop()));
  }
}

/** Settings of the truck agent of a simulated truck (`releve-truck run --config`). */
export function truckAgentConfig(o: {
  truck: DemoTruck;
  ttys: TruckTtys;
  dataDir: string;
  brokerUrl: string;
  passwordFile: string;
  speed: number;
  cabPort: number;
}): Record<string, unknown> {
  const { truck, ttys, speed } = o;
  const scaled = (ms: number, floor: number) => Math.max(floor, Math.round(ms / speed));
  return {
    truckId: truck.truckId,
    dataDir: o.dataDir,
    devices: {
      rfid: { protocol: 'em4100', serial: { path: ttys.rfid } },
      indicator: { protocol: 'st-gs', serial: { path: ttys.indicator } },
      lifter: {
        serial: { path: ttys.lifter },
        board: {
          debounceMs: scaled(30, 5),
          versionQueryDelayMs: scaled(2000, 200),
          unknownBinHoldMs: scaled(5000, 500),
          pressure: { samplingIntervalMs: scaled(100, 20) },
        },
      },
      gps: { serial: { path: ttys.gps } },
      side: 'rear',
    },
    capacity: { maxPayloadG: truck.maxPayloadG, bodyVolumeL: truck.bodyVolumeL },
    weighing: { scaleIntervalG: truck.scaleIntervalG },
    thresholds: { tagGraceMs: scaled(3000, 500) },
    status: { intervalS: Math.max(5, Math.round(30 / speed)) },
    broker: { url: o.brokerUrl, passwordFile: o.passwordFile },
    cabScreen: { enabled: true, host: '127.0.0.1', port: o.cabPort },
  };
}
