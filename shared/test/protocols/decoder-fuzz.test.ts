/**
 * Property-based fuzzing shared by every truck-device decoder of the registry (fast-check):
 * round trips, random bytes, frames in noise cut into random chunks, truncation, single-byte
 * corruption, bounded buffers and reset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodedFrame } from '../../src/protocols/types.js';
import { PROTOCOL_CASES, type ProtocolCase } from './protocol-cases.js';
import { concat, corruptByte, cuts, feed, goodValues, noise } from './stream-support.js';

const RUNS = { numRuns: 200 };

// biome-ignore lint/suspicious/noExplicitAny: see PROTOCOL_CASES
function sameValues(c: ProtocolCase<any>, actual: unknown[], expected: unknown[]): boolean {
  if (actual.length !== expected.length) return false;
  return actual.every((a, i) => (c.approx ? c.approx(a, expected[i]) : expectEqual(a, expected[i])));
}

function expectEqual(a: unknown, b: unknown): boolean {
  expect(a).toEqual(b);
  return true;
}

function badRawBytes(frames: DecodedFrame<unknown>[]): number {
  return frames.reduce((n, f) => n + (f.ok ? 0 : f.raw.length), 0);
}

describe.each(PROTOCOL_CASES.map((c) => [c.name, c] as const))('%s decoder fuzzing', (_name, c) => {
  it('decodes every valid frame to exactly its value', () => {
    fc.assert(
      fc.property(c.frame, (s) => {
        const d = c.create();
        const frames = d.push(s.bytes);
        expect(frames).toHaveLength(1);
        expect(sameValues(c, goodValues(frames), [s.expected])).toBe(true);
        expect(frames[0]?.raw).toEqual(s.bytes);
        expect(d.stats).toEqual({ frames: 1, badFrames: 0, noiseBytes: 0 });
      }),
      RUNS,
    );
  });

  it('never crashes on random bytes and never makes a false frame of them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (junk, at) => {
        const d = c.create();
        const frames = feed(d, junk, at);
        const good = frames.filter((f) => f.ok);
        if (c.checksummed) expect(good).toEqual([]);
        else for (const f of good) expect(c.wellFormed(f.raw)).toBe(true);
        expect(d.stats.frames).toBe(good.length);
        expect(d.stats.badFrames).toBe(frames.length - good.length);
      }),
      { numRuns: 500 },
    );
  });

  it('recovers every frame, in order, from noise between frames and any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noise(), c.frame), { minLength: 1, maxLength: 8 }),
        noise(),
        cuts,
        (parts, tail, at) => {
          const stream = concat([...parts.flatMap(([n, s]) => [n, s.bytes]), tail]);
          const d = c.create();
          const values = goodValues(feed(d, stream, at));
          expect(
            sameValues(
              c,
              values,
              parts.map(([, s]) => s.expected),
            ),
          ).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('makes nothing false of a truncated frame, and still finds the frame after it', () => {
    fc.assert(
      fc.property(c.frame, c.frame, fc.double({ min: 0, max: 1, noNaN: true }), cuts, (a, b, cut, at) => {
        // FDX-B binary: a `BB` inside the glued frame can alias with an 8-bit XOR (documented in fdxb-binary.ts).
        if (c.name === 'fdxb-binary') fc.pre(!b.bytes.subarray(4, 12).includes(0xbb));
        const keep = 1 + Math.floor(cut * (a.bytes.length - 2));
        // Toledo with checksum: a frame cut just before its checksum byte, followed by a frame
        // whose STX equals that checksum, is read as the (intact) first frame (documented).
        if (c.name === 'toledo-checksum') fc.pre(!(keep === 17 && a.bytes[17] === 0x02));
        const d = c.create();
        expect(
          sameValues(c, goodValues(feed(d, concat([a.bytes.slice(0, keep), b.bytes]), at)), [b.expected]),
        ).toBe(true);
        const alone = c.create();
        expect(goodValues(feed(alone, a.bytes.slice(0, keep), at))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('turns no single corrupted byte into a different value', () => {
    fc.assert(
      fc.property(
        c.frame,
        fc.nat(),
        c.checksummed ? fc.integer({ min: 0, max: 255 }) : corruptByte,
        (s, pick, byte) => {
          const positions = c.guardedPositions?.(s.bytes) ?? s.bytes.map((_, i) => i);
          const at = positions[pick % positions.length] ?? 0;
          fc.pre(s.bytes[at] !== byte);
          const corrupted = s.bytes.slice();
          corrupted[at] = byte;
          const values = goodValues(c.create().push(corrupted));
          for (const v of values) expect(sameValues(c, [v], [s.expected])).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps its buffer bounded on garbage without frame ends', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20_000, maxLength: 20_000 }), c.frame, (junk, s) => {
        const garbage = junk.map((b) => (b === 0x0a ? 0x20 : b));
        const d = c.create();
        const frames: DecodedFrame<unknown>[] = [];
        for (let i = 0; i < garbage.length; i += 997) frames.push(...d.push(garbage.subarray(i, i + 997)));
        // Whatever the decoder still holds is at most a frame's worth (< 256 bytes).
        expect(d.stats.noiseBytes + badRawBytes(frames)).toBeGreaterThan(garbage.length - 256);
        const after = goodValues(d.push(concat([Uint8Array.of(0x0d, 0x0a), s.bytes])));
        expect(sameValues(c, after.slice(-1), [s.expected])).toBe(true);
      }),
      { numRuns: 10 },
    );
  });

  it('forgets a partial frame on reset', () => {
    fc.assert(
      fc.property(c.frame, fc.double({ min: 0, max: 1, noNaN: true }), (s, cut) => {
        const keep = 1 + Math.floor(cut * (s.bytes.length - 2));
        const d = c.create();
        expect(d.push(s.bytes.slice(0, keep))).toEqual([]);
        d.reset();
        for (const v of goodValues(d.push(s.bytes.slice(keep))))
          expect(sameValues(c, [v], [s.expected])).toBe(true);
        expect(sameValues(c, goodValues(d.push(s.bytes)), [s.expected])).toBe(true);
      }),
      RUNS,
    );
  });
});
