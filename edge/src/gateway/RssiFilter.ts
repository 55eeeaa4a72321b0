/**
 * A one-dimensional Kalman filter for RSSI (constant-level model with random-walk drift).
 *
 * Why Kalman and not median+EWMA: advertisements arrive at irregular times (packet loss, 0–10 ms
 * advDelay, several frame types per beacon), and the Kalman gain adapts to the gap since the
 * last reading — after a long silence the estimate follows the new readings quickly, while at
 * steady state it averages about R/Q readings. It needs two numbers a site engineer can
 * reason about: the variance of one reading (R, ≈16 dB² for σ ≈ 4 dB indoors) and how fast the
 * true level may drift (Q per second; a person carrying nothing moves beacons rarely).
 * Readings more than 4σ away from the estimate are dampened (gain halved) so one reflection
 * does not throw a beacon into another zone.
 */
export interface RssiFilterSettings {
  processNoiseDb2PerS: number;
  measurementNoiseDb2: number;
}

export class RssiFilter {
  #x: number | null = null;
  #p = 0;
  #lastMs = 0;

  constructor(private readonly s: RssiFilterSettings) {}

  /** Current estimate, dBm (null before the first reading). */
  get value(): number | null {
    return this.#x;
  }

  /** Adds a reading taken at `atMs`; returns the new estimate. */
  update(rssi: number, atMs: number): number {
    if (this.#x === null) {
      this.#x = rssi;
      this.#p = this.s.measurementNoiseDb2;
      this.#lastMs = atMs;
      return rssi;
    }
    const dt = Math.max(0, atMs - this.#lastMs) / 1000;
    this.#lastMs = atMs;
    const p = this.#p + this.s.processNoiseDb2PerS * dt;
    let k = p / (p + this.s.measurementNoiseDb2);
    const innovation = rssi - this.#x;
    if (innovation * innovation > 16 * (p + this.s.measurementNoiseDb2)) k /= 2;
    this.#x += k * innovation;
    this.#p = (1 - k) * p;
    return this.#x;
  }
}
