import { EventEmitter } from 'node:events';
import type { SerialDevice } from '../pty/SerialDevice.js';
import { arduinoUnoPins } from './ArduinoUnoPins.js';
import { type FirmataCommand, FirmataCommandDecoder } from './FirmataCommandDecoder.js';
import {
  analogMappingResponse,
  analogMessage,
  capabilityResponse,
  digitalPortMessage,
  Firmata,
  firmwareReport,
  type PinCapability,
  PinMode,
  pinStateResponse,
  versionReport,
} from './FirmataProtocol.js';

/** A pin output written by the host: a digital level, or a PWM duty for pins in PWM mode. */
export interface PinOutput {
  pin: number;
  value: number;
  mode: number;
  /** ms since epoch, simulator clock. */
  at: number;
}

/** Events of a {@link FirmataBoardSim}. */
export interface FirmataBoardSimEvents {
  /** The host changed an output pin (LED, buzzer, relay…). */
  output: [output: PinOutput];
  /** The host set a pin mode. */
  'pin-mode': [info: { pin: number; mode: number }];
  /** Every well-formed command the host sent. */
  command: [command: FirmataCommand];
  /** Bytes the sim could not use (kept for diagnosis). */
  'bad-command': [info: { reason: string; raw: Uint8Array }];
}

/** Options of a {@link FirmataBoardSim}. */
export interface FirmataBoardSimOptions {
  /** Pin capabilities; an Arduino Uno by default. */
  pins?: PinCapability[];
  /** Sketch name REPORT_FIRMWARE answers with. */
  firmwareName?: string;
  /** Firmata protocol version, 2.5 by default (StandardFirmata 2.5.x). */
  version?: { major: number; minor: number };
}

const DEFAULT_SAMPLING_MS = 19;

/**
 * A simulated Arduino running StandardFirmata 2.5, speaking the real Firmata bytes
 * (https://github.com/firmata/protocol, protocol.md and the feature registry): it announces
 * REPORT_VERSION and REPORT_FIRMWARE when the host opens the line (the DTR reset), answers
 * version, firmware, capability, analog-mapping and pin-state queries, applies SET_PIN_MODE,
 * DIGITAL_MESSAGE, SET_DIGITAL_PIN_VALUE and PWM writes, reports digital ports on change
 * (and at once when reporting is enabled) and analog channels every sampling interval.
 *
 * Tests drive the inputs with {@link setDigital} / {@link setAnalog} and watch `output` events.
 */
export class FirmataBoardSim extends EventEmitter<FirmataBoardSimEvents> implements SerialDevice {
  private readonly pins: PinCapability[];
  private readonly firmwareName: string;
  private readonly version: { major: number; minor: number };
  private readonly decoder = new FirmataCommandDecoder();
  private readonly sinks = new Set<(bytes: Uint8Array) => void>();
  private modes: number[] = [];
  /** Output levels / PWM duty written by the host; pull-up flags for input pins. */
  private outputs: number[] = [];
  /** Levels the simulated world drives onto the pins; undefined = not driven (floats, or pulled up). */
  private readonly levels: Array<0 | 1 | undefined>;
  private readonly analog: number[];
  private reportPorts = new Set<number>();
  private reportChannels = new Set<number>();
  private samplingMs = DEFAULT_SAMPLING_MS;
  private sampler: NodeJS.Timeout | undefined;

  constructor(options: FirmataBoardSimOptions = {}) {
    super();
    this.pins = options.pins ?? arduinoUnoPins();
    this.firmwareName = options.firmwareName ?? 'StandardFirmata.ino';
    this.version = options.version ?? { major: 2, minor: 5 };
    this.levels = this.pins.map(() => undefined);
    this.analog = this.pins.filter((p) => p.analogChannel !== undefined).map(() => 0);
    this.resetState();
  }

