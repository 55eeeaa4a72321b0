import { waitFor } from '@releve/shared/testing/index';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeError, EdgeErrorCode } from '../../src/errors.js';
import type { CompactorPressure } from '../../src/firmata/CompactorFillEstimator.js';
import { interpolate, rawToBar } from '../../src/firmata/CompactorFillEstimator.js';
import { lifterBoardSettingsSchema } from '../../src/firmata/LifterBoardSettings.js';
import { lifterRig } from './lifterRig.js';

const rigs: Array<ReturnType<typeof lifterRig>> = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

async function started(settings: Parameters<typeof lifterRig>[0] = {}) {
  const rig = lifterRig(settings);
  rigs.push(rig);
  rig.transport.start();
  await rig.lifter.start();
  return rig;
}

describe('LifterBoard (johnny-five) against FirmataBoardSim over MockBinding', () => {
  it('handshakes and configures the pins: sensors as reported inputs, LED and buzzer as outputs', async () => {
    const { sim, lifter } = await started();
    expect(lifter.isReady).toBe(true);
    const s = lifter.settings;
    await waitFor(
      () => sim.isReportingDigital(s.clamp.pin) && sim.isReportingAnalog(s.pressure.channel),
      10_000,
      'reporting',
    );
    expect(sim.modeOf(s.clamp.pin)).toBe(0x00);
    expect(sim.modeOf(s.armTop.pin)).toBe(0x00);
    expect(sim.modeOf(s.ledPin)).toBe(0x01);
    expect(sim.modeOf(s.buzzerPin)).toBe(0x01);
    expect(sim.samplingIntervalMs).toBe(s.pressure.samplingIntervalMs);
  });

  it('turns clamp and arm-at-top edges into hooked, tipped, returned, released, ignoring bounce', async () => {
    const { sim, lifter, events, signals } = await started();
    const { clamp, armTop } = lifter.settings;
    await waitFor(() => lifter.sensors.clampClosed === false, 10_000, 'the baseline report');

    // Contact bounce: a closure shorter than the debounce time is not an edge.
    sim.setDigital(clamp.pin, 1);
    sim.setDigital(clamp.pin, 0);
    const before = Date.now();
    sim.setDigital(clamp.pin, 1);
    await waitFor(() => events.length === 1, 10_000, 'hooked');
    sim.setDigital(armTop.pin, 1);
    await waitFor(() => events.length === 2, 10_000, 'tipped');
    sim.setDigital(armTop.pin, 0);
    await waitFor(() => events.length === 3, 10_000, 'returned');
    sim.setDigital(clamp.pin, 0);
    await waitFor(() => events.length === 4, 10_000, 'released');

    expect(signals()).toEqual(['hooked', 'tipped', 'returned', 'released']);
    const times = events.map((e) => e.at);
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(lifter.sensors).toEqual({ clampClosed: false, armAtTop: false });
  });

  it('reads active-low sensors on pull-up inputs', async () => {
    const { sim, lifter, signals } = await started({
      clamp: { pin: 4, activeLow: true, pullup: true },
      armTop: { pin: 5, activeLow: true, pullup: true },
      tailgate: { pin: 6, activeLow: true, pullup: true },
    });
    // Nothing drives the lines: the pull-ups hold them HIGH, which reads as open sensors.
    await waitFor(
      () => lifter.sensors.clampClosed === false && lifter.sensors.armAtTop === false,
      10_000,
      'idle lines',
    );
    expect(sim.modeOf(4)).toBe(0x0b);
    expect(sim.modeOf(5)).toBe(0x0b);
    sim.setDigital(4, 0); // the NPN sensor closes and pulls the line LOW
    await waitFor(() => signals().length === 1, 10_000, 'hooked');
    sim.setDigital(4, undefined); // it opens: the pull-up takes the line HIGH again
    await waitFor(() => signals().length === 2, 10_000, 'released');
    expect(signals()).toEqual(['hooked', 'released']);
  });

  it('scales compactor pressure to bar and estimates body fill from each packing stroke peak', async () => {
    const { sim, lifter } = await started({
      pressure: { ...lifterBoardSettingsSchema.parse({}).pressure, samplingIntervalMs: 20, deadbandBar: 0.5 },
    });
    const p = lifter.settings.pressure;
    const readings: CompactorPressure[] = [];
    lifter.on('pressure', (r) => readings.push(r));
    const rawFor = (bar: number) =>
      Math.round(p.rawAtZero + (bar / p.fullScaleBar) * (p.rawAtFullScale - p.rawAtZero));
    const hold = async (bar: number) => {
      sim.setAnalog(p.channel, rawFor(bar));
      await waitFor(() => lifter.pressure?.raw === rawFor(bar), 10_000, `${bar} bar`);
    };

    await hold(0);
    expect(lifter.pressure?.fill).toBe(0);
    // Stroke 1 peaks at 100 bar; stroke 2 at 150 bar; idle between strokes.
    for (const bar of [20, 70, 100, 60, 10, 0]) await hold(bar);
    const afterFirst = lifter.pressure!;
    expect(afterFirst.bar).toBe(0);
    expect(afterFirst.strokePeakBar).toBe(rawToBar(rawFor(100), p));
    expect(afterFirst.fill).toBeCloseTo(interpolate(p.fillCurve, afterFirst.strokePeakBar), 3);
    for (const bar of [50, 120, 150, 90, 0]) await hold(bar);
    const afterSecond = lifter.pressure!;
    expect(afterSecond.strokePeakBar).toBe(rawToBar(rawFor(150), p));
    expect(afterSecond.fill).toBeGreaterThan(afterFirst.fill);
    expect(afterSecond.fill).toBeCloseTo(interpolate(p.fillCurve, afterSecond.strokePeakBar), 3);
    // Readings were emitted along the way, each in range.
    expect(readings.length).toBeGreaterThanOrEqual(10);
    for (const r of readings) {
      expect(r.bar).toBeGreaterThanOrEqual(0);
      expect(r.bar).toBeLessThanOrEqual(p.fullScaleBar);
      expect(r.fill).toBeGreaterThanOrEqual(0);
      expect(r.fill).toBeLessThanOrEqual(1);
    }
  });

  it('shows "go unload" (LED steady, two long beeps) and "unknown bin" (LED blinking, three short beeps)', async () => {
    const { lifter, levelsOf } = await started({ unknownBinHoldMs: 0 });
    const { ledPin, buzzerPin } = lifter.settings;
    lifter.show('goUnload');
    await waitFor(() => levelsOf(buzzerPin).length >= 4, 10_000, 'two beeps');
    expect(levelsOf(ledPin)).toEqual([1]);
    expect(levelsOf(buzzerPin)).toEqual([1, 0, 1, 0]);

    lifter.show('unknownBin');
    await waitFor(
      () => levelsOf(buzzerPin).length >= 10 && levelsOf(ledPin).length >= 8,
      10_000,
      'three beeps, blinking',
    );
    expect(levelsOf(buzzerPin).slice(4)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(levelsOf(ledPin).slice(0, 8)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);

    lifter.show('off');
    await waitFor(() => levelsOf(ledPin).at(-1) === 0, 10_000, 'LED off');
    expect(lifter.signal).toBe('off');
  });

  it('clears "unknown bin" by itself after unknownBinHoldMs', async () => {
    const { lifter } = await started({ unknownBinHoldMs: 300 });
    lifter.show('unknownBin');
    expect(lifter.signal).toBe('unknownBin');
    await waitFor(() => lifter.signal === 'off', 10_000, 'the signal to clear');
  });

  it('reconnects after the adapter vanishes: disconnected, new handshake, pins configured again, signal restored', async () => {
    const { sim, lifter, binding, path, signals, levelsOf } = await started();
    const { clamp, ledPin } = lifter.settings;
    let disconnected = 0;
    const ready: number[] = [];
    lifter.on('disconnected', () => disconnected++);
    lifter.on('ready', ({ sessions }) => ready.push(sessions));
    lifter.show('goUnload');
    await waitFor(() => levelsOf(ledPin).at(-1) === 1, 10_000, 'LED on');

    binding.unplug(path);
    await waitFor(() => disconnected === 1, 10_000, 'disconnected');
    expect(lifter.isReady).toBe(false);
    binding.replug(path);
    await waitFor(() => ready.length === 1, 15_000, 'the second session');
    expect(ready).toEqual([2]);
    // The sim reset on reopen (DTR): the LED is driven again by the restored signal.
    await waitFor(() => sim.outputOf(ledPin) === 1, 10_000, 'LED back on');
    await waitFor(() => sim.isReportingDigital(clamp.pin), 10_000, 'reporting again');
    await waitFor(() => lifter.sensors.clampClosed === false, 10_000, 'new baseline');
    sim.setDigital(clamp.pin, 1);
    await waitFor(() => signals().includes('hooked'), 10_000, 'events after the reconnect');
  });

  it('configures the board again when it restarts without the line dropping (REPORT_VERSION after ready)', async () => {
    const { sim, lifter, signals } = await started();
    const { clamp, ledPin } = lifter.settings;
    let resets = 0;
    lifter.on('reset', () => resets++);
    lifter.show('goUnload');
    await waitFor(() => sim.outputOf(ledPin) === 1, 10_000, 'LED on');
    await waitFor(() => lifter.sensors.clampClosed === false, 10_000, 'baseline');

    sim.hostConnected(); // brown-out: the sketch restarts, forgets everything, announces itself
    expect(sim.isReportingDigital(clamp.pin)).toBe(false);
    expect(sim.outputOf(ledPin)).toBe(0);
    await waitFor(() => resets === 1, 10_000, 'the reset to be seen');
    await waitFor(
      () => sim.isReportingDigital(clamp.pin) && sim.outputOf(ledPin) === 1,
      10_000,
      'set up again',
    );
    expect(lifter.isReady).toBe(true);

    sim.setDigital(clamp.pin, 1);
    await waitFor(() => signals().length === 1, 10_000, 'hooked after the restart');
    expect(signals()).toEqual(['hooked']);
  });

  it('reports the tailgate going up and down, and the fill estimate falls to empty when it goes up', async () => {
    const { sim, lifter } = await started({
      pressure: { ...lifterBoardSettingsSchema.parse({}).pressure, samplingIntervalMs: 10 },
    });
    const { tailgate, pressure } = lifter.settings;
    if (!tailgate) throw new Error('the default wiring has a tailgate sensor');
    expect(tailgate.pin).toBe(4);
    const gate: boolean[] = [];
    const fills: number[] = [];
    lifter.on('tailgate', (t) => gate.push(t.raised));
    lifter.on('pressure', (p) => fills.push(p.fill));
    await waitFor(() => lifter.tailgateRaised === false, 10_000, 'the baseline report');
    expect(sim.modeOf(tailgate.pin)).toBe(0x00);
    // One packing stroke peaking at 120 bar (half full on the default curve), then idle.
    const raw = (bar: number) => Math.round((bar / pressure.fullScaleBar) * 1023);
    sim.setAnalog(pressure.channel, raw(120));
    await waitFor(() => fills.at(-1) === 0.5, 10_000, 'the stroke');
    sim.setAnalog(pressure.channel, 0);
    await waitFor(() => lifter.pressure?.bar === 0, 10_000, 'idle pressure');
    expect(fills.at(-1)).toBe(0.5);
    sim.setDigital(tailgate.pin, 1);
    await waitFor(() => gate.length === 1, 10_000, 'raised');
    expect(fills.at(-1)).toBe(0);
    sim.setDigital(tailgate.pin, 0);
    await waitFor(() => gate.length === 2, 10_000, 'down');
    expect(gate).toEqual([true, false]);
  });

  it('refuses two functions on one pin', () => {
    const r = lifterBoardSettingsSchema.safeParse({ clamp: { pin: 4 } });
    expect(r.success).toBe(false);
    expect(lifterBoardSettingsSchema.safeParse({ clamp: { pin: 4 }, tailgate: null }).success).toBe(true);
  });

  it('rejects start() with board-handshake when nothing answers, then keeps asking until the board speaks', async () => {
    const rig = lifterRig({ handshakeTimeoutMs: 1_000, versionQueryDelayMs: 100 });
    rigs.push(rig);
    // A board still busy with something else: it swallows every byte and never speaks.
    const { sim } = rig;
    const firmata = sim.write.bind(sim);
    let queries = 0;
    sim.hostConnected = () => {};
    sim.write = (bytes) => {
      if (bytes.includes(0xf9)) queries += 1;
    };
    rig.transport.start();
    const err = await rig.lifter.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe(EdgeErrorCode.BoardHandshake);
    expect(rig.lifter.isReady).toBe(false);
    // Now StandardFirmata is running: the next retry's version query gets its answer.
    sim.write = firmata;
    const queriesBefore = queries;
    await waitFor(() => rig.lifter.isReady, 15_000, 'the retried handshake');
    expect(queriesBefore).toBeGreaterThanOrEqual(1);
  });

  it('stop() leaves no timer behind, even with a blinking signal and its auto-clear pending', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const rig = lifterRig({ unknownBinHoldMs: 60_000 });
    rig.transport.start();
    await rig.lifter.start();
    rig.lifter.show('unknownBin');
    await waitFor(() => rig.levelsOf(rig.lifter.settings.ledPin).length >= 2, 10_000, 'blinking');
    expect(timers()).toBeGreaterThan(before);
    await rig.stop();
    // `before` may hold a timer of the test runner's that ends meanwhile: ours must all be gone.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
