import { z } from 'zod';
import { BeaconId, DeviceId, EventHeader } from './common.js';

export const AlertKind = z
  .enum([
    'scan-stalled', // gateway: no advertisements for N s while beacons are expected
    'scan-restarted', // gateway: scanning was restarted by the self-watch
    'suspected-clone', // gateway: a beacon id from an unexpected address, or counters back without reboot
    'beacon-rebooted', // gateway: TLM counters reset
    'serial-device-lost', // truck: a serial device vanished
    'clock-jump', // device: the wall clock jumped
    'unknown-bin', // truck: lift refused or flagged because the tag is unknown
  ])
  .describe('Alert kind');
export type AlertKind = z.infer<typeof AlertKind>;

/** Device → cloud. Topic `releve/v1/{trucks|gateways}/{deviceId}/alerts`, QoS 1. */
export const DeviceAlert = z
  .object({
    ...EventHeader,
    deviceId: DeviceId,
    kind: AlertKind,
    severity: z.enum(['info', 'warning', 'critical']),
    beaconId: BeaconId.optional(),
    detail: z.string().max(500),
  })
  .describe('Something a device wants a person to look at');
export type DeviceAlert = z.infer<typeof DeviceAlert>;
