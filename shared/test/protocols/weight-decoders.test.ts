/** Weighing-indicator frames: ST,GS, Toledo continuous and MT-SICS, from their manuals' layouts. */
import { describe, expect, it } from 'vitest';
import { encodeStGs, encodeToledo } from '../../src/protocols/encoders.js';
import { MT_SICS_POLL, MtSicsDecoder, mtSicsCommand } from '../../src/protocols/mt-sics.js';
import { StGsDecoder } from '../../src/protocols/st-gs.js';
import { ToledoContinuousDecoder } from '../../src/protocols/toledo.js';
import type { DecodedFrame, WeightReading } from '../../src/protocols/types.js';
import { bytes } from './stream-support.js';

function values(frames: DecodedFrame<WeightReading>[]): (WeightReading | string)[] {
  return frames.map((f) => (f.ok ? f.value : `bad: ${f.reason}`));
}

describe('StGsDecoder', () => {
  it('reads status, mode, sign, decimals and unit', () => {
    const d = new StGsDecoder();
    const lines = 'ST,GS,+0012.34kg\r\nUS,NT,-0001.50kg\r\nST,GS,+  31.5 kg\r\nst,gs,+0000000KG\r\n';
    expect(values(d.push(bytes(lines)))).toEqual([
      { status: 'stable', mode: 'gross', weightG: 12_340, resolutionG: 10 },
      { status: 'motion', mode: 'net', weightG: -1_500, resolutionG: 10 },
      { status: 'stable', mode: 'gross', weightG: 31_500, resolutionG: 100 },
      { status: 'stable', mode: 'gross', weightG: 0, resolutionG: 1000 },
    ]);
  });

  it('reports overload and underload without a weight', () => {
    const d = new StGsDecoder();
    const frames = d.push(bytes('ST,GS,+0100.5kg\r\nOL,GS,+------kg\r\nUL,GS,-999999kg\r\n'));
    expect(values(frames).slice(1)).toEqual([
      { status: 'overload', mode: 'gross', weightG: null, resolutionG: 100 },
      { status: 'underload', mode: 'gross', weightG: null, resolutionG: 1000 },
    ]);
  });

  it('converts pounds exactly (1 lb = 453.59237 g), rounding to the gram', () => {
    const d = new StGsDecoder();
    const frames = d.push(bytes('ST,GS,+0001.50lb\r\nST,GS,+0100.00lb\r\nST,GS,-0000.5lb\r\n'));
    // 680.388555 g, 45 359.237 g, −226.796185 g
    expect(values(frames)).toEqual([
      { status: 'stable', mode: 'gross', weightG: 680, resolutionG: 5 },
      { status: 'stable', mode: 'gross', weightG: 45_359, resolutionG: 5 },
      { status: 'stable', mode: 'gross', weightG: -227, resolutionG: 45 },
    ]);
  });

  it('with an RS-485 address, keeps its own instrument and ignores the others as noise', () => {
    const d = new StGsDecoder({ address: '01' });
    const stream = bytes('02ST,GS,+0005.00kg\r\n01ST,GS,+0007.00kg\r\nST,GS,+0009.00kg\r\n');
    expect(values(d.push(stream))).toEqual([
      { status: 'stable', mode: 'gross', weightG: 7_000, resolutionG: 10 },
    ]);
    expect(d.stats).toEqual({ frames: 1, badFrames: 0, noiseBytes: 38 });
    expect(
      encodeStGs({ status: 'stable', mode: 'gross', weightG: 7000, unit: 'kg', decimals: 2 }, '01'),
    ).toEqual(bytes('01ST,GS,+0007.00kg\r\n'));
  });

  it('makes bad frames of garbled values, a missing sign or a missing unit', () => {
    const d = new StGsDecoder();
    const frames = d.push(bytes('ST,GS,+00\x0012.34kg\r\nST,GS,0012.34kg\r\nST,GS,+0012.34\r\n'));
    expect(frames.every((f) => !f.ok)).toBe(true);
    expect(d.stats).toEqual({ frames: 0, badFrames: 3, noiseBytes: 0 });
  });
});

