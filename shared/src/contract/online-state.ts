import { z } from 'zod';
import { DeviceId, UtcTime } from './common.js';

/**
 * Device → cloud, retained, QoS 1. Topic `releve/v1/{trucks|gateways}/{deviceId}/online`.
 * Published `online` at connect; the same topic carries the last will `offline`/`lost`, set at
 * connect, so `since` in a will is the connect time of the session that was lost.
 */
export const OnlineState = z
  .object({
    deviceId: DeviceId,
    state: z.enum(['online', 'offline']),
    cause: z.enum(['connected', 'shutdown', 'lost']).describe('lost = last will published by the broker'),
    since: UtcTime,
    agentVersion: z.string().max(64).optional(),
  })
  .describe('Connection state of a device');
export type OnlineState = z.infer<typeof OnlineState>;
