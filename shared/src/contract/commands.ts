import { z } from 'zod';
import { BeaconId, BleAddress, Grams, UtcTime } from './common.js';

/** Header of every cloud → device message: devices keep the highest `version` they saw. */
const CommandHeader = {
  version: z
    .number()
    .int()
    .min(1)
    .describe('Monotonic version; a device ignores anything older than what it has'),
  issuedAt: UtcTime,
};

/**
 * Cloud → truck, retained. Topic `releve/v1/trucks/{truckId}/cmd/config`. Overrides of the
 * truck's local file; absent fields keep the local value.
 */
export const TruckConfigCommand = z
  .object({
    ...CommandHeader,
    maxPayloadG: Grams.positive().optional(),
    minimumG: Grams.nonnegative().optional().describe('Instrument minimum below which a lift is flagged'),
    unloadMarginG: Grams.nonnegative()
      .optional()
      .describe('Without a route: advise unloading within this of the limit'),
    volumeMargin: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Without a route: advise unloading above 1 − margin'),
    statusIntervalS: z.number().int().min(5).max(3600).optional(),
  })
  .describe('Settings pushed to a truck');
export type TruckConfigCommand = z.infer<typeof TruckConfigCommand>;

/** One planned stop of a route, in driving order. */
export const RouteStop = z.object({
  order: z.number().int().min(1),
  tagId: z.string().max(32).nullable().describe('Canonical tag id of the bin, when known'),
  volumeL: z.number().int().positive().describe('Bin volume (EN 840: 120…1100 L)'),
  expectedWeightG: Grams.nonnegative().describe('Typical net weight for this bin (history), grams'),
  lat: z.number().min(-90).max(90).optional().describe('Latitude, decimal degrees WGS 84'),
  lon: z.number().min(-180).max(180).optional().describe('Longitude, decimal degrees WGS 84'),
});
export type RouteStop = z.infer<typeof RouteStop>;

/** Cloud → truck, retained. Topic `releve/v1/trucks/{truckId}/cmd/route`. */
export const RouteCommand = z
  .object({
    ...CommandHeader,
    routeId: z.string().min(1).max(64),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .describe("Collection day, YYYY-MM-DD: a calendar day in the authority's time zone, not UTC"),
    looseDensityKgM3: z
      .number()
      .positive()
      .max(1000)
      .optional()
      .describe('Loose waste density for volume estimates'),
    stops: z.array(RouteStop).max(5000),
  })
  .describe("Today's route with each bin's typical weight");
export type RouteCommand = z.infer<typeof RouteCommand>;

/** Cloud → gateway, retained. Topic `releve/v1/gateways/{gatewayId}/cmd/config`. */
export const GatewayConfigCommand = z
  .object({
    ...CommandHeader,
    batchIntervalS: z.number().int().min(1).max(600).optional(),
    pathLossExponent: z.number().min(1).max(6).optional(),
    stallAfterS: z.number().int().min(5).max(3600).optional(),
    footfall: z.object({ enabled: z.boolean(), k: z.number().int().min(2).max(100) }).optional(),
  })
  .describe('Settings pushed to a gateway');
export type GatewayConfigCommand = z.infer<typeof GatewayConfigCommand>;

/** A beacon the operator deployed. */
export const AllowlistedBeacon = z.object({
  beaconId: BeaconId,
  address: BleAddress.nullable().describe('Expected address; null for beacons with rotating addresses'),
  name: z.string().max(100),
  lat: z.number().min(-90).max(90).describe('Latitude, decimal degrees WGS 84'),
  lon: z.number().min(-180).max(180).describe('Longitude, decimal degrees WGS 84'),
  expectedIntervalMs: z.number().int().positive().optional(),
});
export type AllowlistedBeacon = z.infer<typeof AllowlistedBeacon>;

/** Cloud → gateway, retained. Topic `releve/v1/gateways/{gatewayId}/cmd/allowlist`. */
export const BeaconAllowlistCommand = z
  .object({
    ...CommandHeader,
    beacons: z.array(AllowlistedBeacon).max(10_000),
  })
  .describe('The beacons a gateway reports; everything else stays on the gateway');
export type BeaconAllowlistCommand = z.infer<typeof BeaconAllowlistCommand>;
