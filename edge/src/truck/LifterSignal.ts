/**
 * What the lifter's sensors say, as the Firmata board reports them (two digital inputs):
 * - clamp sensor closes → `hooked` (bin held in weighing position: gross is weighed);
 * - arm-at-top sensor closes → `tipped` (the bin is emptied into the body);
 * - arm-at-top sensor opens → `returned` (bin back in weighing position: tare is weighed);
 * - clamp sensor opens → `released` (cycle end).
 */
export type LifterSignal = 'hooked' | 'tipped' | 'returned' | 'released';

/** A lifter signal with the time it was seen (ms since epoch, agent clock). */
export interface LifterEvent {
  signal: LifterSignal;
  at: number;
}
