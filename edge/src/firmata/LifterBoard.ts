import { EventEmitter } from 'node:events';
import type { Board, FirmataIo } from 'johnny-five';
// The Board class alone: johnny-five's index loads its ~50 component classes (about 2 MB of
// heap) of which the lifter board uses none.
import JohnnyFiveBoard from 'johnny-five/lib/board.js';
import { type Logger, pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import type { SerialTransport } from '../serial/SerialTransport.js';
import type { LifterEvent, LifterSignal } from '../truck/LifterSignal.js';
import { type CabSignal, type CabSignalName, CabSignals, PatternOutput } from './CabIndicator.js';
import { CompactorFillEstimator, type CompactorPressure } from './CompactorFillEstimator.js';
import { DebouncedInput } from './DebouncedInput.js';
import { FirmataPort } from './FirmataPort.js';
import { type LifterBoardSettings, lifterBoardSettingsSchema } from './LifterBoardSettings.js';

/** Events of a {@link LifterBoard}. */
export interface LifterBoardEvents {
  /** A debounced lifter sensor edge (`hooked`, `tipped`, `returned`, `released`). */
  lifter: [event: LifterEvent];
  /** Compactor pressure and the fill estimate, when the pressure moved past the dead band. */
  pressure: [reading: CompactorPressure];
  /** A debounced tailgate sensor edge: raised (the load is being ejected: an unload) or lowered. */
  tailgate: [event: { raised: boolean; at: number }];
  /** The board finished its handshake and is configured (first time and after each reconnect). */
  ready: [info: { firmware: string; sessions: number }];
  /** The serial line to the board was lost; inputs are unknown until `ready` again. */
  disconnected: [];
  /** The board restarted without the line dropping; it has been configured again. */
  reset: [];
}

/** REPORT_VERSION request + REPORT_FIRMWARE query (Firmata protocol.md / query-firmware.md). */
const VERSION_QUERY = [0xf9, 0xf0, 0x79, 0xf7];

interface Session {
  board: Board;
  port: FirmataPort;
  led: PatternOutput;
  buzzer: PatternOutput;
  timers: NodeJS.Timeout[];
  configured: boolean;
  /** Fails the handshake under way (the port was lost, or the board stopped). */
  abort?: (err: Error) => void;
}

/**
 * The lifter's Arduino (StandardFirmata) as the truck agent sees it, through johnny-five on a
 * {@link SerialTransport}: two digital inputs (clamp sensor, arm-at-top sensor) become debounced
 * {@link LifterEvent}s; a third (tailgate raised) says the body is being unloaded; one analog input (compactor hydraulic pressure) becomes bar and a body
 * fill estimate ({@link CompactorFillEstimator}); an LED and a buzzer show the cab signals
 * ("go unload", "unknown bin"). When the transport loses the port and reopens it, the board has
 * reset (DTR), so a new johnny-five session handshakes and configures it again.
 */
export class LifterBoard extends EventEmitter<LifterBoardEvents> {
  /** Settings, defaults applied. */
  readonly settings: LifterBoardSettings;
  private readonly log: Logger;
  private readonly clamp: DebouncedInput;
  private readonly armTop: DebouncedInput;
  private readonly tailgate: DebouncedInput;
  private readonly estimator: CompactorFillEstimator;
  private session: Session | undefined;
  private sessions = 0;
  private running = false;
  private signalName: CabSignalName = 'off';
  private lastPressure: CompactorPressure | undefined;
  private lastEmittedBar: number | undefined;
  private signalTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly transport: SerialTransport,
    settings: Partial<LifterBoardSettings> = {},
    options: { logger?: Logger } = {},
  ) {
    super();
    this.settings = lifterBoardSettingsSchema.parse(settings);
    this.log = (
      options.logger ?? pino({ name: 'edge:firmata:lifter', level: process.env.LOG_LEVEL ?? 'info' })
    ).child({
      port: transport.path,
    });
    const { debounceMs } = this.settings;
    this.clamp = new DebouncedInput(debounceMs, (closed, at) =>
      this.lifter(closed ? 'hooked' : 'released', at),
    );
    this.armTop = new DebouncedInput(debounceMs, (atTop, at) =>
      this.lifter(atTop ? 'tipped' : 'returned', at),
    );
    this.tailgate = new DebouncedInput(debounceMs, (raised, at) => this.onTailgate(raised, at));
    this.estimator = new CompactorFillEstimator(this.settings.pressure);
  }

  /** Latest pressure reading, if any. */
  get pressure(): CompactorPressure | undefined {
    return this.lastPressure;
  }

  /** Debounced sensor states (undefined until the board reported them). */
  get sensors(): { clampClosed: boolean | undefined; armAtTop: boolean | undefined } {
    return { clampClosed: this.clamp.level, armAtTop: this.armTop.level };
  }

  /** Whether the tailgate is raised (undefined: not wired, or not reported yet). */
  get tailgateRaised(): boolean | undefined {
    return this.tailgate.level;
  }

  /** True while a configured board session is up. */
  get isReady(): boolean {
    return this.session?.configured === true;
  }

  /** The cab signal being shown. */
  get signal(): CabSignalName {
    return this.signalName;
  }

  /**
   * Waits for the port, handshakes and configures the board. Rejects with `board-handshake` when
   * the board does not answer within `handshakeTimeoutMs` of the port opening; it keeps trying
   * in the background until `stop()`. Reconnects after a lost port happen on their own.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.transport.on('open', this.onOpen);
    this.transport.on('lost', this.onLost);
    if (this.transport.isOpen) this.onOpen();
    await this.transport.whenOpen();
    await this.connecting;
  }

  /** Shows a cab signal (replacing the current one). `unknownBin` clears itself after `unknownBinHoldMs`. */
  show(name: CabSignalName): void {
    this.signalName = name;
    if (this.signalTimer) clearTimeout(this.signalTimer);
    this.signalTimer = undefined;
    if (name === 'unknownBin' && this.settings.unknownBinHoldMs > 0) {
      this.signalTimer = setTimeout(() => this.show('off'), this.settings.unknownBinHoldMs);
    }
    this.log.info({ signal: name }, 'cab signal');
    this.play(CabSignals[name]);
  }

  /** Turns the outputs off, stops reporting, and lets go of the transport (which its owner stops). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.transport.off('open', this.onOpen);
    this.transport.off('lost', this.onLost);
    if (this.signalTimer) clearTimeout(this.signalTimer);
    this.signalTimer = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const s = this.session;
    if (s?.configured && this.transport.isOpen) {
      s.led.stop();
      s.buzzer.stop();
      const io = s.board.io;
      io.reportDigitalPin(this.settings.clamp.pin, 0);
      io.reportDigitalPin(this.settings.armTop.pin, 0);
      if (this.settings.tailgate) io.reportDigitalPin(this.settings.tailgate.pin, 0);
      io.reportAnalogPin(this.settings.pressure.channel, 0);
      await s.port.settled();
    }
    this.teardown();
  }

  private readonly onOpen = () => {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!this.running || this.session) return;
    const connecting = this.connect();
    this.connecting = connecting;
    connecting.catch((err: Error) => {
      this.log.error({ err: err.message }, 'lifter board handshake failed');
      // A board still booting, or flashed with another sketch: keep asking while the port is open.
      if (this.running && this.transport.isOpen && !this.session) {
        this.retryTimer = setTimeout(this.onOpen, this.settings.handshakeTimeoutMs);
      }
    });
  };

  private readonly onLost = () => {
    if (!this.session) return;
    this.log.warn('lifter board lost');
    this.teardown();
    this.emit('disconnected');
  };

  private play(signal: CabSignal): void {
    if (!this.session?.configured) return;
    this.session.led.play(signal.led);
    this.session.buzzer.play(signal.buzzer);
  }

  /**
   * The tailgate went up or down. Raised, the body is being emptied: the compactor's held stroke
   * peak no longer says how full it is, so the fill estimate drops to empty at once (the next
   * packing stroke measures it again).
   */
  private onTailgate(raised: boolean, at: number): void {
    this.log.info({ raised, at: new Date(at).toISOString() }, 'tailgate');
    this.emit('tailgate', { raised, at });
    if (!raised) return;
    this.estimator.emptied();
    const last = this.lastPressure;
    if (!last) return;
    const reading = this.estimator.push(last.raw, Date.now());
    this.lastPressure = reading;
    this.lastEmittedBar = reading.bar;
    this.emit('pressure', reading);
  }

  private lifter(signal: LifterSignal, at: number): void {
    this.log.info({ signal, at: new Date(at).toISOString() }, 'lifter');
    this.emit('lifter', { signal, at });
  }

  private async connect(): Promise<void> {
    const port = new FirmataPort(this.transport, this.log);
    const { handshakeTimeoutMs, versionQueryDelayMs, ledPin, buzzerPin } = this.settings;
    const board = new JohnnyFiveBoard({
      port,
      repl: false,
      debug: false,
      sigint: false,
      timeout: handshakeTimeoutMs * 2,
    });
    const write = (pin: number) => (level: 0 | 1) => board.io.digitalWrite(pin, level);
    const session: Session = {
      board,
      port,
      led: new PatternOutput(write(ledPin)),
      buzzer: new PatternOutput(write(buzzerPin)),
      timers: [],
      configured: false,
    };
    this.session = session;
    board.on('error', (err: Error) => this.log.error({ err: err.message }, 'johnny-five board error'));
    // Boards that do not reset when the port opens (Leonardo, a pty, a USB bridge without DTR)
    // stay silent: ask instead of waiting for firmata.js's own 5 s reportVersionTimeout.
    session.timers.push(
      setTimeout(() => {
        if (!board.io.versionReceived) port.write(VERSION_QUERY);
      }, versionQueryDelayMs),
    );
    await new Promise<void>((resolve, reject) => {
      session.abort = reject;
      session.timers.push(
        setTimeout(() => {
          if (this.session === session) this.teardown();
          reject(
            new EdgeError(
              EdgeErrorCode.BoardHandshake,
              `no Firmata handshake on ${port.path} within ${handshakeTimeoutMs} ms`,
            ),
          );
        }, handshakeTimeoutMs),
      );
      board.once('ready', () => resolve());
    });
    session.abort = undefined;
    try {
      this.configure(session);
    } catch (err) {
      this.teardown();
      throw err;
    }
  }

  private configure(session: Session): void {
    const io = session.board.io;
    const { clamp, armTop, tailgate, pressure, ledPin, buzzerPin } = this.settings;
    this.requireMode(io, clamp.pin, clamp.pullup ? io.MODES.PULLUP : io.MODES.INPUT, 'clamp sensor');
    this.requireMode(io, armTop.pin, armTop.pullup ? io.MODES.PULLUP : io.MODES.INPUT, 'arm-at-top sensor');
    if (tailgate) {
      this.requireMode(
        io,
        tailgate.pin,
        tailgate.pullup ? io.MODES.PULLUP : io.MODES.INPUT,
        'tailgate sensor',
      );
    }
    this.requireMode(io, ledPin, io.MODES.OUTPUT, 'LED');
    this.requireMode(io, buzzerPin, io.MODES.OUTPUT, 'buzzer');
    const analogPin = io.analogPins[pressure.channel];
    if (analogPin === undefined) {
      throw new EdgeError(
        EdgeErrorCode.Config,
        `the board has no analog channel ${pressure.channel} for the pressure sensor`,
      );
    }
    for (const t of session.timers) clearTimeout(t);
    session.timers = [];
    this.clamp.reset();
    this.armTop.reset();
    this.tailgate.reset();
    this.setUpPins(io, true);
    io.on('reportversion', () => this.onBoardReset(session));
    session.configured = true;
    this.sessions += 1;
    this.play(CabSignals[this.signalName]);
    const firmware = `${io.firmware.name} ${io.firmware.version.major}.${io.firmware.version.minor}`;
    this.log.info({ firmware, sessions: this.sessions }, 'lifter board ready');
    this.emit('ready', { firmware, sessions: this.sessions });
  }

  /**
   * Pin modes, sampling interval and reporting. The first time (`subscribe`) it also registers
   * the read callbacks; after a board reset it only re-enables reporting (callbacks stay).
   */
  private setUpPins(io: FirmataIo, subscribe: boolean): void {
    const { clamp, armTop, tailgate, pressure, ledPin, buzzerPin } = this.settings;
    io.setSamplingInterval(pressure.samplingIntervalMs);
    const sensors: Array<readonly [{ pin: number; activeLow: boolean; pullup: boolean }, DebouncedInput]> = [
      [clamp, this.clamp],
      [armTop, this.armTop],
    ];
    if (tailgate) sensors.push([tailgate, this.tailgate]);
    // Every input mode first, then reporting: the first port report (StandardFirmata masks it
    // with the pins configured as inputs) must already cover both sensors, or the one configured
    // later would start from a false baseline.
    for (const [sensor] of sensors) io.pinMode(sensor.pin, sensor.pullup ? io.MODES.PULLUP : io.MODES.INPUT);
    for (const [sensor, input] of sensors) {
      if (subscribe) io.digitalRead(sensor.pin, (v) => input.feed(sensor.activeLow ? v === 0 : v === 1));
      else io.reportDigitalPin(sensor.pin, 1);
    }
    io.pinMode(pressure.channel, io.MODES.ANALOG);
    if (subscribe) io.analogRead(pressure.channel, (raw) => this.onPressure(raw));
    else io.reportAnalogPin(pressure.channel, 1);
    io.pinMode(ledPin, io.MODES.OUTPUT);
    io.pinMode(buzzerPin, io.MODES.OUTPUT);
  }

  /**
   * REPORT_VERSION after the handshake: the sketch restarted (brown-out, watchdog, a reset that
   * did not drop the USB line) and forgot its pin modes and reporting. Set them up again and put
   * the cab signal back; the sensor debouncers keep their levels, so a change during the reboot
   * still shows as an edge.
   */
  private onBoardReset(session: Session): void {
    if (this.session !== session || !session.configured) return;
    this.log.warn('lifter board restarted: configuring it again');
    session.led.halt();
    session.buzzer.halt();
    this.setUpPins(session.board.io, false);
    this.play(CabSignals[this.signalName]);
    this.emit('reset');
  }

  private requireMode(io: FirmataIo, pin: number, mode: number, what: string): void {
    if (!io.pins[pin]?.supportedModes.includes(mode)) {
      throw new EdgeError(
        EdgeErrorCode.Config,
        `pin ${pin} (${what}) does not support Firmata mode ${mode} on this board`,
      );
    }
  }

  private onPressure(raw: number): void {
    const reading = this.estimator.push(raw, Date.now());
    this.lastPressure = reading;
    const moved =
      this.lastEmittedBar === undefined ||
      Math.abs(reading.bar - this.lastEmittedBar) >= this.settings.pressure.deadbandBar;
    if (!moved) return;
    this.lastEmittedBar = reading.bar;
    this.emit('pressure', reading);
  }

  private teardown(): void {
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    for (const t of s.timers) clearTimeout(t);
    s.abort?.(
      new EdgeError(EdgeErrorCode.BoardHandshake, `${s.port.path} was lost or stopped during the handshake`),
    );
    s.led.halt();
    s.buzzer.halt();
    this.clamp.reset();
    this.armTop.reset();
    this.tailgate.reset();
    const board = s.board;
    if (board.timer) clearTimeout(board.timer);
    if (board.io.reportVersionTimeoutId) clearTimeout(board.io.reportVersionTimeoutId);
    board.io.removeAllListeners();
    board.removeAllListeners();
    // Keep swallowing late errors from the dead session.
    board.on('error', () => {});
    s.port.detach();
  }
}
