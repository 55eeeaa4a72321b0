import type { EventDraft } from '../../src/outbox/Outbox.js';

/**
 * Valid event drafts for tests, made from a plan index so every event of a test run is known in
 * advance: a lift's tag id is the index in hex and its weights derive from it, so a received
 * lift says which planned event it is.
 */

const T0 = Date.parse('2026-11-28T06:00:00.000Z');

/** The time of planned event `i` (one lift every 20 s from 06:00 UTC). */
export function planTime(i: number): string {
  return new Date(T0 + i * 20_000).toISOString();
}

/** The tag id of planned lift `i`: 10 upper-case hex digits (EM4100 canonical form). */
export function planTag(i: number): string {
  return i.toString(16).toUpperCase().padStart(10, '0');
}

/** Planned lift `i` of a truck. */
export function liftDraft(truckId: string, i: number): EventDraft<'lift'> {
  const gross = 20_000 + (i % 80) * 1000;
  const tare = 14_500;
  return {
    ts: planTime(i),
    truckId,
    startedAt: planTime(i),
    tag: { scheme: 'em4100', id: planTag(i) },
    grossWeightG: gross,
    tareWeightG: tare,
    netWeightG: gross - tare,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags: [],
    tripSeq: 1,
    position: null,
  };
}

/** The plan index a received lift carries (inverse of `planTag`). */
export function planIndexOfLift(message: { tag: { id: string } | null }): number {
  if (!message.tag) throw new Error('planned lifts always carry a tag');
  return Number.parseInt(message.tag.id, 16);
}

/** A truck status snapshot. */
export function truckStatusDraft(truckId: string, i: number): EventDraft<'truckStatus'> {
  return {
    ts: planTime(i),
    truckId,
    tripSeq: 1,
    liftsThisTrip: i,
    payloadG: i * 5000,
    maxPayloadG: 10_000_000,
    weightFill: (i * 5000) / 10_000_000,
    volumeFill: null,
    advice: { action: 'continue', reason: 'capacity-available', binsUntilFull: null },
    position: null,
    outboxBacklog: 0,
    health: {},
  };
}

/** A gateway health snapshot. */
export function gatewayHealthDraft(gatewayId: string, i: number): EventDraft<'gatewayHealth'> {
  return {
    ts: planTime(i),
    gatewayId,
    scanner: 'scanning',
    advRatePerS: 12.5,
    advTotal: i * 750,
    scanRestarts: 0,
    expectedBeacons: 3,
    heardBeacons: 3,
    outboxBacklog: 0,
    uptimeS: i * 60,
    rssBytes: 50_000_000,
  };
}

/** A (empty) sightings batch of a gateway. */
export function sightingsDraft(gatewayId: string, i: number): EventDraft<'sightings'> {
  return { ts: planTime(i), gatewayId, windowStart: planTime(i), windowEnd: planTime(i + 1), beacons: [] };
}
