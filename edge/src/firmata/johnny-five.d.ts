/**
 * Typings for the parts of johnny-five 2.x (and the firmata.js `io` it creates) that the lifter
 * board uses. johnny-five ships no types and `@types/johnny-five` lags the 2.x API; these mirror
 * `johnny-five/lib/board.js` and `firmata-io/lib/firmata.js`.
 */
declare module 'johnny-five' {
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

  /** The firmata.js Board johnny-five talks through (`board.io`). */
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
    /** The port object handed to the Board. */
    readonly transport: EventEmitter;
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

  export interface BoardOptions {
    /** A device path, or a serialport-like object (`path`, `write(buf, cb)`, events open/data/close/error). */
    port?: string | EventEmitter;
    id?: string;
    repl?: boolean;
    debug?: boolean;
    /** Whether johnny-five installs its own SIGINT handler (the agent handles signals itself). */
    sigint?: boolean;
    /** ms between "connect" and "ready" before johnny-five reports a firmware error (10 000 by default). */
    timeout?: number;
  }

  export class Board extends EventEmitter {
    constructor(options?: BoardOptions);
    readonly id: string;
    readonly io: FirmataIo;
    readonly isReady: boolean;
    /** The connect → ready timeout johnny-five arms. */
    timer: NodeJS.Timeout | null;
  }

  const five: { Board: typeof Board };
  export default five;
}

/**
 * johnny-five's Board class alone (`lib/board.js`): the package index loads all of its ~50
 * component classes, of which the lifter board uses none.
 */
declare module 'johnny-five/lib/board.js' {
  import type { Board } from 'johnny-five';

  const BoardClass: typeof Board;
  export default BoardClass;
}
