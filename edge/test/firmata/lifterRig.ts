import { FirmataBoardSim, type PinOutput } from '@releve/firmware-sim/firmata/FirmataBoardSim';
import { MockDeviceBinding } from '@releve/firmware-sim/pty/MockDeviceBinding';
import { pino } from 'pino';
import { LifterBoard } from '../../src/firmata/LifterBoard.js';
import type { LifterBoardSettings } from '../../src/firmata/LifterBoardSettings.js';
import { SerialTransport } from '../../src/serial/SerialTransport.js';
import type { LifterEvent } from '../../src/truck/LifterSignal.js';

let seq = 0;

/**
 * Test rig: the real LifterBoard (johnny-five + firmata.js) on a SerialTransport whose MockBinding
 * port is wired to a simulated StandardFirmata Uno. Records everything both sides see.
 */
export function lifterRig(settings: Partial<LifterBoardSettings> = {}) {
  const path = `/dev/ttyMOCK-lifter-${process.pid}-${++seq}`;
  const sim = new FirmataBoardSim();
  const binding = new MockDeviceBinding();
  binding.plug(path, sim);
  const logger = pino({ level: 'silent' });
  const transport = new SerialTransport(
    { path, baudRate: 57600 },
    { binding, logger, reopen: { initialDelayMs: 20, maxDelayMs: 200 } },
  );
  const lifter = new LifterBoard(transport, { debounceMs: 20, ...settings }, { logger });
  const events: LifterEvent[] = [];
  const outputs: PinOutput[] = [];
  lifter.on('lifter', (e) => events.push(e));
  sim.on('output', (o) => outputs.push(o));
  const levelsOf = (pin: number) => outputs.filter((o) => o.pin === pin).map((o) => o.value);
  return {
    path,
    sim,
    binding,
    transport,
    lifter,
    events,
    outputs,
    levelsOf,
    signals: () => events.map((e) => e.signal),
    async stop() {
      await lifter.stop();
      await transport.stop();
      sim.stop();
    },
  };
}
