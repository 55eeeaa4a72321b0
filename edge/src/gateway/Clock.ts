/** The gateway's clock: the shared `Clock` (tests drive gateway and simulated beacons with one virtual clock). */
export { type Clock, systemClock } from '@releve/shared/time/Clock';

/** UTC ISO-8601 with milliseconds, as the contract wants. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