  // ---- SerialDevice -------------------------------------------------------------------------

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.sinks.add(listener);
    return () => this.sinks.delete(listener);
  }

  /** DTR reset: the sketch restarts and announces itself, as StandardFirmata's `setup()` does. */
  hostConnected(): void {
    this.resetState();
    this.send(versionReport(this.version.major, this.version.minor));
    this.send(firmwareReport(this.version.major, this.version.minor, this.firmwareName));
  }

  write(bytes: Uint8Array): void {
    for (const frame of this.decoder.push(bytes)) {
      if (frame.ok) {
        this.emit('command', frame.value);
        this.apply(frame.value);
      } else {
        this.emit('bad-command', { reason: frame.reason, raw: frame.raw });
      }
    }
  }

  // ---- the simulated world ------------------------------------------------------------------

  /**
   * Drives a level onto a digital pin (a sensor closing or opening); `undefined` releases the
   * line, which then reads HIGH when the pin's pull-up is on and LOW otherwise.
   */
  setDigital(pin: number, level: boolean | 0 | 1 | undefined): void {
    this.checkPin(pin);
    const before = this.readLevel(pin);
    this.levels[pin] = level === undefined ? undefined : level ? 1 : 0;
    const port = pin >> 3;
    if (this.readLevel(pin) !== before && this.isInput(pin) && this.reportPorts.has(port))
      this.sendPort(port);
  }

  /** What the pin reads: the driven level, else the pull-up. */
  readLevel(pin: number): 0 | 1 {
    return this.levels[pin] ?? (this.isInput(pin) && this.outputs[pin] ? 1 : 0);
  }

  /** Puts a raw ADC reading (0–1023 on a Uno) on an analog channel. */
  setAnalog(channel: number, raw: number): void {
    if (channel < 0 || channel >= this.analog.length) throw new RangeError(`no analog channel ${channel}`);
    this.analog[channel] = Math.max(0, Math.min(0x3fff, Math.round(raw)));
  }

  /** Last value the host wrote to a pin (digital level or PWM duty). */
  outputOf(pin: number): number {
    return this.outputs[pin] ?? 0;
  }

  /** Mode the host set on a pin. */
  modeOf(pin: number): number | undefined {
    return this.modes[pin];
  }

  /** Sampling interval the host asked for, ms. */
  get samplingIntervalMs(): number {
    return this.samplingMs;
  }

  /** Whether analog channel reporting is on. */
  isReportingAnalog(channel: number): boolean {
    return this.reportChannels.has(channel);
  }

  /** Whether the digital port of `pin` is reported. */
  isReportingDigital(pin: number): boolean {
    return this.reportPorts.has(pin >> 3);
  }

  /** Stops the sampling timer (the board is unplugged for good). */
  stop(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
  }

  // ---- StandardFirmata behaviour ------------------------------------------------------------

  private resetState(): void {
    this.decoder.reset();
    this.modes = this.pins.map((p) => (p.analogChannel !== undefined ? PinMode.ANALOG : PinMode.OUTPUT));
    this.outputs = this.pins.map(() => 0);
    this.reportPorts = new Set();
    this.reportChannels = new Set();
    this.samplingMs = DEFAULT_SAMPLING_MS;
    this.restartSampler();
  }

  private apply(cmd: FirmataCommand): void {
    switch (cmd.kind) {
      case 'report-version':
        this.send(versionReport(this.version.major, this.version.minor));
        return;
      case 'system-reset':
        this.resetState();
        return;
      case 'set-pin-mode':
        this.setMode(cmd.pin, cmd.mode);
        return;
      case 'set-pin-value':
        if (this.modes[cmd.pin] === PinMode.OUTPUT) this.setOutput(cmd.pin, cmd.value ? 1 : 0);
        else if (this.isInput(cmd.pin)) this.outputs[cmd.pin] = cmd.value ? 1 : 0;
        return;
      case 'digital-port':
        for (let bit = 0; bit < 8; bit++) {
          const pin = cmd.port * 8 + bit;
          if (pin >= this.pins.length) break;
          const v = (cmd.mask >> bit) & 1;
          // StandardFirmata's digitalWriteCallback: outputs take the level, inputs get the pull-up.
          if (this.modes[pin] === PinMode.OUTPUT) this.setOutput(pin, v);
          else if (this.modes[pin] === PinMode.INPUT) this.outputs[pin] = v;
        }
        return;
      case 'analog-write':
        this.analogWrite(cmd.pin, cmd.value);
        return;
      case 'report-digital':
        if (cmd.enable) {
          this.reportPorts.add(cmd.port);
          this.sendPort(cmd.port); // 2.5: "send pin value immediately"
        } else this.reportPorts.delete(cmd.port);
        return;
      case 'report-analog':
        if (cmd.channel >= this.analog.length) return;
        if (cmd.enable) {
          this.reportChannels.add(cmd.channel);
          this.send(analogMessage(cmd.channel, this.analog[cmd.channel] ?? 0));
        } else this.reportChannels.delete(cmd.channel);
        this.restartSampler();
        return;
      case 'sysex':
        this.sysex(cmd.command, cmd.data);
        return;
      default: {
        const unreachable: never = cmd;
        throw new Error(`unhandled Firmata command ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private sysex(command: number, data: Uint8Array): void {
    switch (command) {
      case Firmata.REPORT_FIRMWARE:
        this.send(firmwareReport(this.version.major, this.version.minor, this.firmwareName));
        return;
      case Firmata.CAPABILITY_QUERY:
        this.send(capabilityResponse(this.pins));
        return;
      case Firmata.ANALOG_MAPPING_QUERY:
        this.send(analogMappingResponse(this.pins));
        return;
      case Firmata.PIN_STATE_QUERY: {
        const pin = data[0];
        if (pin === undefined || pin >= this.pins.length) return;
        this.send(pinStateResponse(pin, this.modes[pin] ?? PinMode.OUTPUT, this.outputs[pin] ?? 0));
        return;
      }
      case Firmata.SAMPLING_INTERVAL: {
        const ms = (data[0] ?? 0) | ((data[1] ?? 0) << 7);
        this.samplingMs = Math.max(1, ms);
        this.restartSampler();
        return;
      }
      case Firmata.EXTENDED_ANALOG: {
        const pin = data[0];
        if (pin === undefined) return;
        let value = 0;
        for (let i = 1; i < data.length; i++) value |= (data[i] ?? 0) << (7 * (i - 1));
        this.analogWrite(pin, value);
        return;
      }
      default:
        // StandardFirmata ignores SysEx commands it does not implement.
        this.emit('bad-command', { reason: `unsupported SysEx 0x${command.toString(16)}`, raw: data });
    }
  }

  private setMode(pin: number, mode: number): void {
    const cap = this.pins[pin];
    if (!cap?.modes.some((m) => m.mode === mode)) {
      this.emit('bad-command', {
        reason: `pin ${pin} does not support mode ${mode}`,
        raw: Uint8Array.of(pin, mode),
      });
      return;
    }
    // Leaving ANALOG stops that channel's reports (StandardFirmata's setPinModeCallback).
    if (mode !== PinMode.ANALOG && cap.analogChannel !== undefined) {
      this.reportChannels.delete(cap.analogChannel);
      this.restartSampler();
    }
    this.modes[pin] = mode;
    this.outputs[pin] = mode === PinMode.PULLUP ? 1 : 0;
    this.emit('pin-mode', { pin, mode });
  }

  private analogWrite(pin: number, value: number): void {
    if (this.modes[pin] === PinMode.PWM || this.modes[pin] === PinMode.SERVO) this.setOutput(pin, value);
  }

  private setOutput(pin: number, value: number): void {
    if (this.outputs[pin] === value) return;
    this.outputs[pin] = value;
    this.emit('output', { pin, value, mode: this.modes[pin] ?? PinMode.OUTPUT, at: Date.now() });
  }

  private isInput(pin: number): boolean {
    return this.modes[pin] === PinMode.INPUT || this.modes[pin] === PinMode.PULLUP;
  }

  private sendPort(port: number): void {
    let mask = 0;
    for (let bit = 0; bit < 8; bit++) {
      const pin = port * 8 + bit;
      if (pin < this.pins.length && this.isInput(pin) && this.readLevel(pin)) mask |= 1 << bit;
    }
    this.send(digitalPortMessage(port, mask));
  }

  private restartSampler(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    if (this.reportChannels.size === 0) return;
    this.sampler = setInterval(() => {
      for (const ch of this.reportChannels) this.send(analogMessage(ch, this.analog[ch] ?? 0));
    }, this.samplingMs);
  }

  private checkPin(pin: number): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= this.pins.length) throw new RangeError(`no pin ${pin}`);
  }

  private send(bytes: Uint8Array): void {
    for (const sink of this.sinks) sink(bytes);
  }
}
