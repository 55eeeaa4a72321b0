/**
 * NMEA 0183 position sentences from the truck's GNSS receiver (NMEA 0183 v4.11 §6.3 RMC and
 * GGA; talker `GP` GPS, `GN` multi-constellation, others accepted), 4800/9600 8N1, 1 Hz:
 *
 *   `$GPRMC,hhmmss.ss,A,ddmm.mmmm,N,dddmm.mmmm,E,knots,course,ddmmyy,magvar,E[,mode]*HH`
 *   `$GPGGA,hhmmss.ss,ddmm.mmmm,N,dddmm.mmmm,E,quality,sats,hdop,alt,M,sep,M,age,station*HH`
 *
 * `*HH` is the XOR of every char between `$` and `*`, in hex; it is required here (a missing
 * or wrong checksum is a bad frame). Other sentence types (GSV, GSA, VTG…) are skipped and
 * counted as noise bytes. RMC carries the date; GGA only the time, so a GGA fix takes the
 * date of the last RMC (rolled to the next day when its time is more than 12 h earlier than
 * that RMC's) and has `fixAt: null` before any RMC.
 *
 * Accuracy: `accuracyM = HDOP × 5 m`, 5 m being the usual user-equivalent range error (UERE)
 * of a single-frequency consumer receiver; RMC fixes use the last GGA's HDOP. This is an
 * estimate for display and sanity checks, not a guaranteed bound.
 */
import { hex2 } from './byte-stream.js';
import { LineFrameDecoder, type LineVerdict, preview } from './line-frame-decoder.js';
import type { PositionFix } from './types.js';

/** Metres of horizontal error per unit of HDOP (UERE of a consumer single-frequency receiver). */
export const UERE_M = 5;
const MAX_LINE_BYTES = 128;
const SENTENCE = /^\$([A-Z]{2})([A-Z]{3}),([^*$]*)\*([0-9A-Fa-f]{2}) *$/;

/** XOR of the chars of `body` (the text between `$` and `*`). */
export function nmeaChecksum(body: string): number {
  let x = 0;
  for (let i = 0; i < body.length; i += 1) x ^= body.charCodeAt(i);
  return x;
}

/** `ddmm.mmmm` (or `dddmm.mmmm`) + hemisphere → signed decimal degrees; null when absent or malformed. */
export function nmeaAngle(value: string, hemisphere: string, degreeDigits: 2 | 3): number | null {
  if (value === '' || !/^\d+(\.\d+)?$/.test(value)) return null;
  const dot = value.indexOf('.');
  const intLen = dot < 0 ? value.length : dot;
  if (intLen !== degreeDigits + 2) return null;
  const deg = Number(value.slice(0, degreeDigits));
  const min = Number(value.slice(degreeDigits));
  if (min >= 60) return null;
  const abs = deg + min / 60;
  const neg = hemisphere === 'S' || hemisphere === 'W';
  if (!neg && hemisphere !== 'N' && hemisphere !== 'E') return null;
  if (abs > (degreeDigits === 2 ? 90 : 180)) return null;
  return neg ? -abs : abs;
}

/** `hhmmss[.sss]` → milliseconds of the day, or null. */
function timeOfDayMs(text: string): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3]);
  if (h > 23 || mi > 59 || s > 60) return null;
  const ms = Number((m[4] ?? '').padEnd(3, '0'));
  return ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

/** `ddmmyy` → UTC midnight in ms since the epoch (years 80–99 → 19xx, else 20xx), or null. */
function dateMs(text: string): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const d = Number(m[1]);
  const mo = Number(m[2]);
  const y = Number(m[3]);
  const at = Date.UTC(y >= 80 ? 1900 + y : 2000 + y, mo - 1, d);
  const check = new Date(at);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  return at;
}

const DAY_MS = 86_400_000;

/** HDOP → metres, rounded to 0.1 m. */
export function accuracyFromHdop(hdop: number): number {
  return Math.round(hdop * UERE_M * 10) / 10;
}

