import { z } from 'zod';

/**
 * Building blocks shared by every message of the MQTT contract.
 *
 * Units are part of field names: `…G` grams (integer), `…Mv` millivolts, `…Ms` milliseconds,
 * `…S` seconds, `…C` degrees Celsius, `…M` metres, `…Dbm` dBm. Times are UTC ISO-8601 strings
 * with milliseconds (`2026-11-28T07:15:02.120Z`).
 */

/** UTC ISO-8601 timestamp with milliseconds, e.g. `2026-11-28T07:15:02.120Z`. */
export const UtcTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
    'UTC ISO-8601 time with milliseconds, e.g. 2026-11-28T07:15:02.120Z',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a calendar time')
  .describe('UTC ISO-8601 time with milliseconds');
export type UtcTime = z.infer<typeof UtcTime>;

/** Device ids are also MQTT usernames and topic levels: lower-case letters, digits, `-`, `_`. */
export const DeviceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'device id: 1–63 of [a-z0-9_-], starting with a letter or digit')
  .describe('Device id (also its MQTT username and client id)');
export type DeviceId = z.infer<typeof DeviceId>;

/** Device-made event id (UUID), the cloud's deduplication key. */
export const EventId = z.uuid().describe('Event id made by the device (UUID); the deduplication key');

/** Per-device sequence number: starts at 1, increases by one per event, never reused. */
export const Sequence = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Per-device sequence number, +1 per event, never reused');

/** Fields every device event carries so the cloud can drop duplicates and spot gaps. */
export const EventHeader = {
  id: EventId,
  seq: Sequence,
  ts: UtcTime.describe('When the event happened, by the device clock (UTC)'),
};

/** Integer grams. */
export const Grams = z.number().int().describe('Mass in integer grams');

/** A GNSS fix (WGS 84). */
export const Position = z
  .object({
    lat: z.number().min(-90).max(90).describe('Latitude, decimal degrees WGS 84'),
    lon: z.number().min(-180).max(180).describe('Longitude, decimal degrees WGS 84'),
    accuracyM: z.number().nonnegative().optional().describe('Horizontal accuracy, metres (from HDOP)'),
    fixAt: UtcTime.optional().describe('Time of the fix (UTC)'),
  })
  .describe('Position from the GNSS receiver');
export type Position = z.infer<typeof Position>;

/** Canonical beacon identity, made from its frames (see `docs/mqtt.md`). */
export const BeaconId = z
  .string()
  .regex(
    /^(ibeacon:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:\d{1,5}:\d{1,5}|eddystone:[0-9a-f]{20}:[0-9a-f]{12}|altbeacon:[0-9a-f]{40})$/,
    'beacon id: ibeacon:<uuid>:<major>:<minor> | eddystone:<namespace 20 hex>:<instance 12 hex> | altbeacon:<40 hex>',
  )
  .describe('Canonical beacon id');
export type BeaconId = z.infer<typeof BeaconId>;

/** A Bluetooth device address, upper-case colon-separated hex. */
export const BleAddress = z
  .string()
  .regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/, 'BLE address AA:BB:CC:DD:EE:FF (upper case)')
  .describe('Bluetooth device address');
