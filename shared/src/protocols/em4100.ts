/**
 * EM4100 (125 kHz) tag frames as sent by RDM6300/RDM630-type reader modules, 9600 8N1.
 *
 * Source: RDM630/RDM6300 module datasheet (Seeed Studio "125Khz RFID module – UART",
 * section "Data format"): `02` (STX), 10 ASCII-hex data chars (version/customer byte + 4-byte
 * card number), 2 ASCII-hex checksum chars, `03` (ETX). The checksum is the XOR of the 5 data
 * bytes. The module repeats the frame every ~50 ms while the tag is in the field.
 * Example: `02 31 30 30 30 38 36 46 34 34 34 32 36 03` → data `10 00 86 F4 44`, checksum `26`.
 */
import { hex2 } from './byte-stream.js';
import { FixedFrameDecoder } from './fixed-frame-decoder.js';
import type { DecodedFrame, TagRead } from './types.js';

/** Frame length: STX + 10 data chars + 2 checksum chars + ETX. */
export const EM4100_FRAME_LENGTH = 14;
const STX = 0x02;
const ETX = 0x03;

/** Value of an ASCII hex digit (either case), or -1. */
function nibble(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/** XOR checksum of the 5 data bytes of an EM4100 id given as 10 hex digits. */
export function em4100Checksum(idHex: string): number {
  let x = 0;
  for (let i = 0; i < 10; i += 2) x ^= Number.parseInt(idHex.slice(i, i + 2), 16);
  return x;
}

/** Streaming decoder of RDM6300-type EM4100 frames into `TagRead`s (scheme `em4100`). */
export class Em4100Decoder extends FixedFrameDecoder<TagRead> {
  protected override readonly header = Uint8Array.of(STX);
  protected override readonly frameLength = EM4100_FRAME_LENGTH;

  protected override judge(frame: Uint8Array): DecodedFrame<TagRead> | null {
    if (frame[EM4100_FRAME_LENGTH - 1] !== ETX) return null;
    const bytes: number[] = [];
    for (let i = 1; i <= 12; i += 2) {
      const hi = nibble(frame[i] ?? 0);
      const lo = nibble(frame[i + 1] ?? 0);
      if (hi < 0 || lo < 0) return null;
      bytes.push((hi << 4) | lo);
    }
    const sent = bytes[5] ?? 0;
    const computed = bytes.slice(0, 5).reduce((x, b) => x ^ b, 0);
    if (sent !== computed) {
      return {
        ok: false,
        reason: `checksum mismatch: frame says ${hex2(sent)}, data XOR is ${hex2(computed)}`,
        raw: frame,
      };
    }
    const id = bytes.slice(0, 5).map(hex2).join('');
    return { ok: true, value: { scheme: 'em4100', id }, raw: frame };
  }
}
