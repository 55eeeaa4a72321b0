import { waitFor } from '@releve/shared/testing/index';
import { SerialPortStream } from '@serialport/stream';
import five from 'johnny-five';
import { afterEach, describe, expect, it } from 'vitest';
import { FirmataBoardSim, type PinOutput } from '../../src/firmata/FirmataBoardSim.js';
import { PinMode } from '../../src/firmata/FirmataProtocol.js';
import { MockDeviceBinding } from '../../src/pty/MockDeviceBinding.js';

let seq = 0;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The real johnny-five Board (and its firmata.js io) on a MockBinding port wired to the sim. */
async function connect() {
  const path = `/dev/ttyMOCK-firmata-${process.pid}-${++seq}`;
  const sim = new FirmataBoardSim();
  const binding = new MockDeviceBinding();
  binding.plug(path, sim);
  const port = new SerialPortStream({ binding, path, baudRate: 57600 });
  const board = new five.Board({ port, repl: false, debug: false, sigint: false, timeout: 20_000 });
  cleanups.push(() => sim.stop());
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (board.timer) clearTimeout(board.timer);
        if (port.isOpen) port.close(() => resolve());
        else resolve();
      }),
  );
  await new Promise<void>((resolve, reject) => {
    board.once('ready', () => resolve());
    board.once('error', reject);
  });
  return { sim, board, io: board.io, port };
}

describe('FirmataBoardSim with the real johnny-five Board over MockBinding', () => {
  it('completes the johnny-five handshake: version, firmware, Uno capabilities and analog mapping', async () => {
    const { io, board } = await connect();
    expect(board.isReady).toBe(true);
    expect(io.version).toEqual({ major: 2, minor: 5 });
    expect(io.firmware).toEqual({ name: 'StandardFirmata.ino', version: { major: 2, minor: 5 } });
    expect(io.pins).toHaveLength(20);
    expect(io.analogPins).toEqual([14, 15, 16, 17, 18, 19]);
    expect(io.pins[3]?.supportedModes).toEqual(
      expect.arrayContaining([io.MODES.INPUT, io.MODES.OUTPUT, io.MODES.PWM, io.MODES.PULLUP]),
    );
    expect(io.pins[2]?.supportedModes).not.toContain(io.MODES.PWM);
    expect(io.pins[14]?.supportedModes).toContain(io.MODES.ANALOG);
    expect(io.pins[0]?.supportedModes).toEqual([]);
  });

  it('reports digital inputs the host reads, on change and at once when reporting starts', async () => {
    const { sim, io } = await connect();
    sim.setDigital(2, 1); // the level is there before the host looks
    io.pinMode(2, io.MODES.INPUT);
    const seen: number[] = [];
    io.digitalRead(2, (v) => seen.push(v));
    await waitFor(() => seen.length >= 1, 10_000, 'the immediate port report');
    expect(seen[0]).toBe(1);
    expect(sim.isReportingDigital(2)).toBe(true);
    expect(sim.modeOf(2)).toBe(PinMode.INPUT);

    sim.setDigital(2, 0);
    sim.setDigital(2, 1);
    sim.setDigital(2, 0);
    await waitFor(() => seen.length >= 4, 10_000, 'three more reports');
    expect(seen).toEqual([1, 0, 1, 0]);
  });

  it('reports analog channels every sampling interval, at the interval the host sets', async () => {
    const { sim, io } = await connect();
    io.setSamplingInterval(50);
    sim.setAnalog(0, 512);
    io.pinMode(0, io.MODES.ANALOG);
    const seen: number[] = [];
    io.analogRead(0, (v) => seen.push(v));
    await waitFor(() => seen.length >= 3, 10_000, 'three samples');
    expect(sim.samplingIntervalMs).toBe(50);
    expect(seen.every((v) => v === 512)).toBe(true);
    sim.setAnalog(0, 1023);
    await waitFor(() => seen.at(-1) === 1023, 10_000, 'the new value');
    io.reportAnalogPin(0, 0);
    await waitFor(() => !sim.isReportingAnalog(0), 10_000, 'reporting off');
  });

  it('receives the outputs the host writes (levels, PWM) and answers pin-state queries', async () => {
    const { sim, io } = await connect();
    const outputs: PinOutput[] = [];
    sim.on('output', (o) => outputs.push(o));
    io.pinMode(13, io.MODES.OUTPUT);
    io.pinMode(8, io.MODES.OUTPUT);
    io.digitalWrite(13, 1);
    io.digitalWrite(8, 1);
    io.digitalWrite(13, 0);
    await waitFor(() => outputs.length >= 3, 10_000, 'three output changes');
    expect(outputs.map(({ pin, value }) => [pin, value])).toEqual([
      [13, 1],
      [8, 1],
      [13, 0],
    ]);
    expect(sim.outputOf(8)).toBe(1);

    io.pinMode(9, io.MODES.PWM);
    (io as unknown as { pwmWrite(pin: number, v: number): void }).pwmWrite(9, 200);
    await waitFor(() => sim.outputOf(9) === 200, 10_000, 'the PWM duty');

    await new Promise<void>((resolve) => io.queryPinState(8, resolve));
    expect(io.pins[8]).toMatchObject({ mode: io.MODES.OUTPUT, state: 1 });
  });
});
