/**
 * Apple iBeacon, from Manufacturer Specific Data (Apple "Proximity Beacon Specification",
 * Release R1, §2.1 "Advertising data"): company id 0x004C (LE on air `4C 00`), beacon type
 * 0x02, remaining length 0x15, 16-byte proximity UUID, major (u16 BE), minor (u16 BE),
 * measured power (int8, RSSI at 1 m).
 */
import type { ManufacturerData } from './ad-structures.js';
import { formatUuid } from './ad-structures.js';
import { type BleResult, bleError, BleFrameErrorCode, int8 } from './result.js';

export const APPLE_COMPANY_ID = 0x004c;
const IBEACON_TYPE = 0x02;
const IBEACON_LENGTH = 0x15;

/** A decoded iBeacon frame. */
export interface IBeaconFrame {
  type: 'ibeacon';
  /** Canonical id `ibeacon:<uuid>:<major>:<minor>` (contract `BeaconId`). */
  beaconId: string;
  uuid: string;
  major: number;
  minor: number;
  /** Calibrated RSSI at 1 m, dBm. */
  measuredPowerDbm: number;
}

/**
 * Decodes an iBeacon from manufacturer data. Null when the data is not an iBeacon (another
 * company, or another Apple Continuity message); an error when it claims to be one but its
 * length is wrong.
 */
export function decodeIBeacon(m: ManufacturerData): BleResult<IBeaconFrame> | null {
  if (m.companyId !== APPLE_COMPANY_ID || m.data[0] !== IBEACON_TYPE) return null;
  const d = m.data;
  if (d[1] !== IBEACON_LENGTH || d.length !== 2 + IBEACON_LENGTH) {
    return bleError(
      BleFrameErrorCode.BadLength,
      `iBeacon: length byte ${d[1] ?? 'missing'}, ${d.length - 2} bytes (want ${IBEACON_LENGTH})`,
    );
  }
  const uuid = formatUuid(d.subarray(2, 18));
  const major = ((d[18] ?? 0) << 8) | (d[19] ?? 0);
  const minor = ((d[20] ?? 0) << 8) | (d[21] ?? 0);
  return {
    ok: true,
    value: {
      type: 'ibeacon',
      beaconId: `ibeacon:${uuid}:${major}:${minor}`,
      uuid,
      major,
      minor,
      measuredPowerDbm: int8(d[22] ?? 0),
    },
  };
}
