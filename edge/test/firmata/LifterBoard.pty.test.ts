import { FirmataBoardSim, type PinOutput } from '@releve/firmware-sim/firmata/FirmataBoardSim';
import { PtyDeviceLink } from '@releve/firmware-sim/pty/PtyDeviceLink';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LifterBoard } from '../../src/firmata/LifterBoard.js';
import { SerialTransport } from '../../src/serial/SerialTransport.js';
import type { LifterEvent } from '../../src/truck/LifterSignal.js';

const socat = await requireService(commandService('socat'));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!socat)('LifterBoard on a real tty (socat pty) with the real bindings-cpp', () => {
  it('handshakes with the simulated StandardFirmata board, reads the lifter, drives the cab signal, and comes back after the adapter is pulled', async () => {
    const sim = new FirmataBoardSim();
    cleanups.push(() => sim.stop());
    const link = new PtyDeviceLink(sim);
    cleanups.push(() => link.stop());
    const path = await link.start();
    const logger = pino({ level: 'silent' });
    const transport = new SerialTransport({ path, baudRate: 57600 }, { logger });
    cleanups.push(() => transport.stop());
    // A pty does not reset the board when opened: the board stays silent until asked.
    const lifter = new LifterBoard(transport, { debounceMs: 20, versionQueryDelayMs: 200 }, { logger });
    cleanups.push(() => lifter.stop());
    const events: LifterEvent[] = [];
    const outputs: PinOutput[] = [];
    lifter.on('lifter', (e) => events.push(e));
    sim.on('output', (o) => outputs.push(o));
    transport.start();
    await lifter.start();
    expect(lifter.isReady).toBe(true);

    const { clamp, armTop, ledPin } = lifter.settings;
    await waitFor(
      () => lifter.sensors.clampClosed === false && lifter.sensors.armAtTop === false,
      10_000,
      'baseline',
    );
    for (const [pin, level, count] of [
      [clamp.pin, 1, 1],
      [armTop.pin, 1, 2],
      [armTop.pin, 0, 3],
      [clamp.pin, 0, 4],
    ] as const) {
      sim.setDigital(pin, level);
      await waitFor(() => events.length === count, 10_000, `lifter event ${count}`);
    }
    expect(events.map((e) => e.signal)).toEqual(['hooked', 'tipped', 'returned', 'released']);

    lifter.show('goUnload');
    await waitFor(() => sim.outputOf(ledPin) === 1, 10_000, 'the LED');
    expect(outputs.filter((o) => o.pin === ledPin).map((o) => o.value)).toEqual([1]);

    // The USB adapter is pulled and plugged back: the tty goes away and returns at the same path.
    const ready: number[] = [];
    lifter.on('ready', ({ sessions }) => ready.push(sessions));
    await link.unplug();
    await waitFor(() => !lifter.isReady, 10_000, 'the board to be lost');
    await link.replug();
    await waitFor(() => ready.length === 1, 20_000, 'a new handshake on the new tty');
    expect(transport.reopens).toBe(1);
    // The new session starts from a fresh baseline: a clamp already closed in the board's first
    // report would be a state, not an edge, so wait for the open clamp to be reported first.
    await waitFor(() => lifter.sensors.clampClosed === false, 10_000, 'baseline after the replug');
    sim.setDigital(clamp.pin, 1);
    await waitFor(() => events.length === 5, 10_000, 'hooked after the replug');
    expect(events.at(-1)?.signal).toBe('hooked');
  });
});
