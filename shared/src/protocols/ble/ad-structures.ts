/**
 * Advertising data (AD) structures as carried in an HCI LE Advertising Report or a scan
 * response: a list of `length, type, data…` where `length` counts the type byte and the data.
 *
 * Follows the Bluetooth Core Specification v5.x, Vol 3, Part C, §11 ("Advertising and Scan
 * Response Data Format") and the Core Specification Supplement, Part A (data types: Flags §1.3,
 * Service UUIDs §1.1, Local Name §1.2, Tx Power Level §1.5, Service Data §1.11, Manufacturer
 * Specific Data §1.4). Multi-byte AD fields are little-endian on air.
 */
import { type BleResult, bleError, BleFrameErrorCode, int8, toHex } from './result.js';

/** AD type numbers (Bluetooth SIG Assigned Numbers, "Common Data Types"). */
export const AdType = {
  Flags: 0x01,
  IncompleteUuid16: 0x02,
  CompleteUuid16: 0x03,
  IncompleteUuid128: 0x06,
  CompleteUuid128: 0x07,
  ShortenedLocalName: 0x08,
  CompleteLocalName: 0x09,
  TxPowerLevel: 0x0a,
  ServiceData16: 0x16,
  ServiceData32: 0x20,
  ServiceData128: 0x21,
  ManufacturerData: 0xff,
} as const;

/** Largest advertising data any PDU carries (extended advertising, Core Vol 6 Part B §2.3.4.9). */
export const MAX_AD_BYTES = 1650;

/** One raw AD structure. */
export interface AdStructure {
  type: number;
  data: Uint8Array;
}

/** Manufacturer Specific Data: the 16-bit company identifier (LE on air) and what follows it. */
export interface ManufacturerData {
  companyId: number;
  data: Uint8Array;
}

/** Service Data keyed by a 16-bit service UUID (LE on air). */
export interface ServiceData16 {
  uuid: number;
  data: Uint8Array;
}

/** The fields of an advertisement that beacon decoding and diagnostics need. */
export interface AdvertisingData {
  structures: AdStructure[];
  /** Flags byte (LE General Discoverable 0x02, BR/EDR Not Supported 0x04…), null if absent. */
  flags: number | null;
  /** Complete name, else shortened name, decoded as UTF-8 (invalid bytes replaced). */
  localName: string | null;
  /** Tx Power Level AD (signed dBm), null if absent. */
  txPowerLevelDbm: number | null;
  /** 16-bit service UUIDs (incomplete or complete lists). */
  serviceUuids16: number[];
  /** 128-bit service UUIDs, canonical lower-case with dashes. */
  serviceUuids128: string[];
  manufacturerData: ManufacturerData[];
  serviceData16: ServiceData16[];
}

const utf8 = new TextDecoder('utf-8');

/** Formats 16 bytes (big-endian order) as a canonical UUID string. */
export function formatUuid(bytes: Uint8Array): string {
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Splits advertising data into AD structures. A zero length byte ends the significant part
 * (Core Vol 3 Part C §11: "only to allow an early termination"); the zero padding some
 * controllers append is therefore accepted. A length that runs past the end is an error.
 */
export function splitAdStructures(bytes: Uint8Array): BleResult<AdStructure[]> {
  if (bytes.length > MAX_AD_BYTES) {
    return bleError(BleFrameErrorCode.AdTooLong, `${bytes.length} bytes > ${MAX_AD_BYTES}`);
  }
  const out: AdStructure[] = [];
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i] ?? 0;
    if (length === 0) break;
    if (i + 1 + length > bytes.length) {
      return bleError(
        BleFrameErrorCode.AdTruncated,
        `AD structure at offset ${i} declares ${length} bytes, ${bytes.length - i - 1} left`,
      );
    }
    out.push({ type: bytes[i + 1] ?? 0, data: bytes.subarray(i + 2, i + 1 + length) });
    i += 1 + length;
  }
  return { ok: true, value: out };
}

/** Parses advertising data into its structures and the fields beacons use. */
export function parseAdvertisingData(bytes: Uint8Array): BleResult<AdvertisingData> {
  const split = splitAdStructures(bytes);
  if (!split.ok) return split;
  const ad: AdvertisingData = {
    structures: split.value,
    flags: null,
    localName: null,
    txPowerLevelDbm: null,
    serviceUuids16: [],
    serviceUuids128: [],
    manufacturerData: [],
    serviceData16: [],
  };
  let shortName: string | null = null;
  for (const { type, data } of split.value) {
    switch (type) {
      case AdType.Flags:
        if (data.length >= 1) ad.flags = data[0] ?? 0;
        break;
      case AdType.IncompleteUuid16:
      case AdType.CompleteUuid16:
        for (let j = 0; j + 1 < data.length; j += 2) {
          ad.serviceUuids16.push((data[j] ?? 0) | ((data[j + 1] ?? 0) << 8));
        }
        break;
      case AdType.IncompleteUuid128:
      case AdType.CompleteUuid128:
        for (let j = 0; j + 15 < data.length; j += 16) {
          ad.serviceUuids128.push(formatUuid(data.slice(j, j + 16).reverse()));
        }
        break;
      case AdType.ShortenedLocalName:
        shortName = utf8.decode(data);
        break;
      case AdType.CompleteLocalName:
        ad.localName = utf8.decode(data);
        break;
      case AdType.TxPowerLevel:
        if (data.length >= 1) ad.txPowerLevelDbm = int8(data[0] ?? 0);
        break;
      case AdType.ServiceData16:
        if (data.length >= 2) {
          ad.serviceData16.push({ uuid: (data[0] ?? 0) | ((data[1] ?? 0) << 8), data: data.subarray(2) });
        }
        break;
      case AdType.ManufacturerData:
        if (data.length >= 2) {
          ad.manufacturerData.push({
            companyId: (data[0] ?? 0) | ((data[1] ?? 0) << 8),
            data: data.subarray(2),
          });
        }
        break;
      default:
        break;
    }
  }
  if (ad.localName === null) ad.localName = shortName;
  return { ok: true, value: ad };
}

/** Encodes AD structures back to bytes (used to rebuild per-packet data from a scanner's fields). */
export function encodeAdStructures(structures: readonly AdStructure[]): Uint8Array {
  const size = structures.reduce((n, s) => n + 2 + s.data.length, 0);
  const out = new Uint8Array(size);
  let i = 0;
  for (const s of structures) {
    out[i] = s.data.length + 1;
    out[i + 1] = s.type;
    out.set(s.data, i + 2);
    i += 2 + s.data.length;
  }
  return out;
}
