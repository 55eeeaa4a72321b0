/**
 * The air around a gateway: simulated beacons and phones advertise on a virtual clock, and
 * each packet reaches the simulated controller with an RSSI from the log-distance path-loss
 * model plus Gaussian noise (RSSI = P₁ₘ − 10·n·log₁₀ d + N(0, σ²)), or is lost.
 */
import { AdvEventType, type SimulatedHciBinding } from './SimulatedHciBinding.js';
import type { SimulatedBeacon } from './SimulatedBeacon.js';
import { SimulatedPhone } from './SimulatedPhone.js';

/** The clock the air runs on: a `VirtualClock` in tests, the system clock in a live demo. */
export interface AirClock {
  now(): number;
  after(ms: number, fn: () => void): () => void;
}

/** Deterministic PRNG (mulberry32), so a seeded scenario replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RadioFieldOptions {
  clock: AirClock;
  binding: SimulatedHciBinding;
  seed?: number;
  /** Path-loss exponent of the simulated site. */
  pathLossExponent?: number;
  /** Standard deviation of the RSSI noise, dB. */
  noiseDb?: number;
  /** Share of packets lost on air, 0–1. */
  lossRate?: number;
}

export class RadioField {
  readonly random: () => number;
  readonly #clock: AirClock;
  readonly #binding: SimulatedHciBinding;
  readonly #n: number;
  readonly #noiseDb: number;
  readonly #lossRate: number;
  readonly #stops = new Set<() => void>();
  /** Packets put on air. */
  sent = 0;

  constructor(o: RadioFieldOptions) {
    this.#clock = o.clock;
    this.#binding = o.binding;
    this.random = seededRandom(o.seed ?? 1);
    this.#n = o.pathLossExponent ?? 2.7;
    this.#noiseDb = o.noiseDb ?? 4;
    this.#lossRate = o.lossRate ?? 0.05;
  }

  /** Gaussian sample (Box–Muller). */
  gaussian(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  /** A noisy RSSI for a transmitter of `powerAt1mDbm` at `distanceM`, clamped to −127…+20 dBm. */
  rssi(powerAt1mDbm: number, distanceM: number): number {
    const mean = powerAt1mDbm - 10 * this.#n * Math.log10(Math.max(distanceM, 0.05));
    return Math.max(-127, Math.min(20, Math.round(mean + this.#noiseDb * this.gaussian())));
  }

  /** Puts a beacon on air; returns a function that takes it off. */
  addBeacon(beacon: SimulatedBeacon): () => void {
    return this.#schedule(
      () => beacon.intervalMs,
      () => {
        const data = beacon.nextPacket(this.#clock.now());
        if (data) {
          this.#air({
            eventType: AdvEventType.NonConnectable,
            address: beacon.address,
            addressType: 'public',
            data,
            rssi: this.rssi(beacon.powerAt1mDbm, beacon.distanceM),
          });
        }
      },
    );
  }

  /** Puts a phone on air; returns a function that takes it off. */
  addPhone(phone: SimulatedPhone): () => void {
    return this.#schedule(
      () => phone.intervalMs,
      () => {
        const p = phone.nextPacket(this.#clock.now());
        this.#air({
          eventType: p.scanResponse ? AdvEventType.ScanResponse : AdvEventType.Connectable,
          address: phone.address,
          addressType: 'random',
          data: p.data,
          rssi: this.rssi(-60, phone.distanceM),
        });
      },
    );
  }

  /**
   * A crowd: `present` phones at a time, each staying `dwellMs` then replaced by a new one with
   * new addresses. Returns the phones created so far (a live array) and a stop function.
   */
  addCrowd(o: {
    present: number;
    dwellMs: number;
    rotateMs?: number;
    intervalMs?: number;
    /** Keep every phone created in `phones` (tests); off for long benchmarks. */
    record?: boolean;
  }): { phones: SimulatedPhone[]; stop: () => void } {
    const phones: SimulatedPhone[] = [];
    const active = new Set<() => void>();
    const arrive = (stayMs: number) => {
      const phone = new SimulatedPhone({
        random: this.random,
        rotateMs: o.rotateMs,
        intervalMs: o.intervalMs,
        distanceM: 1 + this.random() * 15,
      });
      if (o.record !== false) phones.push(phone);
      const off = this.addPhone(phone);
      const leave = () => {
        off();
        active.delete(leave);
        cancelLeave();
      };
      const cancelLeave = this.#clock.after(stayMs, () => {
        leave();
        arrive(o.dwellMs);
      });
      active.add(leave);
    };
    for (let i = 0; i < o.present; i++) arrive(Math.round(((i + 1) * o.dwellMs) / o.present));
    const stop = () => {
      for (const leave of [...active]) leave();
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return { phones, stop };
  }

  /** Takes everything off the air. */
  stop(): void {
    for (const s of [...this.#stops]) s();
    this.#stops.clear();
  }

  #air(r: Parameters<SimulatedHciBinding['report']>[0]): void {
    this.sent += 1;
    if (this.random() < this.#lossRate) return;
    this.#binding.report({ ...r, address: r.address.toLowerCase() });
  }

  #schedule(intervalMs: () => number, send: () => void): () => void {
    let cancel = () => {};
    let stopped = false;
    const next = () => {
      // Each advertising event is delayed by a pseudo-random 0–10 ms (advDelay).
      cancel = this.#clock.after(intervalMs() + this.random() * 10, () => {
        if (stopped) return;
        send();
        next();
      });
    };
    cancel = this.#clock.after(this.random() * intervalMs(), () => {
      send();
      next();
    });
    const stop = () => {
      stopped = true;
      cancel();
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }
}
