/** RFID reader frames: worked examples from the module datasheets and docs/domain notes. */
import { describe, expect, it } from 'vitest';
import { Em4100Decoder } from '../../src/protocols/em4100.js';
import { encodeEm4100, encodeFdxbAscii, encodeFdxbBinary } from '../../src/protocols/encoders.js';
import { FdxbAsciiDecoder } from '../../src/protocols/fdxb-ascii.js';
import { FdxbBinaryDecoder } from '../../src/protocols/fdxb-binary.js';
import { bytes, concat, feed, hexBytes } from './stream-support.js';

const RDM6300_EXAMPLE = hexBytes('02 31 30 30 30 38 36 46 34 34 34 32 36 03');
/** The worked example of the longrfid.com FDX-A/B module page. */
const FDXB_MODULE_EXAMPLE = hexBytes('AA 0F 08 00 03 84 12 DB FA E7 D5 81 BB');

describe('Em4100Decoder', () => {
  it('reads the RDM6300 example as tag 100086F444', () => {
    const d = new Em4100Decoder();
    expect(d.push(RDM6300_EXAMPLE)).toEqual([
      { ok: true, value: { scheme: 'em4100', id: '100086F444' }, raw: RDM6300_EXAMPLE },
    ]);
    expect(d.stats).toEqual({ frames: 1, badFrames: 0, noiseBytes: 0 });
  });

  it('encodes the example byte for byte', () => {
    expect(encodeEm4100('100086F444')).toEqual(RDM6300_EXAMPLE);
  });

  it('keeps a frame with a wrong checksum as a bad frame, never a tag', () => {
    const corrupt = RDM6300_EXAMPLE.slice();
    corrupt[12] = 0x37; // checksum "27" instead of "26"
    const d = new Em4100Decoder();
    const [frame] = d.push(corrupt);
    expect(frame?.ok).toBe(false);
    expect(frame?.ok === false && frame.reason).toMatch(/checksum/);
    expect(d.stats).toEqual({ frames: 0, badFrames: 1, noiseBytes: 0 });
  });

  it('skips and counts noise, including stray STX bytes, and reads lower-case hex', () => {
    const lower = bytes('\x02100086f44426\x03');
    const stream = concat([bytes('\xff\x02\x02zz'), RDM6300_EXAMPLE, bytes('\x00\x03'), lower]);
    const d = new Em4100Decoder();
    const frames = feed(d, stream, [0.1, 0.35, 0.5, 0.9]);
    expect(frames.map((f) => f.ok && f.value.id)).toEqual(['100086F444', '100086F444']);
    expect(d.stats.noiseBytes).toBe(7);
  });

  it('refuses to encode an id that is not 10 hex digits', () => {
    expect(() => encodeEm4100('12345')).toThrow(RangeError);
  });
});

describe('FdxbBinaryDecoder', () => {
  it('reads the module example big-endian: country 900, national id 81000064981', () => {
    const d = new FdxbBinaryDecoder();
    expect(d.push(FDXB_MODULE_EXAMPLE)).toEqual([
      { ok: true, value: { scheme: 'fdx-b', id: '900-081000064981' }, raw: FDXB_MODULE_EXAMPLE },
    ]);
  });

  it('encodes the example byte for byte, and a French tag too', () => {
    expect(encodeFdxbBinary('900-081000064981')).toEqual(FDXB_MODULE_EXAMPLE);
    const french = encodeFdxbBinary('250-000001088420');
    expect([...french.subarray(4, 6)]).toEqual([0x00, 0xfa]);
    expect(new FdxbBinaryDecoder().push(french)[0]).toMatchObject({
      ok: true,
      value: { id: '250-000001088420' },
    });
  });

  it('keeps a wrong checksum as a bad frame and still reads the frame right after it', () => {
    const corrupt = FDXB_MODULE_EXAMPLE.slice();
    corrupt[8] = (corrupt[8] ?? 0) ^ 0x01;
    const d = new FdxbBinaryDecoder();
    const frames = d.push(concat([corrupt, FDXB_MODULE_EXAMPLE]));
    expect(frames.map((f) => f.ok)).toEqual([false, true]);
    expect(d.stats.badFrames).toBe(1);
  });

  it('rejects numbers outside ISO 11784 even with a good checksum', () => {
    const frame = FDXB_MODULE_EXAMPLE.slice();
    frame[4] = 0x03;
    frame[5] = 0xe8; // country 1000
    let x = 0;
    for (let i = 1; i <= 10; i += 1) x ^= frame[i] ?? 0;
    frame[11] = x;
    const [f] = new FdxbBinaryDecoder().push(frame);
    expect(f?.ok === false && f.reason).toMatch(/ISO 11784/);
  });
});

describe('FdxbAsciiDecoder', () => {
  it('reads the panel-reader line LA 982 000001088420', () => {
    const d = new FdxbAsciiDecoder();
    const frames = d.push(bytes('LA 982 000001088420\r\n'));
    expect(frames).toEqual([
      { ok: true, value: { scheme: 'fdx-b', id: '982-000001088420' }, raw: bytes('LA 982 000001088420\r\n') },
    ]);
  });

  it('accepts the prefix-less and run-together forms and a bare LF', () => {
    const d = new FdxbAsciiDecoder();
    const frames = d.push(bytes('250 000001088420\r\n250000001088421\n250_000001088422\r\n'));
    expect(frames.map((f) => f.ok && f.value.id)).toEqual([
      '250-000001088420',
      '250-000001088421',
      '250-000001088422',
    ]);
  });

  it('makes bad frames of lines that lost a digit or hold a 12-digit id beyond 38 bits', () => {
    const d = new FdxbAsciiDecoder();
    const frames = d.push(bytes('LA 982 00000108842\r\nLA 982 999999999999\r\n'));
    expect(frames.map((f) => f.ok)).toEqual([false, false]);
    expect(d.stats).toMatchObject({ frames: 0, badFrames: 2 });
  });

  it('counts noise in front of a line and blank lines as noise', () => {
    const d = new FdxbAsciiDecoder();
    const frames = d.push(
      concat([bytes('\x00\xfe\r\n\r\n'), bytes('\x13\x11'), encodeFdxbAscii('250-000001088420')]),
    );
    expect(frames.map((f) => f.ok && f.value.id)).toEqual(['250-000001088420']);
    expect(d.stats.noiseBytes).toBe(8);
  });
});
