import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FirmataCommand, FirmataCommandDecoder } from '../../src/firmata/FirmataCommandDecoder.js';
import { Firmata } from '../../src/firmata/FirmataProtocol.js';

/** Encodes a command the way firmata.js writes it (protocol.md). */
function encode(c: FirmataCommand): number[] {
  switch (c.kind) {
    case 'digital-port':
      return [0x90 | c.port, c.mask & 0x7f, (c.mask >> 7) & 0x7f];
    case 'analog-write':
      return [0xe0 | c.pin, c.value & 0x7f, (c.value >> 7) & 0x7f];
    case 'report-analog':
      return [0xc0 | c.channel, c.enable ? 1 : 0];
    case 'report-digital':
      return [0xd0 | c.port, c.enable ? 1 : 0];
    case 'set-pin-mode':
      return [0xf4, c.pin, c.mode];
    case 'set-pin-value':
      return [0xf5, c.pin, c.value];
    case 'report-version':
      return [0xf9];
    case 'system-reset':
      return [0xff];
    case 'sysex':
      return [0xf0, c.command, ...c.data, 0xf7];
  }
}

const d7 = fc.integer({ min: 0, max: 127 });
const nibble = fc.integer({ min: 0, max: 15 });
const commandArb: fc.Arbitrary<FirmataCommand> = fc.oneof(
  fc.record({
    kind: fc.constant('digital-port' as const),
    port: nibble,
    mask: fc.integer({ min: 0, max: 0x3fff }),
  }),
  fc.record({
    kind: fc.constant('analog-write' as const),
    pin: nibble,
    value: fc.integer({ min: 0, max: 0x3fff }),
  }),
  fc.record({ kind: fc.constant('report-analog' as const), channel: nibble, enable: fc.boolean() }),
  fc.record({ kind: fc.constant('report-digital' as const), port: nibble, enable: fc.boolean() }),
  fc.record({ kind: fc.constant('set-pin-mode' as const), pin: d7, mode: d7 }),
  fc.record({ kind: fc.constant('set-pin-value' as const), pin: d7, value: fc.integer({ min: 0, max: 1 }) }),
  fc.constant({ kind: 'report-version' as const }),
  fc.constant({ kind: 'system-reset' as const }),
  fc.record({
    kind: fc.constant('sysex' as const),
    command: d7,
    data: fc.array(d7, { maxLength: 40 }).map((a) => Uint8Array.from(a)),
  }),
);

/** Splits bytes into chunks at the given cut points. */
function chunked(bytes: number[], cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(Uint8Array.from(bytes.slice(from, p)));
    from = p;
  }
  return out;
}

describe('FirmataCommandDecoder', () => {
  it('decodes the handshake firmata.js sends (version, firmware, capability and analog-mapping queries)', () => {
    const d = new FirmataCommandDecoder();
    const frames = d.push(Uint8Array.of(0xf9, 0xf0, 0x79, 0xf7, 0xf0, 0x6b, 0xf7, 0xf0, 0x69, 0xf7));
    expect(frames.map((f) => (f.ok ? f.value : f.reason))).toEqual([
      { kind: 'report-version' },
      { kind: 'sysex', command: Firmata.REPORT_FIRMWARE, data: new Uint8Array() },
      { kind: 'sysex', command: Firmata.CAPABILITY_QUERY, data: new Uint8Array() },
      { kind: 'sysex', command: Firmata.ANALOG_MAPPING_QUERY, data: new Uint8Array() },
    ]);
  });

  it('decodes any command sequence the same way whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (cmds, cuts) => {
          const bytes = cmds.flatMap(encode);
          const d = new FirmataCommandDecoder();
          const frames = chunked(bytes, cuts).flatMap((c) => d.push(c));
          expect(frames.every((f) => f.ok)).toBe(true);
          expect(frames.map((f) => (f.ok ? f.value : null))).toEqual(cmds);
          expect(d.stats).toEqual({ frames: cmds.length, badFrames: 0, noiseBytes: 0 });
        },
      ),
    );
  });

  it('drops a message cut by a new status byte, counts stray data bytes, and recovers', () => {
    const d = new FirmataCommandDecoder();
    const frames = d.push(
      Uint8Array.of(0x05, 0x06, 0x91, 0x01, 0xf4, 0x0d, 0x01, 0xf0, 0x6b, 0xf9, 0xd0, 0x01),
    );
    expect(frames.map((f) => f.ok)).toEqual([false, true, false, true, true]);
    expect(frames.filter((f) => f.ok).map((f) => f.ok && f.value)).toEqual([
      { kind: 'set-pin-mode', pin: 13, mode: 1 },
      { kind: 'report-version' },
      { kind: 'report-digital', port: 0, enable: true },
    ]);
    expect(d.stats).toEqual({ frames: 3, badFrames: 2, noiseBytes: 2 });
  });

  it('never throws on arbitrary bytes and accounts for every byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const d = new FirmataCommandDecoder();
        const frames = d.push(bytes);
        const used = frames.reduce((n, f) => n + f.raw.length, 0);
        // Every byte is in a frame, counted as noise, or still buffered (an incomplete message).
        expect(used + d.stats.noiseBytes).toBeLessThanOrEqual(bytes.length);
        expect(d.stats.frames + d.stats.badFrames).toBe(frames.length);
      }),
    );
  });
});
