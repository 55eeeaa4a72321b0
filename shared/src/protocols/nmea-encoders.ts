/**
 * Encoders of NMEA 0183 RMC and GGA sentences (the inverse of `NmeaDecoder`), for the
 * simulated GNSS receiver and the tests. Angles are written `ddmm.mmmm` (4 decimals of
 * minutes, ~0.2 m), times `hhmmss.ss` (10 ms). Without a fix the coordinate fields are left
 * empty, as u-blox and SiRF receivers do. Pure.
 */
import { bytesOf, hex2 } from './byte-stream.js';
import { nmeaChecksum } from './nmea.js';

/** One position to encode. */
export interface NmeaPosition {
  /** Fix time, ms since the epoch (UTC). */
  atMs: number;
  lat: number;
  lon: number;
  /** Receiver has a fix (RMC `A`, GGA quality 1). */
  valid: boolean;
  /** Talker id, `GP` by default (`GN` for multi-constellation). */
  talker?: string;
}

/** `ddmm.mmmm`/`dddmm.mmmm` + hemisphere for a signed angle. */
export function nmeaAngleText(angle: number, degreeDigits: 2 | 3): [string, string] {
  const hemi = degreeDigits === 2 ? (angle < 0 ? 'S' : 'N') : angle < 0 ? 'W' : 'E';
  const totalTenThousandthsMin = Math.round(Math.abs(angle) * 60 * 10_000);
  const deg = Math.floor(totalTenThousandthsMin / 600_000);
  const min = (totalTenThousandthsMin - deg * 600_000) / 10_000;
  return [`${String(deg).padStart(degreeDigits, '0')}${min.toFixed(4).padStart(7, '0')}`, hemi];
}

/** The four coordinate fields, empty without a fix. */
function coordinates(p: NmeaPosition): [string, string, string, string] {
  if (!p.valid) return ['', '', '', ''];
  return [...nmeaAngleText(p.lat, 2), ...nmeaAngleText(p.lon, 3)];
}

function sentence(body: string): Uint8Array {
  return bytesOf(`$${body}*${hex2(nmeaChecksum(body))}\r\n`);
}

function timeText(atMs: number): string {
  const d = new Date(atMs);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const cs = Math.floor(d.getUTCMilliseconds() / 10);
  return `${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}.${p2(cs)}`;
}

/** `$GPRMC,…*HH\r\n` (speed and course 0, NMEA 2.3 mode `A`/`N`). */
export function encodeNmeaRmc(p: NmeaPosition): Uint8Array {
  const d = new Date(p.atMs);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const date = `${p2(d.getUTCDate())}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCFullYear() % 100)}`;
  const [lat, ns, lon, ew] = coordinates(p);
  const status = p.valid ? 'A' : 'V';
  const mode = p.valid ? 'A' : 'N';
  return sentence(
    `${p.talker ?? 'GP'}RMC,${timeText(p.atMs)},${status},${lat},${ns},${lon},${ew},0.0,0.0,${date},,,${mode}`,
  );
}

/** GGA extras. */
export interface NmeaGgaExtras {
  hdop: number;
  satellites: number;
  altitudeM: number;
}

/** `$GPGGA,…*HH\r\n` (quality 1 when valid, else 0). */
export function encodeNmeaGga(p: NmeaPosition, x: NmeaGgaExtras): Uint8Array {
  const [lat, ns, lon, ew] = coordinates(p);
  const q = p.valid ? 1 : 0;
  const sats = String(x.satellites).padStart(2, '0');
  return sentence(
    `${p.talker ?? 'GP'}GGA,${timeText(p.atMs)},${lat},${ns},${lon},${ew},${q},${sats},${x.hdop.toFixed(1)},${x.altitudeM.toFixed(1)},M,47.0,M,,`,
  );
}
