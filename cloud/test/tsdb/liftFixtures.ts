import { randomUUID } from 'node:crypto';
import type { LiftEvent } from '@releve/shared';

/** A valid lift of `truckId` at `startedAtMs`, with a net weight chosen by the test. */
export function liftAt(truckId: string, seq: number, startedAtMs: number, netWeightG: number): LiftEvent {
  const tareWeightG = 12_500;
  const startedAt = new Date(startedAtMs).toISOString();
  return {
    id: randomUUID(),
    seq,
    ts: new Date(startedAtMs + 9_000).toISOString(),
    truckId,
    startedAt,
    tag: { scheme: 'em4100', id: '100086F444' },
    grossWeightG: tareWeightG + netWeightG,
    tareWeightG,
    netWeightG,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags: [],
    tripSeq: 1,
    position: null,
  };
}
