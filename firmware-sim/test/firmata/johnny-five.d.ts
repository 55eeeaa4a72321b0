/**
 * Typings for the part of johnny-five 2.x this test drives (its Board over a serialport object),
 * which ships none. Its `io` is firmata.js, typed with the lifter board's `firmata-io` typings.
 */
declare module 'johnny-five' {
  import type { EventEmitter } from 'node:events';
  import type { FirmataIo } from 'firmata-io';

  export interface BoardOptions {
    /** A device path, or a serialport-like object (`path`, `write(buf, cb)`, events open/data/close/error). */
    port?: string | EventEmitter;
    repl?: boolean;
    debug?: boolean;
    /** Whether johnny-five installs its own SIGINT handler. */
    sigint?: boolean;
    /** ms between "connect" and "ready" before johnny-five reports a firmware error (10 000 by default). */
    timeout?: number;
  }

  export class Board extends EventEmitter {
    constructor(options?: BoardOptions);
    readonly io: FirmataIo;
    readonly isReady: boolean;
    /** The connect → ready timeout johnny-five arms. */
    timer: NodeJS.Timeout | null;
  }

  const five: { Board: typeof Board };
  export default five;
}
