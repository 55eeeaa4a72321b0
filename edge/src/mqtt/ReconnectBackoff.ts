/** Settings of the reconnect delay. */
export interface BackoffSettings {
  /** First delay after a lost connection, ms. */
  initialMs: number;
  /** Ceiling of the delay, ms. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Fraction of the delay taken off at random (0–1), so a fleet does not reconnect in step. */
  jitter: number;
}

/** Defaults: 1 s, doubling, capped at 60 s, up to 20 % jitter. */
export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.2 };

/**
 * Exponential reconnect delay with jitter: a truck leaving coverage should not hammer the
 * broker, and a hundred gateways coming back after a broker restart should not arrive together.
 */
export class ReconnectBackoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failed attempt. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.settings;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt += 1;
    return Math.max(0, Math.round(base * (1 - jitter * this.random())));
  }

  /** Back to the initial delay (after a successful connection). */
  reset(): void {
    this.attempt = 0;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}
