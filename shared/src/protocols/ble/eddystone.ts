/**
 * Eddystone frames, from Service Data for the 16-bit UUID 0xFEAA (Google Eddystone protocol
 * specification, github.com/google/eddystone: `eddystone-uid/README.md`,
 * `eddystone-url/README.md`, `eddystone-tlm/tlm-plain.md`, `eddystone-eid/README.md`). The
 * first service-data byte is the frame type. All multi-byte values are big-endian.
 */
import type { ServiceData16 } from './ad-structures.js';
import { type BleResult, bleError, BleFrameErrorCode, int8, toHex } from './result.js';

export const EDDYSTONE_SERVICE_UUID = 0xfeaa;

export const EddystoneFrameType = { Uid: 0x00, Url: 0x10, Tlm: 0x20, Eid: 0x30 } as const;

/** Eddystone-UID: 10-byte namespace + 6-byte instance. */
export interface EddystoneUidFrame {
  type: 'eddystone-uid';
  /** Canonical id `eddystone:<namespace>:<instance>` (contract `BeaconId`). */
  beaconId: string;
  namespace: string;
  instance: string;
  /** Calibrated Tx power at 0 m, dBm (the spec's "Ranging Data"). */
  txPowerAt0mDbm: number;
}

/** Eddystone-URL: a compressed URL; carries no beacon id. */
export interface EddystoneUrlFrame {
  type: 'eddystone-url';
  url: string;
  txPowerAt0mDbm: number;
}

/** Eddystone-TLM version 0 (unencrypted); carries no beacon id. */
export interface EddystoneTlmFrame {
  type: 'eddystone-tlm';
  /** Battery, mV; null when the beacon reports 0 ("not supported"). */
  batteryMv: number | null;
  /** °C from signed 8.8 fixed point; null for 0x8000 ("not supported"). */
  temperatureC: number | null;
  /** ADV_CNT: advertising PDUs since power-up or reboot. */
  advCount: number;
  /** SEC_CNT: 0.1 s ticks since power-up or reboot. */
  secCount: number;
  /** SEC_CNT / 10. */
  uptimeS: number;
}

/** Eddystone-EID: an ephemeral id that rotates; no stable beacon id. */
export interface EddystoneEidFrame {
  type: 'eddystone-eid';
  ephemeralId: string;
  txPowerAt0mDbm: number;
}

export type EddystoneFrame = EddystoneUidFrame | EddystoneUrlFrame | EddystoneTlmFrame | EddystoneEidFrame;

/** URL scheme prefixes, by scheme byte (eddystone-url "URL Scheme Prefix"). */
export const URL_SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'] as const;

/** Expansion codes 0x00–0x0D (eddystone-url "HTTP URL encoding"). */
export const URL_EXPANSIONS = [
  '.com/',
  '.org/',
  '.edu/',
  '.net/',
  '.info/',
  '.biz/',
  '.gov/',
  '.com',
  '.org',
  '.edu',
  '.net',
  '.info',
  '.biz',
  '.gov',
] as const;

const u16 = (d: Uint8Array, i: number) => ((d[i] ?? 0) << 8) | (d[i + 1] ?? 0);
const u32 = (d: Uint8Array, i: number) => u16(d, i) * 0x10000 + u16(d, i + 2);

function decodeUid(d: Uint8Array): BleResult<EddystoneUidFrame> {
  // 20 bytes with the two RFU bytes; 18 from implementations that drop them (spec field notes).
  if (d.length !== 20 && d.length !== 18) {
    return bleError(BleFrameErrorCode.BadLength, `Eddystone-UID: ${d.length} bytes (want 18 or 20)`);
  }
  const namespace = toHex(d.subarray(2, 12));
  const instance = toHex(d.subarray(12, 18));
  return {
    ok: true,
    value: {
      type: 'eddystone-uid',
      beaconId: `eddystone:${namespace}:${instance}`,
      namespace,
      instance,
      txPowerAt0mDbm: int8(d[1] ?? 0),
    },
  };
}

