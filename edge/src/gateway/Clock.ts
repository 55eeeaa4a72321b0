/**
 * Time for the gateway: wall time and timers behind one small interface, so tests drive the
 * gateway and the simulated beacons with one virtual clock (firmware-sim `VirtualClock`)
 * faster than real time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

/** The system clock with Node timers (unref'd: they never keep the process alive alone). */
export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** UTC ISO-8601 with milliseconds, as the contract wants. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
