import { BeaconId, DeviceId, UtcTime } from '@releve/shared';
import { z } from 'zod';
import { BEACON_STATUSES } from './BeaconStatus.js';
import { GATEWAY_STATUSES } from './GatewayStatus.js';

/**
 * Response bodies of the beacon fleet routes (`/api/v1/beacon-fleet/…`), also their OpenAPI
 * schemas. They carry beacons, gateways and their series only: nothing about households,
 * bins or lifts, so the beacon operator's role stays within its delegation.
 */

const Status = z
  .enum(BEACON_STATUSES)
  .describe('Beacon status, by priority: suspected-clone > silent > moved > low-battery > ok');

export const BatteryTrendView = z
  .object({
    points: z
      .number()
      .int()
      .describe('10-minute battery means the least-squares fit used (after the last battery change)'),
    from: UtcTime.nullable(),
    to: UtcTime.nullable(),
    spanHours: z.number().describe('Time span of those readings'),
    slopeMvPerDay: z.number().nullable().describe('Fitted slope; null below the minimum points or span'),
    lowBatteryAt: UtcTime.nullable().describe('When the fitted line reaches the low-battery threshold'),
    lastMv: z.number().int().nullable(),
  })
  .describe('Battery trend from Eddystone-TLM readings');

export const CloneEvidenceView = z
  .object({
    kind: z.enum(['address-mismatch', 'counter-anomaly', 'gateway-alert', 'distant-gateways']),
    gatewayId: DeviceId.optional(),
    gatewayIds: z.array(DeviceId).optional(),
    at: UtcTime.optional(),
    count: z.number().int().optional(),
    separationM: z.number().optional(),
    distancesM: z.array(z.number()).optional(),
  })
  .describe('One reason to suspect a clone');

export const PlacementView = z
  .object({
    strongestGatewayId: DeviceId,
    strongestRegisteredDistanceM: z.number(),
    nearestGatewayId: DeviceId,
    nearestRegisteredDistanceM: z.number(),
    nearestEstimatedDistanceM: z.number().nullable(),
    movedBecause: z.enum(['strongest-gateway-far', 'distance-inconsistent']).nullable(),
  })
  .describe('Where the beacon is heard compared with its registered position');

export const BeaconFleetView = z
  .object({
    beaconId: BeaconId,
    name: z.string(),
    shop: z.string().nullable(),
    address: z.string().nullable().describe('Registered BLE address (null: any)'),
    lat: z.number(),
    lon: z.number(),
    registeredAt: UtcTime.describe('Start of its availability obligation'),
    status: Status,
    conditions: z.array(Status).describe('Every status rule that applies'),
    lastSeenAt: UtcTime.nullable().describe('End of the last batch window it was sighted in'),
    silentForMin: z.number().nullable(),
    lastBatteryMv: z.number().int().nullable(),
    battery: BatteryTrendView,
    reboots: z
      .object({ count: z.number().int(), lastAt: UtcTime.nullable() })
      .describe('Distinct reboots in the trend period'),
    clone: z.array(CloneEvidenceView),
    placement: PlacementView.nullable(),
  })
  .describe('A beacon with its fleet status');

export const BeaconFleetList = z
  .object({ items: z.array(BeaconFleetView) })
  .describe('Every registered beacon');

export const BeaconFleetDetail = BeaconFleetView.extend({
  batteryReadings: z
    .array(
      z.object({
        at: UtcTime.describe('Middle of the 10-minute bucket'),
        batteryMv: z.number().int().describe('Mean battery voltage, rounded'),
        readings: z.number().int().describe('TLM reports averaged (every gateway)'),
      }),
    )
    .describe('Battery points of the trend period: 10-minute means, oldest first'),
}).describe('One beacon with its battery readings');

export const GatewayFleetView = z
  .object({
    gatewayId: DeviceId,
    name: z.string(),
    site: z.string().nullable(),
    lat: z.number(),
    lon: z.number(),
    status: z.enum(GATEWAY_STATUSES),
    problems: z.array(z.enum(['scanner-not-scanning', 'health-stale', 'no-health'])),
    online: z.object({ state: z.enum(['online', 'offline']), cause: z.string(), since: UtcTime }).nullable(),
    health: z
      .object({
        ts: UtcTime,
        scanner: z.string(),
        advRatePerS: z.number(),
        scanRestarts: z.number().int(),
        expectedBeacons: z.number().int(),
        heardBeacons: z.number().int(),
        outboxBacklog: z.number().int(),
      })
      .nullable()
      .describe('Latest health report'),
    alerts: z
      .record(z.string(), z.number().int())
      .describe("The gateway's own alerts of the last 24 h, by kind"),
  })
  .describe('A gateway with its fleet status');

export const GatewayFleetList = z
  .object({ items: z.array(GatewayFleetView) })
  .describe('Every registered gateway');

export const FleetAlertView = z
  .object({
    alertId: z.number().int(),
    raisedAt: UtcTime,
    deviceKind: z.enum(['beacon', 'gateway']),
    deviceId: z.string(),
    kind: z.string().describe('beacon-<status> or gateway-<status>: the status entered'),
    severity: z.enum(['info', 'warning', 'critical']),
    fromStatus: z.string().nullable(),
    toStatus: z.string(),
    detail: z.string(),
  })
  .describe('An alert the cloud raised on a status change');

export const FleetAlertPage = z
  .object({ items: z.array(FleetAlertView), nextBefore: z.number().int().nullable() })
  .describe('Cloud alerts, newest first; pass `nextBefore` as `before` for the next page');

const Slots = {
  eligible: z
    .number()
    .int()
    .describe('5-minute slots owed: ending after registration and by the report time'),
  heard: z.number().int().describe('Of those, slots in which at least one gateway heard the beacon'),
  availability: z.number().min(0).max(1).nullable().describe('heard / eligible; null when nothing was owed'),
};

export const AvailabilityView = z
  .object({
    month: z.string().regex(/^\d{4}-\d{2}$/),
    slotMinutes: z.literal(5),
    computedAt: UtcTime,
    beacons: z.array(
      z.object({
        beaconId: BeaconId,
        name: z.string(),
        shop: z.string().nullable(),
        registeredAt: UtcTime,
        ...Slots,
      }),
    ),
    totals: z.object({ beacons: z.number().int(), ...Slots }),
  })
  .describe('Monthly availability of the beacon network');
