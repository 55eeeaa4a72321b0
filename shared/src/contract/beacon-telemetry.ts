import { z } from 'zod';
import { BeaconId, DeviceId, EventHeader } from './common.js';

/**
 * Gateway → cloud, from Eddystone-TLM frames, at most one per beacon per batch window.
 * Topic `releve/v1/gateways/{gatewayId}/telemetry`, QoS 1.
 */
export const BeaconTelemetry = z
  .object({
    ...EventHeader,
    gatewayId: DeviceId,
    beaconId: BeaconId,
    batteryMv: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe('Battery voltage; null when the beacon does not report it'),
    temperatureC: z
      .number()
      .min(-128)
      .max(128)
      .nullable()
      .describe('Beacon temperature; null when unsupported'),
    advCount: z.number().int().nonnegative().describe('ADV_CNT: advertisements since boot'),
    uptimeS: z.number().nonnegative().describe('SEC_CNT / 10: time since boot'),
    rebooted: z.boolean().describe('Counters went back together since the previous TLM: a reboot'),
    counterAnomaly: z.boolean().describe('Counters went back without looking like a reboot (possible clone)'),
    advRateHz: z
      .number()
      .nonnegative()
      .nullable()
      .describe('ΔADV_CNT / ΔSEC_CNT between the last two TLM frames'),
  })
  .describe('Beacon health from Eddystone-TLM');
export type BeaconTelemetry = z.infer<typeof BeaconTelemetry>;
