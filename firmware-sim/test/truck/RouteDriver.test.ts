import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RouteCommand } from '@releve/shared';
import { Em4100Decoder } from '@releve/shared/protocols/em4100';
import { StGsDecoder } from '@releve/shared/protocols/st-gs';
import type { TagRead, WeightReading } from '@releve/shared/protocols/types';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PULSE_FLOOR_MS,
  type DrivenLift,
  RouteDriver,
  type TruckWorld,
} from '../../src/truck/RouteDriver.js';
import { generateRoute, RouteFile, routeCommandOf } from '../../src/truck/RouteFile.js';
import { SimulatedTruck } from '../../src/truck/SimulatedTruck.js';

/** A world that writes down what the driver did to it, and when (`performance.now()`). */
function recordingWorld(): TruckWorld & { calls: string[]; times: number[] } {
  const calls: string[] = [];
  const times: number[] = [];
  const note = (call: string) => {
    calls.push(call);
    times.push(performance.now());
  };
  return {
    calls,
    times,
    showTag: (t) => note(`tag ${t?.id ?? '-'}`),
    setLoad: (g, s) => note(`load ${Math.round(g)} ${s ? 'stable' : 'motion'}`),
    setClamp: (c) => note(`clamp ${c ? 'closed' : 'open'}`),
    setArmTop: (c) => note(`arm ${c ? 'top' : 'down'}`),
    setCompactorFill: (f) => note(`fill ${f.toFixed(3)}`),
    setTailgate: (r) => note(`tailgate ${r ? 'raised' : 'down'}`),
    setPosition: (lat, lon) => note(`at ${lat},${lon}`),
  };
}

describe('RouteFile', () => {
  it('generates the same route from the same seed, with unload stops, and a valid route command', () => {
    const a = generateRoute({ bins: 50, seed: 4, unloadEvery: 20, unreadableTags: 0.1, unstableBins: 0.1 });
    expect(
      generateRoute({ bins: 50, seed: 4, unloadEvery: 20, unreadableTags: 0.1, unstableBins: 0.1 }),
    ).toEqual(a);
    expect(RouteFile.parse(a)).toEqual(a);
    expect(a.stops.filter((s) => s.type === 'unload')).toHaveLength(2);
    const bins = a.stops.flatMap((s) => (s.type === 'bin' ? [s] : []));
    expect(bins.every((b) => b.wasteG % 500 === 0 && b.wasteG >= 5000 && b.wasteG <= 60_000)).toBe(true);
    const cmd = RouteCommand.parse(routeCommandOf(a, 3, new Date('2026-11-28T05:00:00.000Z')));
    expect(cmd.stops).toHaveLength(50);
    expect(cmd.stops.map((s) => s.tagId)).toEqual(bins.map((b) => b.tagId));
    expect(cmd.stops.map((s) => s.expectedWeightG)).toEqual(bins.map((b) => b.wasteG));
  });

  it('refuses a route with no stops or a bad stop', () => {
    expect(RouteFile.safeParse({ stops: [] }).success).toBe(false);
    expect(RouteFile.safeParse({ stops: [{ type: 'bin', tagId: 'x', wasteG: -1 }] }).success).toBe(false);
  });
});

