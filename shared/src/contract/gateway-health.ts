import { z } from 'zod';
import { DeviceId, EventHeader } from './common.js';

/** Gateway → cloud, every 60 s and on every scanner state change. Topic `…/gateways/{gatewayId}/health`, QoS 1. */
export const GatewayHealth = z
  .object({
    ...EventHeader,
    gatewayId: DeviceId,
    scanner: z.enum(['scanning', 'restarting', 'stalled', 'no-adapter', 'no-permission']),
    advRatePerS: z
      .number()
      .nonnegative()
      .describe('Advertisements per second over the last minute (all devices)'),
    advTotal: z.number().int().nonnegative(),
    scanRestarts: z.number().int().nonnegative(),
    expectedBeacons: z.number().int().nonnegative().describe('Allowlisted beacons this gateway should hear'),
    heardBeacons: z.number().int().nonnegative().describe('Of those, heard in the last window'),
    outboxBacklog: z.number().int().nonnegative(),
    uptimeS: z.number().nonnegative(),
    rssBytes: z.number().int().nonnegative(),
  })
  .describe('Health of a beacon gateway and its BLE scanner');
export type GatewayHealth = z.infer<typeof GatewayHealth>;
