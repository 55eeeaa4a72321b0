/**
 * AltBeacon, from Manufacturer Specific Data (AltBeacon Protocol Specification v1.0,
 * github.com/AltBeacon/spec, "AltBeacon Protocol Fields"): any company id (LE on air), beacon
 * code 0xBEAC (big-endian), 20-byte beacon id (big-endian), reference RSSI (int8, 1 m),
 * 1 manufacturer-reserved byte. The AD length is 0x1B: 24 bytes follow the company id.
 */
import type { ManufacturerData } from './ad-structures.js';
import { type BleResult, bleError, BleFrameErrorCode, int8, toHex } from './result.js';

const BEACON_CODE_0 = 0xbe;
const BEACON_CODE_1 = 0xac;
const ALTBEACON_DATA_LENGTH = 24;

/** A decoded AltBeacon frame. */
export interface AltBeaconFrame {
  type: 'altbeacon';
  /** Canonical id `altbeacon:<40 hex>` (contract `BeaconId`). */
  beaconId: string;
  companyId: number;
  /** The 20-byte beacon id, lower-case hex. */
  id: string;
  /** Average RSSI at 1 m, dBm. */
  referenceRssiDbm: number;
  mfgReserved: number;
}

/** Decodes an AltBeacon; null when the beacon code is absent, an error on a wrong length. */
export function decodeAltBeacon(m: ManufacturerData): BleResult<AltBeaconFrame> | null {
  const d = m.data;
  if (d[0] !== BEACON_CODE_0 || d[1] !== BEACON_CODE_1) return null;
  if (d.length !== ALTBEACON_DATA_LENGTH) {
    return bleError(
      BleFrameErrorCode.BadLength,
      `AltBeacon: ${d.length} bytes after the company id (want ${ALTBEACON_DATA_LENGTH})`,
    );
  }
  const id = toHex(d.subarray(2, 22));
  return {
    ok: true,
    value: {
      type: 'altbeacon',
      beaconId: `altbeacon:${id}`,
      companyId: m.companyId,
      id,
      referenceRssiDbm: int8(d[22] ?? 0),
      mfgReserved: d[23] ?? 0,
    },
  };
}
