import { EventEmitter } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { type Logger, pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import { polledReadBinding } from './PolledReadBinding.js';
import {
  type ReopenPolicy,
  reopenDelayMs,
  reopenPolicySchema,
  type SerialDeviceSettings,
  serialDeviceSettingsSchema,
} from './SerialDeviceSettings.js';

/** Largest read (a read takes whatever the port holds, up to this): a serialport stream's pool size. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Where a transport stands: `closed` before `start()` and after `stop()`; `opening` during the
 * first attempt; `open`; `reopening` after the port was lost (or the first attempt failed),
 * waiting out the backoff or trying again.
 */
export type SerialTransportState = 'closed' | 'opening' | 'open' | 'reopening';

/** Events of a {@link SerialTransport}. */
export interface SerialTransportEvents {
  /** Bytes as the port delivered them (any chunking). */
  data: [chunk: Buffer];
  /** The port is open (first time or after a reopen); `reopens` counts the successful reopens so far. */
  open: [info: { reopens: number }];
  /** The open port was lost (unplugged adapter, I/O error); `cause` says why when known. */
  lost: [info: { cause: Error | null }];
  /** An open attempt failed; the next one comes after `retryInMs`. */
  'open-failed': [info: { cause: Error; attempt: number; retryInMs: number }];
  /** The state changed. */
  state: [state: SerialTransportState];
}

/**
 * A serialport binding (`@serialport/bindings-interface`'s `BindingInterface`, named through
 * `SerialPortStream` because that package's typings do not resolve under NodeNext `exports`).
 */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

/** Options of a {@link SerialTransport}. */
export interface SerialTransportOptions {
  /**
   * The serialport binding: the platform's `@serialport/bindings-cpp` with event-loop reads
   * (`polledReadBinding()`, the default) in production, `MockBinding` from
   * `@serialport/binding-mock` (or a wrapper of it) in tests.
   */
  binding?: SerialBinding;
  /** Reopen backoff; defaults from {@link reopenPolicySchema}. */
  reopen?: Partial<ReopenPolicy>;
  logger?: Logger;
  /** Random source in [0, 1) for the backoff jitter (tests may fix it). */
  random?: () => number;
}

/**
 * One serial device's port, kept open for the life of the agent: emits data chunks, writes bytes,
 * and survives a USB adapter vanishing and coming back. On a close or an error it reopens with
 * capped, jittered exponential backoff (a new `SerialPortStream` each time), counting reopens.
 * A pulled adapter hangs its tty up, which the default binding's read reports as a loss.
 * After `stop()` no timer and no open handle is left.
 *
 * This file and the binding it uses by default (`PolledReadBinding.ts`) are the only files of
 * `@releve/edge` that import serialport packages.
 */
export class SerialTransport extends EventEmitter<SerialTransportEvents> {
  /** Line settings, defaults applied. */
  readonly settings: SerialDeviceSettings;
  private readonly policy: ReopenPolicy;
  private readonly binding: SerialBinding;
  private readonly log: Logger;
  private readonly random: () => number;
  private current: SerialTransportState = 'closed';
  private stream: SerialPortStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failedAttempts = 0;
  private everOpened = false;
  private reopenCount = 0;
  private running = false;
  /** Closing of the last lost stream, which `stop()` waits for. */
  private closingLost: Promise<void> | undefined;

  constructor(
    settings: SerialDeviceSettings | ({ path: string } & Partial<SerialDeviceSettings>),
    options: SerialTransportOptions = {},
  ) {
    super();
    this.settings = serialDeviceSettingsSchema.parse(settings);
    this.policy = reopenPolicySchema.parse(options.reopen ?? {});
    this.binding = options.binding ?? polledReadBinding();
    this.random = options.random ?? Math.random;
    this.log = (
      options.logger ?? pino({ name: 'edge:serial', level: process.env.LOG_LEVEL ?? 'info' })
    ).child({
      port: this.settings.path,
    });
  }

  /** The device path. */
  get path(): string {
    return this.settings.path;
  }

  /** Current state. */
  get state(): SerialTransportState {
    return this.current;
  }

  /** How many times the port was reopened after being lost. */
  get reopens(): number {
    return this.reopenCount;
  }

  /** True when bytes can be written now. */
  get isOpen(): boolean {
    return this.current === 'open';
  }

  /** Starts opening the port; a missing device is retried with backoff, not an error. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.setState('opening');
    this.inFlight = this.attemptOpen();
  }

  /** Resolves once the port is open (at once when it already is); rejects with `port-closed` if stopped first. */
  whenOpen(): Promise<void> {
    if (this.current === 'open') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onState = (state: SerialTransportState) => {
        if (state === 'open') {
          this.off('state', onState);
          resolve();
        } else if (state === 'closed') {
          this.off('state', onState);
          reject(new EdgeError(EdgeErrorCode.PortClosed, `${this.path} was stopped before it opened`));
        }
      };
      this.on('state', onState);
    });
  }

  /** Writes bytes; resolves once the binding handed them to the OS. Rejects when the port is not open. */
  write(bytes: Uint8Array): Promise<void> {
    const stream = this.stream;
    if (!stream || this.current !== 'open') {
      return Promise.reject(new EdgeError(EdgeErrorCode.PortClosed, `${this.path} is ${this.current}`));
    }
    return new Promise((resolve, reject) => {
      stream.write(Buffer.from(bytes), (err) => {
        if (err)
          reject(
            new EdgeError(EdgeErrorCode.SerialIo, `write to ${this.path}: ${err.message}`, { cause: err }),
          );
        else resolve();
      });
    });
  }

  /** Closes the port and cancels any reopen; leaves no timer or handle behind. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await closeQuietly(stream);
    await this.closingLost;
    this.setState('closed');
  }

  private setState(next: SerialTransportState): void {
    if (next === this.current) return;
    this.current = next;
    this.emit('state', next);
  }

  private async attemptOpen(): Promise<void> {
    const { path, baudRate, dataBits, parity, stopBits } = this.settings;
    const stream = new SerialPortStream({
      binding: this.binding,
      path,
      baudRate,
      dataBits,
      parity,
      stopBits,
      autoOpen: false,
    });
    // Errors outside a callback (a failed close, a late write error) must not crash the agent.
    stream.on('error', (err) => this.onLost(stream, err));
    const err = await new Promise<Error | null>((resolve) => stream.open((e) => resolve(e ?? null)));
    if (!this.running) {
      if (!err) await closeQuietly(stream);
      return;
    }
    if (err) {
      this.scheduleReopen(err);
      return;
    }
    this.stream = stream;
    this.failedAttempts = 0;
    stream.on('close', (cause: Error | null | undefined) => this.onLost(stream, cause ?? null));
    if (this.everOpened) this.reopenCount += 1;
    this.everOpened = true;
    this.log.info({ reopens: this.reopenCount }, 'serial port open');
    this.setState('open');
    this.emit('open', { reopens: this.reopenCount });
    void this.readLoop(stream);
  }

  /**
   * Reads the open port and emits each chunk, until the port is closed or lost (a failed read is
   * a loss). The binding's port is read directly, not through the stream's readable side: a
   * Readable's buffering, `maybeReadMore` ticks and re-entrant `_read` per chunk cost more than
   * the read itself at our rates, and nothing here needs back-pressure (the decoders take every
   * chunk at once). The stream still opens, writes and closes the port.
   */
  private async readLoop(stream: SerialPortStream): Promise<void> {
    const port = stream.port;
    if (!port) return;
    // One buffer for every read; each chunk emitted is a copy of its bytes.
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    while (this.stream === stream) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await port.read(buffer, 0, buffer.length));
      } catch (e) {
        // `canceled`: the port was closed on purpose (stop, or a loss already being handled).
        if (!(e as { canceled?: boolean }).canceled) this.onLost(stream, e as Error);
        return;
      }
      if (this.stream !== stream) return;
      if (bytesRead === 0) {
        this.onLost(stream, new EdgeError(EdgeErrorCode.SerialIo, `${this.path}: end of data`));
        return;
      }
      this.emit('data', Buffer.from(buffer.subarray(0, bytesRead)));
    }
  }

  private onLost(stream: SerialPortStream, cause: Error | null): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.closingLost = closeQuietly(stream);
    if (!this.running) return;
    this.log.warn({ err: cause?.message }, 'serial port lost');
    this.emit('lost', { cause });
    this.scheduleReopen(null);
  }

  private scheduleReopen(cause: Error | null): void {
    const attempt = this.failedAttempts;
    this.failedAttempts += 1;
    const delay = reopenDelayMs(attempt, this.policy, this.random);
    this.setState('reopening');
    if (cause) {
      this.log.debug({ err: cause.message, attempt, retryInMs: delay }, 'serial port open failed');
      this.emit('open-failed', { cause, attempt, retryInMs: delay });
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) this.inFlight = this.attemptOpen();
    }, delay);
  }
}

/** Closes a stream if it is open, swallowing "not open" races; always detaches listeners afterwards. */
async function closeQuietly(stream: SerialPortStream): Promise<void> {
  if (stream.isOpen) {
    await new Promise<void>((resolve) => stream.close(() => resolve()));
  } else if (stream.closing) {
    // A disconnect is closing it already: wait for the binding to let go of the device.
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
    });
  }
  stream.removeAllListeners();
  // A swallowed late error (the stream may still emit one while being torn down) must not throw.
  stream.on('error', () => {});
  if (!stream.destroyed) stream.destroy();
}
