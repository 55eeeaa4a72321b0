/** GpsSim output, read back by the shared NMEA decoder. */
import type { PositionFix } from '@releve/shared/protocols/types';
import { describe, expect, it } from 'vitest';
import { GpsSim } from '../../src/devices/GpsSim.js';
import { virtualClock, wire } from './device-harness.js';

/** A short walk through the Cosmo zone, Gignac. */
const ROUTE = [
  { lat: 43.650812, lon: 3.543721 },
  { lat: 43.651034, lon: 3.544102 },
  { lat: 43.651377, lon: 3.544655 },
  { lat: -33.8688, lon: -151.2093 }, // the other hemispheres too
];

describe('GpsSim', () => {
  it('sends RMC and GGA at 1 Hz along its points, decoded to the same positions and times', () => {
    const clock = virtualClock();
    const gps = new GpsSim({ clock, points: ROUTE, hdop: 1.3 });
    const w = wire<PositionFix>(gps, 'nmea', clock);
    gps.start();
    clock.advance(5_000);
    gps.stop();
    const sent = gps.sent.all();
    expect(sent.map((s) => [s.lat, s.lon])).toEqual([...ROUTE, ROUTE[3]].map((p) => [p?.lat, p?.lon]));
    const fixes = w.good();
    expect(fixes.map((f) => f.sentence)).toEqual(Array.from({ length: 5 }, () => ['RMC', 'GGA']).flat());
    fixes.forEach((f, i) => {
      const s = sent[Math.floor(i / 2)];
      expect(f.lat).toBeCloseTo(s?.lat ?? Number.NaN, 5);
      expect(f.lon).toBeCloseTo(s?.lon ?? Number.NaN, 5);
      expect(f.fixAt).toBe(new Date(s?.atMs ?? 0).toISOString());
      expect(f.valid).toBe(true);
    });
    expect(fixes[1]?.accuracyM).toBe(6.5); // HDOP 1.3 × 5 m
    expect(fixes[0]?.fixAt).toBe('2026-11-28T08:00:01.000Z');
    // The GSV sentences are skipped as noise, never bad frames.
    expect(w.decoder.stats.badFrames).toBe(0);
    expect(w.decoder.stats.noiseBytes).toBeGreaterThan(0);
  });

  it('follows a live position and reports a lost fix as not valid', () => {
    const clock = virtualClock();
    const gps = new GpsSim({ clock, talker: 'GN', satellitesInView: false });
    const w = wire<PositionFix>(gps, 'nmea', clock);
    gps.start();
    gps.setPosition(43.6, 3.5);
    clock.advance(1_000);
    gps.setFix(false);
    clock.advance(1_000);
    gps.stop();
    const [rmc, gga, lostRmc, lostGga] = w.good();
    expect(rmc).toMatchObject({ lat: expect.closeTo(43.6, 6), lon: expect.closeTo(3.5, 6), valid: true });
    expect(gga?.valid).toBe(true);
    expect(lostRmc).toMatchObject({ valid: false, lat: null, lon: null, fixAt: '2026-11-28T08:00:02.000Z' });
    expect(lostGga?.valid).toBe(false);
    expect(w.decoder.stats).toEqual({ frames: 4, badFrames: 0, noiseBytes: 0 });
  });
});
