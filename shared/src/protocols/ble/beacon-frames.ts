/**
 * From raw advertising bytes to beacon frames: AD structures first, then every iBeacon,
 * AltBeacon and Eddystone frame they hold. One advertisement can carry several frames and
 * several errors; decoding never throws.
 */
import { type AdvertisingData, parseAdvertisingData } from './ad-structures.js';
import { type AltBeaconFrame, decodeAltBeacon } from './altbeacon.js';
import { decodeEddystone, type EddystoneFrame } from './eddystone.js';
import { decodeIBeacon, type IBeaconFrame } from './ibeacon.js';
import type { BleFrameError } from './result.js';

/** Every beacon frame this package decodes. */
export type BeaconFrame = IBeaconFrame | AltBeaconFrame | EddystoneFrame;

/** What one advertisement (one packet's AD bytes) holds. */
export interface DecodedAdvertisement {
  /** Null when the AD structures themselves are broken (see `errors`). */
  ad: AdvertisingData | null;
  frames: BeaconFrame[];
  errors: BleFrameError[];
}

/** Beacon frames in parsed advertising data. */
export function decodeBeaconFrames(ad: AdvertisingData): { frames: BeaconFrame[]; errors: BleFrameError[] } {
  const frames: BeaconFrame[] = [];
  const errors: BleFrameError[] = [];
  for (const m of ad.manufacturerData) {
    const r = decodeIBeacon(m) ?? decodeAltBeacon(m);
    if (r === null) continue;
    if (r.ok) frames.push(r.value);
    else errors.push(r);
  }
  for (const s of ad.serviceData16) {
    const r = decodeEddystone(s);
    if (r === null) continue;
    if (r.ok) frames.push(r.value);
    else errors.push(r);
  }
  return { frames, errors };
}

/** Decodes one packet's advertising data (`length type value…`) into beacon frames. */
export function decodeAdvertisement(bytes: Uint8Array): DecodedAdvertisement {
  const parsed = parseAdvertisingData(bytes);
  if (!parsed.ok) return { ad: null, frames: [], errors: [parsed] };
  return { ad: parsed.value, ...decodeBeaconFrames(parsed.value) };
}

/** The stable beacon id a frame carries (contract `BeaconId`), or null (URL, TLM, EID). */
export function beaconIdOf(frame: BeaconFrame): string | null {
  switch (frame.type) {
    case 'ibeacon':
    case 'altbeacon':
    case 'eddystone-uid':
      return frame.beaconId;
    case 'eddystone-url':
    case 'eddystone-tlm':
    case 'eddystone-eid':
      return null;
  }
}

/** Eddystone calibrates at 0 m; the spec puts the loss over the first metre at 41 dB. */
export const EDDYSTONE_LOSS_AT_1M_DB = 41;

/** Calibrated power at 1 m, dBm, the reference of the log-distance model; null for TLM. */
export function powerAt1mDbm(frame: BeaconFrame): number | null {
  switch (frame.type) {
    case 'ibeacon':
      return frame.measuredPowerDbm;
    case 'altbeacon':
      return frame.referenceRssiDbm;
    case 'eddystone-uid':
    case 'eddystone-url':
    case 'eddystone-eid':
      return frame.txPowerAt0mDbm - EDDYSTONE_LOSS_AT_1M_DB;
    case 'eddystone-tlm':
      return null;
  }
}
