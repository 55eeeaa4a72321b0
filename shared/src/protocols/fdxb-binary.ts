/**
 * ISO 11784/11785 FDX-B (134.2 kHz) binary frames of the common UART reader modules
 * (9600 8N1), e.g. the "FDX-A/B Card Reader Module" documented at longrfid.com:
 *
 *   `AA` start, `0F 08 00` fixed, 2-byte country code, 5-byte national id,
 *   1-byte XOR of every byte from `0F` to the last id byte, `BB` end — 13 bytes.
 *
 * Byte order: big-endian for both numbers. Source: the module's own worked example,
 * `AA 0F 08 00 03 84 12 DB FA E7 D5 81 BB` = country `03 84` (900) and national id
 * `12 DB FA E7 D5` (81 000 064 981), checksum `81` — read most significant byte first.
 * (The on-air ISO 11785 telegram is LSB first; the module reverses it for us.)
 * A frame whose numbers exceed the ISO 11784 ranges (country > 999, id > 38 bits) is a bad frame.
 *
 * Known limit of the format: the payload is binary, so `BB` can occur inside a frame, and an
 * 8-bit XOR lets a truncated frame glued to the next one pass with probability ~1/256 when
 * the glued bytes happen to put `BB` in the end position (overall ~2^-16 per truncation).
 * After a bad frame the scan resumes one byte later, so the whole frame behind it is not lost.
 */
import { hex2 } from './byte-stream.js';
import { fdxbId } from './fdx-b.js';
import { FixedFrameDecoder } from './fixed-frame-decoder.js';
import type { DecodedFrame, TagRead } from './types.js';

/** The 4 bytes every module frame starts with. */
export const FDXB_BINARY_HEADER = Uint8Array.of(0xaa, 0x0f, 0x08, 0x00);
/** Whole frame length. */
export const FDXB_BINARY_FRAME_LENGTH = 13;
const END = 0xbb;

/** XOR of bytes 1..10 (from `0F` to the last id byte) of a 13-byte frame. */
export function fdxbBinaryChecksum(frame: Uint8Array): number {
  let x = 0;
  for (let i = 1; i <= 10; i += 1) x ^= frame[i] ?? 0;
  return x;
}

/** Streaming decoder of FDX-B module frames into `TagRead`s (scheme `fdx-b`). */
export class FdxbBinaryDecoder extends FixedFrameDecoder<TagRead> {
  protected override readonly header = FDXB_BINARY_HEADER;
  protected override readonly frameLength = FDXB_BINARY_FRAME_LENGTH;
  protected override readonly resyncAfterBadFrame = true;

  protected override judge(frame: Uint8Array): DecodedFrame<TagRead> | null {
    if (frame[12] !== END) return null;
    const sent = frame[11] ?? 0;
    const computed = fdxbBinaryChecksum(frame);
    if (sent !== computed) {
      return {
        ok: false,
        reason: `checksum mismatch: frame says ${hex2(sent)}, XOR is ${hex2(computed)}`,
        raw: frame,
      };
    }
    const country = ((frame[4] ?? 0) << 8) | (frame[5] ?? 0);
    let nationalId = 0;
    for (let i = 6; i <= 10; i += 1) nationalId = nationalId * 256 + (frame[i] ?? 0);
    const id = fdxbId(country, nationalId);
    if (id === null) {
      return {
        ok: false,
        reason: `out of ISO 11784 range: country ${country}, id ${nationalId}`,
        raw: frame,
      };
    }
    return { ok: true, value: { scheme: 'fdx-b', id }, raw: frame };
  }
}