/** Expands an encoded Eddystone URL (scheme byte first); reserved bytes are an error. */
export function expandEddystoneUrl(encoded: Uint8Array): BleResult<string> {
  const scheme = encoded[0];
  const prefix = scheme === undefined ? undefined : URL_SCHEMES[scheme];
  if (prefix === undefined) {
    return bleError(BleFrameErrorCode.ReservedUrlScheme, `Eddystone-URL scheme byte ${scheme ?? 'missing'}`);
  }
  let url = prefix;
  for (let i = 1; i < encoded.length; i++) {
    const c = encoded[i] ?? 0;
    const expansion = URL_EXPANSIONS[c];
    if (expansion !== undefined) url += expansion;
    else if (c <= 0x20 || c >= 0x7f) {
      return bleError(
        BleFrameErrorCode.ReservedUrlCode,
        `Eddystone-URL byte 0x${c.toString(16).padStart(2, '0')} at ${i} is reserved`,
      );
    } else url += String.fromCharCode(c);
  }
  return { ok: true, value: url };
}

function decodeUrl(d: Uint8Array): BleResult<EddystoneUrlFrame> {
  // Frame type, tx power, scheme, then 0–17 encoded bytes.
  if (d.length < 3 || d.length > 20) {
    return bleError(BleFrameErrorCode.BadLength, `Eddystone-URL: ${d.length} bytes (want 3–20)`);
  }
  const url = expandEddystoneUrl(d.subarray(2));
  if (!url.ok) return url;
  return { ok: true, value: { type: 'eddystone-url', url: url.value, txPowerAt0mDbm: int8(d[1] ?? 0) } };
}

function decodeTlm(d: Uint8Array): BleResult<EddystoneTlmFrame> {
  if (d.length < 2) return bleError(BleFrameErrorCode.BadLength, `Eddystone-TLM: ${d.length} bytes`);
  if (d[1] !== 0x00) {
    return bleError(
      BleFrameErrorCode.UnsupportedTlmVersion,
      `Eddystone-TLM version ${d[1]} (only 0x00, unencrypted, is readable)`,
    );
  }
  if (d.length !== 14) {
    return bleError(BleFrameErrorCode.BadLength, `Eddystone-TLM: ${d.length} bytes (want 14)`);
  }
  const battery = u16(d, 2);
  const rawTemp = u16(d, 4);
  const secCount = u32(d, 10);
  return {
    ok: true,
    value: {
      type: 'eddystone-tlm',
      batteryMv: battery === 0 ? null : battery,
      // Signed 8.8 fixed point: the 16-bit two's complement value divided by 256.
      temperatureC: rawTemp === 0x8000 ? null : (rawTemp >= 0x8000 ? rawTemp - 0x10000 : rawTemp) / 256,
      advCount: u32(d, 6),
      secCount,
      uptimeS: secCount / 10,
    },
  };
}

function decodeEid(d: Uint8Array): BleResult<EddystoneEidFrame> {
  if (d.length !== 10) {
    return bleError(BleFrameErrorCode.BadLength, `Eddystone-EID: ${d.length} bytes (want 10)`);
  }
  return {
    ok: true,
    value: { type: 'eddystone-eid', ephemeralId: toHex(d.subarray(2, 10)), txPowerAt0mDbm: int8(d[1] ?? 0) },
  };
}

/** Decodes Eddystone service data; null when the UUID is not 0xFEAA. */
export function decodeEddystone(s: ServiceData16): BleResult<EddystoneFrame> | null {
  if (s.uuid !== EDDYSTONE_SERVICE_UUID) return null;
  const d = s.data;
  switch (d[0]) {
    case EddystoneFrameType.Uid:
      return decodeUid(d);
    case EddystoneFrameType.Url:
      return decodeUrl(d);
    case EddystoneFrameType.Tlm:
      return decodeTlm(d);
    case EddystoneFrameType.Eid:
      return decodeEid(d);
    default:
      return bleError(
        BleFrameErrorCode.UnknownEddystoneFrame,
        d.length === 0
          ? 'Eddystone service data is empty'
          : `Eddystone frame type 0x${(d[0] ?? 0).toString(16)}`,
      );
  }
}