/** Streaming decoder of NMEA RMC/GGA sentences into `PositionFix`es. */
export class NmeaDecoder extends LineFrameDecoder<PositionFix> {
  private lastDateMs: number | null = null;
  private lastRmcTimeMs = 0;
  private lastHdop: number | null = null;

  constructor() {
    super(MAX_LINE_BYTES);
  }

  protected override interpret(text: string): LineVerdict<PositionFix> {
    const start = text.lastIndexOf('$');
    if (start < 0) return { kind: 'bad', reason: `no NMEA sentence start: "${preview(text)}"` };
    const sentence = text.slice(start);
    const m = SENTENCE.exec(sentence);
    if (!m) return { kind: 'bad', reason: `malformed NMEA sentence: "${preview(sentence)}"` };
    const [, talker = '', type = '', fieldsText = '', sentHex = ''] = m;
    const computed = nmeaChecksum(`${talker}${type},${fieldsText}`);
    if (computed !== Number.parseInt(sentHex, 16)) {
      return { kind: 'bad', reason: `checksum mismatch: sentence says ${sentHex}, XOR is ${hex2(computed)}` };
    }
    const f = fieldsText.split(',');
    const fix = type === 'RMC' ? this.rmc(f) : type === 'GGA' ? this.gga(f) : undefined;
    if (fix === undefined) return { kind: 'ignore' };
    if (fix === null) return { kind: 'bad', reason: `malformed ${type} fields: "${preview(sentence)}"` };
    return { kind: 'frame', start, value: fix };
  }

  private rmc(f: string[]): PositionFix | null {
    const time = timeOfDayMs(f[0] ?? '');
    const date = dateMs(f[8] ?? '');
    const status = f[1];
    if (status !== 'A' && status !== 'V') return null;
    const lat = nmeaAngle(f[2] ?? '', f[3] ?? '', 2);
    const lon = nmeaAngle(f[4] ?? '', f[5] ?? '', 3);
    if ((f[2] !== '' && lat === null) || (f[4] !== '' && lon === null)) return null;
    if (time !== null && date !== null) {
      this.lastDateMs = date;
      this.lastRmcTimeMs = time;
    }
    const mode = f[11];
    const valid = status === 'A' && mode !== 'N' && lat !== null && lon !== null;
    return {
      sentence: 'RMC',
      lat,
      lon,
      fixAt: time !== null && date !== null ? new Date(date + time).toISOString() : null,
      accuracyM: this.lastHdop === null ? null : accuracyFromHdop(this.lastHdop),
      valid,
    };
  }

  private gga(f: string[]): PositionFix | null {
    const time = timeOfDayMs(f[0] ?? '');
    const lat = nmeaAngle(f[1] ?? '', f[2] ?? '', 2);
    const lon = nmeaAngle(f[3] ?? '', f[4] ?? '', 3);
    if ((f[1] !== '' && lat === null) || (f[3] !== '' && lon === null)) return null;
    const quality = Number(f[5] ?? '');
    if (f[5] === '' || !Number.isInteger(quality)) return null;
    const hdopText = f[7] ?? '';
    const hdop = hdopText === '' ? null : Number(hdopText);
    if (hdop !== null && !Number.isFinite(hdop)) return null;
    if (hdop !== null) this.lastHdop = hdop;
    let fixAt: string | null = null;
    if (time !== null && this.lastDateMs !== null) {
      const rollover = time < this.lastRmcTimeMs - DAY_MS / 2 ? DAY_MS : 0;
      fixAt = new Date(this.lastDateMs + rollover + time).toISOString();
    }
    return {
      sentence: 'GGA',
      lat,
      lon,
      fixAt,
      accuracyM: hdop === null ? null : accuracyFromHdop(hdop),
      valid: quality > 0 && lat !== null && lon !== null,
    };
  }

  override reset(): void {
    super.reset();
    this.lastDateMs = null;
    this.lastHdop = null;
  }
}
