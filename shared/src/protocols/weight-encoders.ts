/**
 * Encoders of weighing-indicator frames (the inverse of `StGsDecoder`,
 * `ToledoContinuousDecoder`, `MtSicsDecoder`), for the simulated indicators and the tests.
 * Weights are given in grams and shown with the requested decimals (rounded to the nearest
 * display step, halves away from zero; pounds converted exactly, see `mass-units.ts`). Pure.
 */
import { bytesOf } from './byte-stream.js';
import { gramsToScaled } from './mass-units.js';
import { TOLEDO_DECIMALS, toledoChecksum } from './toledo.js';
import type { WeightStatus } from './types.js';

/** What an indicator shows at one instant. */
export interface IndicatorDisplay {
  status: WeightStatus;
  mode: 'gross' | 'net';
  /** Displayed weight, grams (ignored for overload/underload). */
  weightG: number;
  unit: 'kg' | 'lb';
  /** Decimals shown (ST,GS, MT-SICS); Toledo derives them from `toledoDecimalCode`. */
  decimals: number;
}

function fixedPoint(mantissa: bigint, decimals: number): string {
  const abs = (mantissa < 0n ? -mantissa : mantissa).toString().padStart(decimals + 1, '0');
  return decimals > 0 ? `${abs.slice(0, -decimals)}.${abs.slice(-decimals)}` : abs;
}

const ST_GS_STATUS: Record<WeightStatus, string> = {
  stable: 'ST',
  motion: 'US',
  overload: 'OL',
  underload: 'UL',
};

/**
 * One ST,GS frame, e.g. `ST,GS,+0012.34kg\r\n` (value padded with zeros to 7 chars;
 * overload/underload send `+------`), with the 2-char RS-485 `address` in front when given.
 */
export function encodeStGs(d: IndicatorDisplay, address?: string): Uint8Array {
  const outOfRange = d.status === 'overload' || d.status === 'underload';
  let value = '+------';
  if (!outOfRange) {
    const m = gramsToScaled(d.weightG, d.decimals, d.unit);
    value = `${m < 0n ? '-' : '+'}${fixedPoint(m, d.decimals).padStart(7, '0')}`;
  }
  const mode = d.mode === 'net' ? 'NT' : 'GS';
  return bytesOf(`${address ?? ''}${ST_GS_STATUS[d.status]},${mode},${value}${d.unit}\r\n`);
}

/** Toledo options on top of the display. */
export interface ToledoEncoding {
  /** SWA decimal-point code 0–7 (3 = one decimal, `XXXXX.X`). */
  decimalCode: number;
  /** Display increment (×1, ×2, ×5): SWA bits 3–4. */
  increment: 1 | 2 | 5;
  /** Tare held by the terminal, grams. */
  tareG: number;
  /** Append the checksum byte. */
  checksum: boolean;
  /** Send a wrong checksum (with `checksum`). */
  corruptChecksum?: boolean;
}

/** One Toledo continuous frame (17 bytes, 18 with the checksum); see `toledo.ts`. */
export function encodeToledo(d: Omit<IndicatorDisplay, 'decimals'>, t: ToledoEncoding): Uint8Array {
  const decimals = TOLEDO_DECIMALS[t.decimalCode & 7] ?? 0;
  const incCode = t.increment === 1 ? 1 : t.increment === 2 ? 2 : 3;
  const outOfRange = d.status === 'overload' || d.status === 'underload';
  const w = outOfRange ? 0n : gramsToScaled(d.weightG, decimals, d.unit);
  const tare = gramsToScaled(t.tareG, decimals, d.unit);
  const negative = d.status === 'underload' || w < 0n;
  const swa = 0x20 | (t.decimalCode & 7) | (incCode << 3);
  const swb =
    0x20 |
    (d.mode === 'net' ? 0x01 : 0) |
    (negative ? 0x02 : 0) |
    (outOfRange ? 0x04 : 0) |
    (d.status === 'motion' ? 0x08 : 0) |
    (d.unit === 'kg' ? 0x10 : 0);
  const digits = (v: bigint) => (v < 0n ? -v : v).toString().padStart(6, '0').slice(-6);
  const body = bytesOf(`\x02${String.fromCharCode(swa, swb, 0x20)}${digits(w)}${digits(tare)}\r`);
  if (!t.checksum) return body;
  const frame = new Uint8Array(body.length + 1);
  frame.set(body);
  frame[body.length] = toledoChecksum(body) ^ (t.corruptChecksum ? 0x11 : 0);
  return frame;
}

/** An MT-SICS response line. */
export type MtSicsResponse =
  | { kind: 'weight'; stable: boolean; weightG: number; unit: 'g' | 'kg' | 'lb'; decimals: number }
  | { kind: 'busy' | 'overload' | 'underload' }
  | { kind: 'error'; code: 'ES' | 'ET' | 'EL' };

/** One MT-SICS response, e.g. `S S     100.00 kg\r\n` (value right-aligned in 10 chars). */
export function encodeMtSics(r: MtSicsResponse): Uint8Array {
  switch (r.kind) {
    case 'weight': {
      const m = gramsToScaled(r.weightG, r.decimals, r.unit);
      const value = `${m < 0n ? '-' : ''}${fixedPoint(m, r.decimals)}`.padStart(10, ' ');
      return bytesOf(`S ${r.stable ? 'S' : 'D'} ${value} ${r.unit}\r\n`);
    }
    case 'busy':
      return bytesOf('S I\r\n');
    case 'overload':
      return bytesOf('S +\r\n');
    case 'underload':
      return bytesOf('S -\r\n');
    case 'error':
      return bytesOf(`${r.code}\r\n`);
    default: {
      const never: never = r;
      throw new TypeError(`unknown MT-SICS response ${String(never)}`);
    }
  }
}
