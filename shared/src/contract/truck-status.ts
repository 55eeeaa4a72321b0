import { z } from 'zod';
import { DeviceId, EventHeader, Grams, Position } from './common.js';

/** Why the agent advises what it advises. */
export const UnloadReason = z
  .enum([
    'capacity-available', // continue: the next expected bins fit
    'weight-next-bins', // unload: the next bins on the route would pass the legal payload
    'volume-next-bins', // unload: the next bins would pass the body volume
    'weight-margin', // unload: no route known, payload within the configured margin of the limit
    'volume-margin', // unload: no route known, volume fill within the margin
    'over-payload', // unload now: the legal payload is reached or passed
    'route-done', // unload: the route has no bins left
  ])
  .describe('Reason code for the unload advice');
export type UnloadReason = z.infer<typeof UnloadReason>;

export const UnloadAdvice = z
  .object({
    action: z.enum(['continue', 'unload']),
    reason: UnloadReason,
    binsUntilFull: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe('Expected bins that still fit; null if unknown'),
  })
  .describe('What the driver is told');
export type UnloadAdvice = z.infer<typeof UnloadAdvice>;

/** Truck → cloud, on every change and at least every 30 s. Topic `releve/v1/trucks/{truckId}/status`, QoS 1. */
export const TruckStatus = z
  .object({
    ...EventHeader,
    truckId: DeviceId,
    tripSeq: z.number().int().min(1),
    liftsThisTrip: z.number().int().nonnegative(),
    payloadG: Grams.describe('Payload on board: sum of net lifts this trip, or the axle load cells'),
    maxPayloadG: Grams.positive().describe('Legal payload limit of this truck'),
    weightFill: z.number().min(0).describe('payloadG / maxPayloadG (may exceed 1 when overloaded)'),
    volumeFill: z
      .number()
      .min(0)
      .nullable()
      .describe('Body volume fill 0–1 from compactor pressure; null if no sensor'),
    advice: UnloadAdvice,
    position: Position.nullable(),
    outboxBacklog: z.number().int().nonnegative().describe('Events waiting in the truck outbox'),
    health: z
      .record(z.string(), z.number().int().nonnegative())
      .describe('Counters: bad frames, unknown bins, unstable lifts, serial reopens, clock jumps…'),
  })
  .describe('State of a truck and the unload advice');
export type TruckStatus = z.infer<typeof TruckStatus>;
