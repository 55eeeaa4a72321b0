/**
 * Test support for the protocol decoder suites: chunking a byte stream at given cut points,
 * feeding a decoder, and fast-check arbitraries for noise and chunk cuts.
 */
import fc from 'fast-check';
import type { DecodedFrame, FrameDecoder } from '../../src/protocols/types.js';

/** Concatenation of byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Latin-1 text as bytes. */
export function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Hex like `02 31 30` as bytes. */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.trim().split(/\s+/), (h) => Number.parseInt(h, 16));
}

/** Feeds `stream` to `decoder` cut at `cuts` (fractions 0–1 of the length), returns every frame. */
export function feed<T>(
  decoder: FrameDecoder<T>,
  stream: Uint8Array,
  cuts: readonly number[] = [],
): DecodedFrame<T>[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * stream.length)))].sort((a, b) => a - b);
  const out: DecodedFrame<T>[] = [];
  let from = 0;
  for (const p of [...points, stream.length]) {
    if (p <= from) continue;
    out.push(...decoder.push(stream.slice(from, p)));
    from = p;
  }
  return out;
}

/** Values of the good frames. */
export function goodValues<T>(frames: readonly DecodedFrame<T>[]): T[] {
  return frames.flatMap((f) => (f.ok ? [f.value] : []));
}

/** Random byte strings (line noise). */
export const noise = (maxLength = 40) => fc.uint8Array({ minLength: 0, maxLength });

/** Random cut points for `feed` (chunk sizes from 1 byte to the whole stream). */
export const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 });

/** Byte values a noisy line turns a char into: controls and 8-bit bytes (not CR/LF). */
export const corruptByte = fc.oneof(
  fc.integer({ min: 0x00, max: 0x09 }),
  fc.integer({ min: 0x0b, max: 0x0c }),
  fc.integer({ min: 0x0e, max: 0x1f }),
  fc.integer({ min: 0x7f, max: 0xff }),
);
