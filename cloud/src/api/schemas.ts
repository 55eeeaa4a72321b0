import {
  BeaconId,
  BeaconTelemetry,
  DeviceId,
  GatewayHealth,
  LiftEvent,
  OnlineState,
  TruckStatus,
  UtcTime,
} from '@releve/shared';
import { z } from 'zod';

/**
 * Response bodies of the read endpoints. Device payloads reuse the MQTT contract schemas, so
 * the HTTP API shows exactly what the devices sent (plus what the cloud knows about them).
 */

/** Largest page any list endpoint returns. */
export const MAX_PAGE = 1000;

/** Opaque continuation token of a paginated list. */
export const Cursor = z.string().max(200).describe('Opaque cursor from `nextCursor` of the previous page');

/** `limit` query parameter of paginated lists. */
export const Limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE)
  .default(100)
  .describe(`Page size, 1–${MAX_PAGE}`);

/** A truck: registry facts, connection state and latest status. */
export const TruckView = z
  .object({
    truckId: DeviceId,
    name: z.string().nullable().describe('Registry name; null for a truck not in the registry'),
    online: OnlineState.nullable().describe('Latest online/offline state; null when never connected'),
    lastSeenAt: UtcTime.nullable().describe('Last message received from the truck'),
    status: TruckStatus.nullable().describe('Latest status message'),
  })
  .describe('A truck with its latest status');
export type TruckView = z.infer<typeof TruckView>;

export const TruckList = z.object({ items: z.array(TruckView) }).describe('Every known truck');
export type TruckList = z.infer<typeof TruckList>;

/**
 * A stored lift: the device's event plus what the cloud recorded and resolved. The payer
 * fields (`binId`, `accountId`, `buildingId`) are shown to billing and admin only; they are
 * null for a dispatcher, who runs rounds and needs no household link.
 */
export const LiftRecord = LiftEvent.extend({
  receivedAt: UtcTime.describe('When the cloud stored it'),
  unknownTag: z.boolean().describe('The tag matched no bin of the registry at lift time'),
  cloudFlags: z
    .array(z.enum(['unknown-device', 'clock-skew', 'unknown-tag']))
    .describe('What the cloud noticed on reception'),
  binId: z.string().nullable().describe('Bin of the tag at lift time (billing, admin)'),
  accountId: z.string().nullable().describe('Account paying for that bin (billing, admin)'),
  buildingId: z.string().nullable().describe('Building of a collective bin (billing, admin)'),
  volumeL: z.number().int().nullable().describe('Bin volume, litres'),
}).describe('A stored lift');
export type LiftRecord = z.infer<typeof LiftRecord>;

export const LiftPage = z
  .object({
    items: z.array(LiftRecord),
    nextCursor: Cursor.nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .describe('A page of lifts, oldest first');
export type LiftPage = z.infer<typeof LiftPage>;

/** A beacon of the network: allowlist facts and latest telemetry. */
export const BeaconView = z
  .object({
    beaconId: BeaconId,
    name: z.string().nullable(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    lastSeenAt: UtcTime.nullable().describe('Last sighting by any gateway'),
    lastGatewayId: DeviceId.nullable(),
    telemetry: BeaconTelemetry.nullable().describe('Latest Eddystone-TLM report'),
  })
  .describe('A beacon and its latest reports');
export type BeaconView = z.infer<typeof BeaconView>;

export const BeaconList = z.object({ items: z.array(BeaconView) }).describe('Every known beacon');
export type BeaconList = z.infer<typeof BeaconList>;

/** A beacon gateway: registry facts, connection state, latest health. */
export const GatewayView = z
  .object({
    gatewayId: DeviceId,
    name: z.string().nullable(),
    online: OnlineState.nullable(),
    lastSeenAt: UtcTime.nullable(),
    health: GatewayHealth.nullable().describe('Latest health report'),
  })
  .describe('A gateway and its latest health');
export type GatewayView = z.infer<typeof GatewayView>;

export const GatewayList = z.object({ items: z.array(GatewayView) }).describe('Every known gateway');
export type GatewayList = z.infer<typeof GatewayList>;

/** A message the ingest refused, kept for an administrator. */
export const DeadLetterView = z
  .object({
    id: z.number().int().describe('Store id'),
    receivedAt: UtcTime,
    topic: z.string(),
    code: z.string().describe('Why it was refused (shared error code)'),
    reason: z.string(),
    payload: z.string().describe('The payload as received: UTF-8 text, or base64 when not valid UTF-8'),
    payloadEncoding: z.enum(['utf8', 'base64']),
  })
  .describe('A refused message');
export type DeadLetterView = z.infer<typeof DeadLetterView>;

export const DeadLetterPage = z
  .object({ items: z.array(DeadLetterView), nextCursor: Cursor.nullable() })
  .describe('A page of dead letters, newest first');
export type DeadLetterPage = z.infer<typeof DeadLetterPage>;
