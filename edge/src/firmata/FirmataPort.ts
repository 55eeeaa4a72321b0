import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { SerialTransport } from '../serial/SerialTransport.js';

/**
 * A {@link SerialTransport} in the shape firmata.js (through johnny-five's `Board({ port })`)
 * expects of a serialport object: `path`, `isOpen`, `write(bytes, callback)` and `data` events.
 * One instance per board session: `detach()` unhooks it from the transport so that a new
 * firmata.js instance can take over after a reconnect without the old one parsing the bytes too.
 */
export class FirmataPort extends EventEmitter {
  private readonly pending = new Set<Promise<void>>();
  private readonly forward = (chunk: Buffer) => this.emit('data', chunk);

  constructor(
    private readonly transport: SerialTransport,
    private readonly log: Logger,
  ) {
    super();
    transport.on('data', this.forward);
  }

  /** Device path (johnny-five reads it to name the board). */
  get path(): string {
    return this.transport.path;
  }

  get isOpen(): boolean {
    return this.transport.isOpen;
  }

  /** firmata.js calls `write(Buffer, () => pending--)`; a failed write is logged, the callback still runs. */
  write(data: Uint8Array | number[], callback?: (err?: Error | null) => void): boolean {
    const bytes = Buffer.from(data);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ hex: bytes.toString('hex') }, 'firmata out');
    const p = this.transport.write(bytes).then(
      () => callback?.(null),
      (err: Error) => {
        this.log.debug({ err: err.message }, 'firmata write failed');
        callback?.(err);
      },
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return true;
  }

  /** Resolves once every write handed to the transport so far has finished (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Stops forwarding transport data and drops every listener. */
  detach(): void {
    this.transport.off('data', this.forward);
    this.removeAllListeners();
  }
}