describe('RouteDriver', () => {
  it('drives each lift in the lifter order: clamp, tag, gross, tip, return, tare, release, bin off', async () => {
    const world = recordingWorld();
    const driver = new RouteDriver(world, { timeScale: 0.001, bodyVolumeL: 1000 });
    const done: DrivenLift[] = [];
    driver.on('lift-done', (l) => done.push(l));
    await driver.run({
      routeId: 'r',
      date: '2026-11-28',
      stops: [
        {
          type: 'bin',
          tagId: '0000000001',
          scheme: 'em4100',
          volumeL: 240,
          binTareG: 14_000,
          wasteG: 35_000,
          unstable: false,
          lat: 43.6,
          lon: 3.5,
        },
        { type: 'unload' },
      ],
    });
    expect(world.calls).toEqual([
      'at 43.6,3.5',
      'clamp closed',
      'load 39200 motion',
      'tag 0000000001',
      'load 49000 stable',
      'tag -',
      'arm top',
      'load 7000 motion',
      'fill 0.100',
      'arm down',
      'load 18200 motion',
      'load 14000 stable',
      'clamp open',
      'load 0 stable',
      'tailgate raised',
      'fill 0.000',
      'tailgate down',
    ]);
    expect(done).toEqual([
      expect.objectContaining({ index: 1, grossG: 49_000, tareG: 14_000, netG: 35_000 }),
    ]);
  });

  it('holds the arm at the top, and so the clamp closed, at least the real-time floor at ×1000', async () => {
    const world = recordingWorld();
    // scaled only, the arm's 1.5 s at the top would be 1.5 ms and the clamp's 7 s closed 7 ms
    const driver = new RouteDriver(world, { timeScale: 0.001, pulseFloorMs: DEFAULT_PULSE_FLOOR_MS });
    await driver.run(generateRoute({ bins: 2, seed: 5 }));
    /** Real ms from each `from` call to the next `to` call. */
    const lasted = (from: string, to: string) =>
      world.calls.flatMap((c, i) => {
        const end = world.calls.indexOf(to, i + 1);
        return c === from && end > i ? [(world.times[end] ?? 0) - (world.times[i] ?? 0)] : [];
      });
    const armTop = lasted('arm top', 'arm down');
    const clampClosed = lasted('clamp closed', 'clamp open');
    expect(armTop).toHaveLength(2);
    expect(clampClosed).toHaveLength(2);
    for (const ms of [...armTop, ...clampClosed]) expect(ms).toBeGreaterThanOrEqual(DEFAULT_PULSE_FLOOR_MS);
    // a floor, not a scale: the clamp-open gap between the bins stays scaled (2 s → 2 ms)
    expect(lasted('clamp open', 'clamp closed')[0]).toBeLessThan(DEFAULT_PULSE_FLOOR_MS / 2);
  });

  it('has no floor unless asked (the demo and releve-sim truck ask)', async () => {
    const world = recordingWorld();
    const t0 = performance.now();
    await new RouteDriver(world, { timeScale: 0.001 }).run(generateRoute({ bins: 2, seed: 5 }));
    expect(world.calls.filter((c) => c === 'arm down')).toHaveLength(2);
    expect(performance.now() - t0).toBeLessThan(DEFAULT_PULSE_FLOOR_MS);
  });

  it('stops at once and resumes from a given stop', async () => {
    const route = generateRoute({ bins: 10, seed: 2 });
    const world = recordingWorld();
    const driver = new RouteDriver(world, { timeScale: 0.01 });
    const started: number[] = [];
    driver.on('lift-start', (l) => {
      started.push(l.index);
      if (l.index === 3) driver.stop();
    });
    await driver.run(route);
    expect(started).toEqual([1, 2, 3]);
    const resumed: number[] = [];
    const again = new RouteDriver(recordingWorld(), { timeScale: 0.001 });
    again.on('lift-start', (l) => resumed.push(l.index));
    await again.run(route, 8);
    expect(resumed).toEqual([9, 10]);
  });

  it('moves the simulated devices: their real bytes decode to the tag and the stable gross and tare', async () => {
    const truck = new SimulatedTruck({ indicatorIntervalMs: 10, rfidIntervalMs: 10 });
    const tags: TagRead[] = [];
    const readings: WeightReading[] = [];
    const rfid = new Em4100Decoder();
    const indicator = new StGsDecoder();
    truck.rfid.onData((b) => {
      for (const f of rfid.push(b)) if (f.ok) tags.push(f.value);
    });
    truck.indicator.onData((b) => {
      for (const f of indicator.push(b)) if (f.ok) readings.push(f.value);
    });
    const driver = new RouteDriver(truck, { timeScale: 0.05 });
    try {
      await driver.run({
        routeId: 'r',
        date: '2026-11-28',
        stops: [
          {
            type: 'bin',
            tagId: '0000000A01',
            scheme: 'em4100',
            volumeL: 240,
            binTareG: 14_000,
            wasteG: 42_500,
            unstable: false,
          },
        ],
      });
      await waitFor(() => readings.length > 0 && readings.at(-1)?.weightG === 0, 5000, 'the empty lifter');
      expect(new Set(tags.map((t) => t.id))).toEqual(new Set(['0000000A01']));
      const stable = readings.filter((r) => r.status === 'stable').map((r) => r.weightG);
      const changes = stable.filter((w, i) => i === 0 || w !== stable[i - 1]);
      expect(changes).toEqual([0, 56_500, 14_000, 0]);
    } finally {
      truck.stop();
    }
  });
});

const hasSocat = await requireService(commandService('socat'));
const SIM_BIN = fileURLToPath(new URL('../../bin/releve-sim.js', import.meta.url));

describe.skipIf(!hasSocat)('releve-sim truck --pty', () => {
  it('prints the tty paths, then one line per lift and the end', async () => {
    const p = spawn(
      process.execPath,
      [SIM_BIN, 'truck', '--generate', '3', '--pty', '--time-scale', '0.02', '--wait-host-ms', '100'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const code = await new Promise((resolve) => p.once('exit', resolve));
    expect(code).toBe(0);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'ttys', rfidProtocol: 'em4100', indicatorProtocol: 'st-gs' });
    for (const k of ['rfid', 'indicator', 'lifter', 'gps']) expect(events[0][k]).toMatch(/^\/.+tty$/);
    expect(events.map((e) => e.event)).toEqual(['ttys', 'driving', 'lift', 'lift', 'lift', 'done']);
    expect(events[2]).toMatchObject({ index: 1, tagId: '0000000001', tareG: 14_000 });
  }, 60_000);
});
