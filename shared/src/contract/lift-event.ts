import { z } from 'zod';
import { DeviceId, EventHeader, Grams, Position, UtcTime } from './common.js';

/** How a bin tag was read: EM4100 125 kHz, or ISO 11784/11785 FDX-B 134.2 kHz. */
export const TagScheme = z.enum(['em4100', 'fdx-b']).describe('RFID tag technology');

/**
 * A bin's RFID tag. `id` is canonical: EM4100 as 10 upper-case hex digits (`100086F444`),
 * FDX-B as `<3-digit country>-<12-digit national id>` (`250-000001088420`).
 */
export const BinTag = z
  .object({
    scheme: TagScheme,
    id: z
      .string()
      .regex(/^([0-9A-F]{10}|\d{3}-\d{12})$/, 'EM4100: 10 hex digits; FDX-B: CCC-NNNNNNNNNNNN')
      .describe('Canonical tag id'),
  })
  .describe('RFID tag read on the bin');
export type BinTag = z.infer<typeof BinTag>;

/**
 * Why a lift cannot be billed by weight as it stands. The cloud never bills a flagged weight;
 * billing rules per flag are in `docs/billing.md`.
 */
export const LiftFlag = z
  .enum([
    'no-tag', // no readable tag during the cycle
    'unstable', // no stable reading within the weighing window
    'below-minimum', // net under the instrument minimum (Min = 10 e)
    'overload', // the indicator reported overload on gross or tare
    'negative-net', // tare heavier than gross
    'clock-unsynced', // the truck clock was not trusted when the lift was booked
  ])
  .describe('Anomaly flag on a lift');
export type LiftFlag = z.infer<typeof LiftFlag>;

/** Truck → cloud, one per lifter cycle. Topic `releve/v1/trucks/{truckId}/lifts`, QoS 1. */
export const LiftEvent = z
  .object({
    ...EventHeader,
    truckId: DeviceId,
    startedAt: UtcTime.describe('Lifter cycle start (bin hooked)'),
    tag: BinTag.nullable().describe('Tag read during the cycle, null when none'),
    grossWeightG: Grams.nullable().describe('Stable gross weight from the indicator; null if none'),
    tareWeightG: Grams.nullable().describe('Stable tare weight (empty bin) from the indicator; null if none'),
    netWeightG: Grams.nullable().describe('gross − tare; null when either is missing'),
    scaleIntervalG: z.number().int().positive().describe('Scale interval e of the instrument, grams'),
    minimumG: z.number().int().nonnegative().describe('Instrument minimum Min in force, grams'),
    flags: z.array(LiftFlag).describe('Anomalies; empty for a billable lift'),
    tripSeq: z.number().int().min(1).describe('Trip number since the agent was installed (+1 per unload)'),
    side: z.enum(['left', 'right', 'rear']).optional().describe('Which lifter, when the truck has several'),
    position: Position.nullable(),
  })
  .describe('A weighed lift of one bin');
export type LiftEvent = z.infer<typeof LiftEvent>;
