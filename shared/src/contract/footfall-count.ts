import { z } from 'zod';
import { DeviceId, EventHeader, UtcTime } from './common.js';

/**
 * Gateway → cloud, one per 5-minute window when footfall counting is enabled. Only the count
 * leaves the gateway; below `k` it is suppressed (`count` null). See `docs/privacy.md`.
 * Topic `releve/v1/gateways/{gatewayId}/footfall`, QoS 1.
 */
export const FootfallCount = z
  .object({
    ...EventHeader,
    gatewayId: DeviceId,
    windowStart: UtcTime,
    windowEnd: UtcTime,
    count: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe('Distinct devices in the window; null when suppressed'),
    suppressed: z.boolean(),
    k: z.number().int().min(2).describe('Suppression threshold in force'),
  })
  .describe('Anonymous count of distinct devices in a 5-minute window');
export type FootfallCount = z.infer<typeof FootfallCount>;
