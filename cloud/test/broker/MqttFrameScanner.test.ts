import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MqttFrameScanner } from '../../src/broker/MqttFrameScanner.js';

/** Remaining Length encoding of MQTT 3.1.1 §2.2.3. */
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function packet(type: number, bodyLength: number): Buffer {
  return Buffer.concat([
    Buffer.from([type << 4, ...remainingLength(bodyLength)]),
    Buffer.alloc(bodyLength, 0x61),
  ]);
}

/** Splits a buffer at the given cut points. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('MqttFrameScanner', () => {
  it('counts packets however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 0, max: 20_000 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (specs, cuts) => {
          const stream = Buffer.concat(specs.map(([t, n]) => packet(t, n)));
          const s = new MqttFrameScanner(1 << 20);
          for (const chunk of split(stream, cuts)) expect(s.feed(chunk)).toEqual({ ok: true });
          expect(s.packets).toBe(specs.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses the first packet over the limit from its header, at the exact boundary', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 300_000 }), fc.integer({ min: -3, max: 3 }), (limit, delta) => {
        const body = Math.max(0, limit - 1 - remainingLength(limit).length + delta);
        const p = packet(3, body);
        const s = new MqttFrameScanner(limit);
        // only the fixed header is fed: the verdict must not need the body
        const header = p.subarray(0, 1 + remainingLength(body).length);
        const v = s.feed(header);
        if (p.length > limit)
          expect(v).toEqual({ ok: false, problem: 'oversize', packetType: 3, sizeBytes: p.length });
        else expect(v.ok).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a remaining length of more than 4 bytes', () => {
    const s = new MqttFrameScanner(Number.MAX_SAFE_INTEGER);
    const v = s.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problem).toBe('malformed');
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 2, max: 1000 }), (bytes, limit) => {
        const v = new MqttFrameScanner(limit).feed(bytes);
        expect(typeof v.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
