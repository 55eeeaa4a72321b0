/**
 * Time for the simulated serial devices. They never call Node timers directly: they take a
 * clock, so a test drives them with the virtual clock (`VirtualClock` from `../beacons/`
 * fits this interface) and runs a minute of device output in a millisecond, while the demo
 * and the pseudo-terminal runner use `realTimeClock`.
 */
export interface DeviceClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

/** Wall time and Node timers (unref'd: a simulated device never keeps the process alive alone). */
export const realTimeClock: DeviceClock = {
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
