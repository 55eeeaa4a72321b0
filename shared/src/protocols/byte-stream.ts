/**
 * Small byte-level pieces every truck-device decoder uses: a mutable stats record, chunk
 * concatenation and ASCII views. Pure, no Node-only imports.
 */

/** Counters a decoder exposes through `FrameDecoder.stats`. */
export interface DecoderStats {
  frames: number;
  badFrames: number;
  noiseBytes: number;
}

/** A zeroed stats record. */
export function emptyStats(): DecoderStats {
  return { frames: 0, badFrames: 0, noiseBytes: 0 };
}

/** `a` followed by `b` (returns `b` itself when `a` is empty, to avoid a copy). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Bytes as a string, one char per byte (Latin-1), so string indices are byte offsets. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** A string of chars U+0000–U+00FF as bytes, one byte per char (the inverse of `latin1`). */
export function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Two-digit upper-case hex of a byte. */
export function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
