/**
 * Time behind one small interface: wall time and timers. Agents and simulated devices take a
 * clock instead of calling Node timers, so tests drive them with a virtual clock
 * (firmware-sim `VirtualClock`) faster than real time.
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