describe('ToledoContinuousDecoder', () => {
  /** STX SWA SWB SWC weight tare CR, built from the manual's bit table (not with the encoder). */
  function frame(swa: number, swb: number, weight: string, tare: string, checksum = false): Uint8Array {
    const body = bytes(`\x02${String.fromCharCode(swa, swb, 0x20)}${weight}${tare}\r`);
    if (!checksum) return body;
    const sum = body.reduce((a, b) => a + b, 0);
    return Uint8Array.from([...body, (128 - (sum % 128)) % 128]);
  }
  const KG = 0x10;

  it('reads weight, tare, decimal point and increment (123.5 kg by 0.5 kg)', () => {
    const f = frame(0x20 | 0x03 | (3 << 3), 0x20 | KG, '001235', '000120');
    expect(values(new ToledoContinuousDecoder().push(f))).toEqual([
      { status: 'stable', mode: 'gross', weightG: 123_500, tareG: 12_000, resolutionG: 500 },
    ]);
    const encoded = encodeToledo(
      { status: 'stable', mode: 'gross', weightG: 123_500, unit: 'kg' },
      { decimalCode: 3, increment: 5, tareG: 12_000, checksum: false },
    );
    expect(encoded).toEqual(f);
  });

  it('reads the net, negative, motion and out-of-range bits', () => {
    const sw = 0x20 | 0x02 | (1 << 3); // whole kg, ×1
    const d = new ToledoContinuousDecoder();
    const stream = [
      frame(sw, 0x20 | KG | 0x01 | 0x02, '000015', '000200'),
      frame(sw, 0x20 | KG | 0x08, '000250', '000000'),
      frame(sw, 0x20 | KG | 0x04, '999999', '000000'),
      frame(sw, 0x20 | KG | 0x04 | 0x02, '000000', '000000'),
      frame(0x20 | 0x00 | (1 << 3), 0x20 | KG, '000012', '000000'), // XXXX00: 1 200 kg
    ];
    expect(values(d.push(Uint8Array.from(stream.flatMap((s) => [...s]))))).toEqual([
      { status: 'stable', mode: 'net', weightG: -15_000, tareG: 200_000, resolutionG: 1000 },
      { status: 'motion', mode: 'gross', weightG: 250_000, tareG: 0, resolutionG: 1000 },
      { status: 'overload', mode: 'gross', weightG: null, tareG: 0, resolutionG: 1000 },
      { status: 'underload', mode: 'gross', weightG: null, tareG: 0, resolutionG: 1000 },
      { status: 'stable', mode: 'gross', weightG: 1_200_000, tareG: 0, resolutionG: 100_000 },
    ]);
  });

  it('reads pounds when the kg bit is clear (123.5 lb = 56 019.257695 g)', () => {
    const f = frame(0x20 | 0x03 | (1 << 3), 0x20, '001235', '000000');
    expect(values(new ToledoContinuousDecoder().push(f))[0]).toMatchObject({
      weightG: 56_019,
      resolutionG: 45,
    });
  });

  it('checks the checksum byte when configured, and reads blanked leading zeros', () => {
    const good = frame(0x20 | 0x02 | (1 << 3), 0x20 | KG, '    42', '     0', true);
    const bad = good.slice();
    bad[17] = ((bad[17] ?? 0) + 1) & 0x7f;
    const d = new ToledoContinuousDecoder({ checksum: true });
    expect(values(d.push(Uint8Array.from([...bad, ...good])))).toEqual([
      expect.stringMatching(/^bad: checksum/),
      { status: 'stable', mode: 'gross', weightG: 42_000, tareG: 0, resolutionG: 1000 },
    ]);
    expect(d.stats.badFrames).toBe(1);
  });

  it('does not take a checksummed stream for plain frames (the checksum byte is noise there)', () => {
    const f = frame(0x20 | 0x02 | (1 << 3), 0x20 | KG, '000042', '000000', true);
    const d = new ToledoContinuousDecoder();
    expect(values(d.push(Uint8Array.from([...f, ...f]))).length).toBe(2);
    expect(d.stats.noiseBytes).toBe(f[17] === 0x02 ? 1 : 2);
  });
});

describe('MtSicsDecoder', () => {
  it('reads stable and dynamic weights, busy, overload and underload', () => {
    const d = new MtSicsDecoder();
    const text =
      'S S     100.00 kg\r\nS D      12.34 kg\r\nS S      -0.50 kg\r\nS S       1234 g\r\nS I\r\nS +\r\nS -\r\n';
    expect(values(d.push(bytes(text)))).toEqual([
      { status: 'stable', mode: 'net', weightG: 100_000, resolutionG: 10 },
      { status: 'motion', mode: 'net', weightG: 12_340, resolutionG: 10 },
      { status: 'stable', mode: 'net', weightG: -500, resolutionG: 10 },
      { status: 'stable', mode: 'net', weightG: 1_234, resolutionG: 1 },
      { status: 'motion', mode: 'net', weightG: null, resolutionG: 1 },
      { status: 'overload', mode: 'net', weightG: null, resolutionG: 1 },
      { status: 'underload', mode: 'net', weightG: null, resolutionG: 1 },
    ]);
  });

  it('makes bad frames of ES, ET, EL and of units it does not know', () => {
    const d = new MtSicsDecoder();
    const frames = d.push(bytes('ES\r\nET\r\nEL\r\nS S      10.00 oz\r\n'));
    expect(values(frames)).toEqual([
      expect.stringMatching(/ES: syntax/),
      expect.stringMatching(/ET: transmission/),
      expect.stringMatching(/EL: logical/),
      expect.stringMatching(/unsupported unit/),
    ]);
    expect(d.stats.badFrames).toBe(4);
  });

  it('gives the poll command bytes', () => {
    expect([...MT_SICS_POLL]).toEqual([0x53, 0x49, 0x0d, 0x0a]);
    expect([...mtSicsCommand('S')]).toEqual([0x53, 0x0d, 0x0a]);
  });
});
