/** NMEA 0183 RMC/GGA: the classic reference sentences, checksum handling and date keeping. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeNmeaGga, encodeNmeaRmc } from '../../src/protocols/encoders.js';
import { NmeaDecoder, nmeaChecksum } from '../../src/protocols/nmea.js';
import type { DecodedFrame, PositionFix } from '../../src/protocols/types.js';
import { bytes } from './stream-support.js';

const RMC = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n';
const GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n';

function fixes(frames: DecodedFrame<PositionFix>[]): (PositionFix | string)[] {
  return frames.map((f) => (f.ok ? f.value : `bad: ${f.reason}`));
}

describe('NmeaDecoder', () => {
  it('reads the reference RMC then GGA (48°07.038′N 11°31.000′E, 23 March 1994)', () => {
    const d = new NmeaDecoder();
    const [rmc, gga] = fixes(d.push(bytes(RMC + GGA)));
    expect(rmc).toEqual({
      sentence: 'RMC',
      lat: expect.closeTo(48 + 7.038 / 60, 9),
      lon: expect.closeTo(11 + 31 / 60, 9),
      fixAt: '1994-03-23T12:35:19.000Z',
      accuracyM: null,
      valid: true,
    });
    // HDOP 0.9 × 5 m
    expect(gga).toMatchObject({
      sentence: 'GGA',
      fixAt: '1994-03-23T12:35:19.000Z',
      accuracyM: 4.5,
      valid: true,
    });
  });

  it('gives a GGA before any RMC no date, and an RMC the last GGA accuracy', () => {
    const d = new NmeaDecoder();
    const [gga, rmc] = fixes(d.push(bytes(GGA + RMC)));
    expect(gga).toMatchObject({ fixAt: null, accuracyM: 4.5 });
    expect(rmc).toMatchObject({ accuracyM: 4.5, fixAt: '1994-03-23T12:35:19.000Z' });
  });

  it('rolls a GGA after midnight to the next day', () => {
    const d = new NmeaDecoder();
    const before = Date.UTC(2026, 10, 28, 23, 59, 59, 500);
    const after = Date.UTC(2026, 10, 29, 0, 0, 0, 500);
    const p = { lat: 43.65, lon: 3.55, valid: true };
    d.push(encodeNmeaRmc({ ...p, atMs: before }));
    const [gga] = fixes(
      d.push(encodeNmeaGga({ ...p, atMs: after }, { hdop: 1.2, satellites: 9, altitudeM: 60 })),
    );
    expect(gga).toMatchObject({ fixAt: '2026-11-29T00:00:00.500Z', accuracyM: 6 });
  });

  it('keeps a wrong or missing checksum as a bad frame and skips other sentences as noise', () => {
    const d = new NmeaDecoder();
    const wrong = RMC.replace('*6A', '*6B');
    const missing = RMC.replace('*6A', '');
    const gsvBody = 'GPGSV,1,1,01,07,79,048,42';
    const gsv = `$${gsvBody}*${nmeaChecksum(gsvBody).toString(16).toUpperCase().padStart(2, '0')}\r\n`;
    const frames = d.push(bytes(wrong + missing + gsv));
    expect(fixes(frames)).toEqual([
      expect.stringMatching(/checksum mismatch/),
      expect.stringMatching(/malformed/),
    ]);
    expect(d.stats).toEqual({ frames: 0, badFrames: 2, noiseBytes: gsv.length });
  });

  it('reads a receiver without a fix as not valid, with no coordinates', () => {
    const body = 'GNRMC,080000.00,V,,,,,,,281126,,,N';
    const d = new NmeaDecoder();
    const [fix] = fixes(
      d.push(bytes(`$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}\r\n`)),
    );
    expect(fix).toEqual({
      sentence: 'RMC',
      lat: null,
      lon: null,
      fixAt: '2026-11-28T08:00:00.000Z',
      accuracyM: null,
      valid: false,
    });
  });

  it('round-trips any position through RMC and GGA within the 1/10 000 minute of the format', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -89.9999, max: 89.9999, noNaN: true }),
        fc.double({ min: -179.9999, max: 179.9999, noNaN: true }),
        fc.integer({ min: 1, max: 99 }),
        (lat, lon, hdop10) => {
          const at = Date.UTC(2026, 10, 28, 7, 15, 2, 120);
          const d = new NmeaDecoder();
          const out = fixes([
            ...d.push(
              encodeNmeaGga(
                { atMs: at, lat, lon, valid: true },
                { hdop: hdop10 / 10, satellites: 7, altitudeM: 12 },
              ),
            ),
            ...d.push(encodeNmeaRmc({ atMs: at, lat, lon, valid: true })),
          ]);
          for (const f of out) {
            if (typeof f === 'string') throw new Error(f);
            expect(Math.abs((f.lat ?? Number.NaN) - lat)).toBeLessThanOrEqual(1e-6);
            expect(Math.abs((f.lon ?? Number.NaN) - lon)).toBeLessThanOrEqual(1e-6);
            expect(f.accuracyM).toBeCloseTo(hdop10 / 2, 9);
          }
          expect(out[1]).toMatchObject({ fixAt: '2026-11-28T07:15:02.120Z', valid: true });
        },
      ),
    );
  });
});
