/**
 * Encoders for the advertising bytes simulated beacons send: the exact AD structures real
 * beacons put on air (see `@releve/shared/protocols/ble` for the specifications cited).
 */

/** Flags AD: LE General Discoverable + BR/EDR Not Supported (0x06). */
export const FLAGS_AD = Uint8Array.from([0x02, 0x01, 0x06]);

function ad(type: number, data: ArrayLike<number>): number[] {
  return [data.length + 1, type, ...Array.from(data)];
}

function hexBytes(hex: string, length: number): number[] {
  const clean = hex.replace(/-/g, '');
  if (clean.length !== length * 2 || !/^[0-9a-fA-F]+$/.test(clean)) {
    throw new RangeError(`want ${length} bytes of hex, got ${JSON.stringify(hex)}`);
  }
  return Array.from({ length }, (_, i) => Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16));
}

const s8 = (v: number) => (v < 0 ? v + 256 : v) & 0xff;
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number) => [...be16(Math.floor(v / 0x10000) & 0xffff), ...be16(v & 0xffff)];

/** iBeacon (Apple Proximity Beacon Specification R1). */
export function iBeaconAd(uuid: string, major: number, minor: number, measuredPowerDbm: number): Uint8Array {
  const mfg = [
    0x4c,
    0x00,
    0x02,
    0x15,
    ...hexBytes(uuid, 16),
    ...be16(major),
    ...be16(minor),
    s8(measuredPowerDbm),
  ];
  return Uint8Array.from([...FLAGS_AD, ...ad(0xff, mfg)]);
}

/** AltBeacon (AltBeacon spec v1.0); company id defaults to Radius Networks 0x0118. */
export function altBeaconAd(
  id: string,
  referenceRssiDbm: number,
  companyId = 0x0118,
  reserved = 0,
): Uint8Array {
  const mfg = [
    companyId & 0xff,
    companyId >> 8,
    0xbe,
    0xac,
    ...hexBytes(id, 20),
    s8(referenceRssiDbm),
    reserved,
  ];
  return Uint8Array.from([...FLAGS_AD, ...ad(0xff, mfg)]);
}

function eddystone(payload: number[]): Uint8Array {
  return Uint8Array.from([...FLAGS_AD, ...ad(0x03, [0xaa, 0xfe]), ...ad(0x16, [0xaa, 0xfe, ...payload])]);
}

/** Eddystone-UID with the two RFU bytes. */
export function eddystoneUidAd(namespace: string, instance: string, txPowerAt0mDbm: number): Uint8Array {
  return eddystone([0x00, s8(txPowerAt0mDbm), ...hexBytes(namespace, 10), ...hexBytes(instance, 6), 0, 0]);
}

const SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'];
const EXPANSIONS = ['.com/', '.org/', '.edu/', '.net/', '.info/', '.biz/', '.gov/'];
const EXPANSIONS_BARE = ['.com', '.org', '.edu', '.net', '.info', '.biz', '.gov'];

/** Compresses a URL the Eddystone-URL way (scheme byte, then expansion codes). */
export function encodeEddystoneUrl(url: string): number[] {
  const scheme = SCHEMES.map((p, i) => [p, i] as const)
    .filter(([p]) => url.startsWith(p))
    .sort((a, b) => b[0].length - a[0].length)[0];
  if (!scheme) throw new RangeError(`no Eddystone scheme for ${url}`);
  const out = [scheme[1]];
  let rest = url.slice(scheme[0].length);
  while (rest.length > 0) {
    const slash = EXPANSIONS.findIndex((e) => rest.startsWith(e));
    const bare = EXPANSIONS_BARE.findIndex((e) => rest.startsWith(e));
    if (slash >= 0) {
      out.push(slash);
      rest = rest.slice((EXPANSIONS[slash] ?? '').length);
    } else if (bare >= 0) {
      out.push(bare + 7);
      rest = rest.slice((EXPANSIONS_BARE[bare] ?? '').length);
    } else {
      out.push(rest.charCodeAt(0));
      rest = rest.slice(1);
    }
  }
  if (out.length > 18) throw new RangeError(`URL too long for Eddystone-URL: ${url}`);
  return out;
}

/** Eddystone-URL. */
export function eddystoneUrlAd(url: string, txPowerAt0mDbm: number): Uint8Array {
  return eddystone([0x10, s8(txPowerAt0mDbm), ...encodeEddystoneUrl(url)]);
}

/** Eddystone-TLM version 0; null battery/temperature are sent as "not supported" (0, 0x8000). */
export function eddystoneTlmAd(tlm: {
  batteryMv: number | null;
  temperatureC: number | null;
  advCount: number;
  secCount: number;
}): Uint8Array {
  const temp = tlm.temperatureC === null ? 0x8000 : Math.round(tlm.temperatureC * 256) & 0xffff;
  return eddystone([
    0x20,
    0x00,
    ...be16(tlm.batteryMv ?? 0),
    ...be16(temp),
    ...be32(tlm.advCount >>> 0),
    ...be32(tlm.secCount >>> 0),
  ]);
}

/** Eddystone-EID. */
export function eddystoneEidAd(ephemeralId: string, txPowerAt0mDbm: number): Uint8Array {
  return eddystone([0x30, s8(txPowerAt0mDbm), ...hexBytes(ephemeralId, 8)]);
}

/** A Complete Local Name AD, for scan responses. */
export function localNameAd(name: string): Uint8Array {
  return Uint8Array.from(ad(0x09, new TextEncoder().encode(name)));
}
