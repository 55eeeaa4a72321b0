/**
 * Typings for the parts of firmata.js 2.x (`firmata-io`, the protocol core of the `firmata`
 * package, without its serialport) that the lifter board uses. The package ships no types; these
 * mirror `firmata-io/lib/firmata.js`.
 */
declare module 'firmata-io' {
  import type { EventEmitter } from 'node:events';

  /** Pin record firmata.js keeps after the capability and analog-mapping queries. */
  export interface FirmataPin {
    supportedModes: number[];
    mode?: number;
    value: number;
    report: number;
    /** 127 when the pin has no analog channel. */
    analogChannel: number;
    state?: number;
  }

  /**
   * What firmata.js needs of its transport when handed an object instead of a device path:
   * `write(bytes, callback)` and the `data`, `open`, `close` and `error` events.
   */
  export interface FirmataTransport extends EventEmitter {
    write(data: Uint8Array | number[], callback?: (err?: Error | null) => void): boolean;
  }

  /**
   * A firmata.js board session: handshakes (REPORT_VERSION, firmware, capabilities, analog
   * mapping), then emits `ready`; `error` on a transport error after that.
   */
  export interface FirmataIo extends EventEmitter {
    readonly MODES: {
      INPUT: number;
      OUTPUT: number;
      ANALOG: number;
      PWM: number;
      SERVO: number;
      PULLUP: number;
    };
    readonly firmware: { name: string; version: { major: number; minor: number } };
    readonly version: { major: number; minor: number };
    readonly pins: FirmataPin[];
    readonly analogPins: number[];
    readonly isReady: boolean;
    /** True once REPORT_VERSION arrived. */
    readonly versionReceived: boolean;
    /** Timer firmata.js arms to ask for the version itself after 5 s of silence. */
    readonly reportVersionTimeoutId: NodeJS.Timeout | undefined;
    /** The transport object handed to the constructor. */
    readonly transport: FirmataTransport;
    pinMode(pin: number, mode: number): void;
    /** Turns on reporting of the pin's port and calls back on every report of that pin. */
    digitalRead(pin: number, callback: (value: number) => void): void;
    digitalWrite(pin: number, value: number): void;
    /** `channel` is the analog channel (A0 = 0); calls back on every sample. */
    analogRead(channel: number, callback: (value: number) => void): void;
    reportDigitalPin(pin: number, value: 0 | 1): void;
    reportAnalogPin(channel: number, value: 0 | 1): void;
    queryPinState(pin: number, callback: () => void): void;
    setSamplingInterval(ms: number): void;
  }

  /** `module.exports` of firmata-io: binds a default transport class; `.Firmata` is the board class. */
  const firmataIo: {
    Firmata: new (transport: FirmataTransport, callback?: (err?: Error) => void) => FirmataIo;
  };
  export default firmataIo;
}
