/**
 * Mettler Toledo "Standard Continuous Output" (Toledo continuous mode), as described in the
 * terminal technical manuals (e.g. IND560/IND780 Technical Manual, appendix "Continuous
 * Output"; Toledo 8142 indicator manual), usually 9600 7E1:
 *
 *   STX SWA SWB SWC  WWWWWW  TTTTTT  CR  [CHK]      (17 bytes, 18 with the checksum)
 *
 * - SWA: bits 0–2 decimal point code (000 `XXXX00`, 001 `XXXXX0`, 010 `XXXXXX`,
 *   011 `XXXXX.X`, 100 `XXXX.XX`, 101 `XXX.XXX`, 110 `XX.XXXX`, 111 `X.XXXXX`);
 *   bits 3–4 display increment (01 ×1, 10 ×2, 11 ×5); bit 5 always 1.
 * - SWB: bit 0 net, bit 1 negative, bit 2 out of range (over/under capacity), bit 3 motion,
 *   bit 4 kg (0 = lb), bit 5 always 1.
 * - SWC: bit 5 always 1 (other bits: print request, expanded display, hand tare…, unused here).
 * - W: 6 digits of displayed weight, T: 6 digits of tare, no decimal point, leading zeros
 *   (a space is read as 0, some terminals blank leading zeros).
 * - CHK: two's complement of the low 7 bits of the sum of every preceding byte (STX to CR),
 *   i.e. `(sum + CHK) & 0x7F === 0`.
 *
 * Whether the checksum byte is present is a terminal setting and must be configured: it is
 * not auto-detected, because the checksum byte can itself be `0x02` (STX), which makes the
 * two framings ambiguous on a byte stream.
 * Resolution = increment × one step of the last digit; out of range with the negative bit
 * set is underload, without it overload (no weight then).
 */
import { hex2 } from './byte-stream.js';
import { FixedFrameDecoder } from './fixed-frame-decoder.js';
import { scaledToGrams } from './mass-units.js';
import type { DecodedFrame, WeightReading, WeightStatus } from './types.js';

const STX = 0x02;
const CR = 0x0d;
/** Frame length without / with the checksum byte. */
export const TOLEDO_FRAME_LENGTH = 17;

/** Checksum byte of the bytes before it: two's complement of the low 7 bits of their sum. */
export function toledoChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return -sum & 0x7f;
}

/** Decimals for each SWA decimal-point code (negative: the display ends in fixed zeros). */
export const TOLEDO_DECIMALS = [-2, -1, 0, 1, 2, 3, 4, 5] as const;
/** Display increment for SWA bits 3–4 (code 0 is undefined; read as ×1). */
export const TOLEDO_INCREMENTS = [1, 1, 2, 5] as const;

function digitsValue(frame: Uint8Array, from: number): number | null {
  let v = 0;
  let seenDigit = false;
  for (let i = from; i < from + 6; i += 1) {
    const b = frame[i] ?? 0;
    if (b === 0x20 && !seenDigit) continue;
    if (b < 0x30 || b > 0x39) return null;
    seenDigit = true;
    v = v * 10 + (b - 0x30);
  }
  return v;
}

/** Options of `ToledoContinuousDecoder`. */
export interface ToledoOptions {
  /** The terminal appends the checksum byte after CR (default false). */
  checksum?: boolean;
}

/** Streaming decoder of Toledo continuous output into `WeightReading`s (with tare). */
export class ToledoContinuousDecoder extends FixedFrameDecoder<WeightReading> {
  protected override readonly header = Uint8Array.of(STX);
  protected override readonly frameLength: number;
  protected override readonly resyncAfterBadFrame: boolean;
  private readonly withChecksum: boolean;

  constructor(options: ToledoOptions = {}) {
    super();
    this.withChecksum = options.checksum ?? false;
    this.frameLength = TOLEDO_FRAME_LENGTH + (this.withChecksum ? 1 : 0);
    // A frame cut just before its checksum takes the next frame's STX as checksum: resume
    // right after the bad frame's STX so the next frame is still found.
    this.resyncAfterBadFrame = this.withChecksum;
  }

  protected override judge(frame: Uint8Array): DecodedFrame<WeightReading> | null {
    const swa = frame[1] ?? 0;
    const swb = frame[2] ?? 0;
    const swc = frame[3] ?? 0;
    if ((swa & 0x20) === 0 || (swb & 0x20) === 0 || (swc & 0x20) === 0) return null;
    if (frame[16] !== CR) return null;
    const weight = digitsValue(frame, 4);
    const tare = digitsValue(frame, 10);
    if (weight === null || tare === null) return null;
    if (this.withChecksum) {
      const sent = frame[17] ?? 0;
      const computed = toledoChecksum(frame.subarray(0, 17));
      if (sent !== computed) {
        return {
          ok: false,
          reason: `checksum mismatch: frame says ${hex2(sent)}, expected ${hex2(computed)}`,
          raw: frame,
        };
      }
    }
    const decimals = TOLEDO_DECIMALS[swa & 0x07] ?? 0;
    const step = TOLEDO_INCREMENTS[(swa >> 3) & 0x03] ?? 1;
    const unit = swb & 0x10 ? 'kg' : 'lb';
    const negative = (swb & 0x02) !== 0;
    const w = scaledToGrams(BigInt(negative ? -weight : weight), decimals, unit, step);
    const t = scaledToGrams(BigInt(tare), decimals, unit, step);
    let status: WeightStatus = swb & 0x08 ? 'motion' : 'stable';
    if (swb & 0x04) status = negative ? 'underload' : 'overload';
    const outOfRange = status === 'overload' || status === 'underload';
    return {
      ok: true,
      value: {
        status,
        mode: swb & 0x01 ? 'net' : 'gross',
        weightG: outOfRange ? null : w.grams,
        tareG: t.grams,
        resolutionG: w.resolutionG,
      },
      raw: frame,
    };
  }
}
