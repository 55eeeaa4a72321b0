/**
 * Time for the simulated serial devices: the shared `Clock`. They never call Node timers
 * directly, so a test drives them with the virtual clock (`VirtualClock` from `../beacons/`)
 * and runs a minute of device output in a millisecond; the demo and the pseudo-terminal
 * runner use `realTimeClock`.
 */
import { type Clock, systemClock } from '@releve/shared/time/Clock';

export type DeviceClock = Clock;
/** Wall time and Node timers (unref'd: a simulated device never keeps the process alive alone). */
export const realTimeClock: DeviceClock = systemClock;
