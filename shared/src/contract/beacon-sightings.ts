import { z } from 'zod';
import { BeaconId, BleAddress, DeviceId, EventHeader, UtcTime } from './common.js';

export const BeaconFrameType = z
  .enum(['ibeacon', 'altbeacon', 'eddystone-uid', 'eddystone-url', 'eddystone-tlm', 'eddystone-eid'])
  .describe('BLE advertisement frame type');
export type BeaconFrameType = z.infer<typeof BeaconFrameType>;

export const ProximityZone = z
  .enum(['immediate', 'near', 'far'])
  .describe('immediate < 0.5 m ≤ near < 4 m ≤ far (configurable)');

/** One allowlisted beacon heard during a batch window. */
export const BeaconSighting = z.object({
  beaconId: BeaconId,
  address: BleAddress.describe('Address the frames came from (allowlisted beacons only)'),
  frames: z.array(BeaconFrameType).min(1).describe('Frame types heard in the window'),
  count: z.number().int().min(1).describe('Advertisements heard in the window'),
  rssiDbm: z
    .object({
      smoothed: z.number().describe('Filtered RSSI at window end (see docs/beacons.md for the filter)'),
      min: z.number().int(),
      max: z.number().int(),
    })
    .describe('Received signal strength, dBm'),
  txPowerDbm: z
    .number()
    .int()
    .nullable()
    .describe('Calibrated power at 1 m from the frame (Eddystone: 0 m − 41 dB)'),
  distanceM: z.number().nonnegative().nullable().describe('Log-distance estimate from the smoothed RSSI'),
  zone: ProximityZone.nullable(),
  intervalMs: z
    .number()
    .nonnegative()
    .nullable()
    .describe('Measured advertising interval; null if heard once'),
  addressMismatch: z.boolean().describe('The id was heard from an address other than the allowlisted one'),
});
export type BeaconSighting = z.infer<typeof BeaconSighting>;

/** Gateway → cloud, one per batch window. Topic `releve/v1/gateways/{gatewayId}/sightings`, QoS 1. */
export const BeaconSightingsBatch = z
  .object({
    ...EventHeader,
    gatewayId: DeviceId,
    windowStart: UtcTime,
    windowEnd: UtcTime,
    beacons: z.array(BeaconSighting).max(2000),
  })
  .describe('Allowlisted beacons heard by a gateway in one window');
export type BeaconSightingsBatch = z.infer<typeof BeaconSightingsBatch>;
