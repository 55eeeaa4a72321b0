import { MockBinding, type MockPortBinding } from '@serialport/binding-mock';
import type { SerialPortStream } from '@serialport/stream';
import type { SerialDevice } from './SerialDevice.js';

/** The serialport binding interface, named through `SerialPortStream` (see edge's SerialTransport). */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];
type OpenOptions = Parameters<SerialBinding['open']>[0];

interface PluggedDevice {
  device: SerialDevice;
  present: boolean;
  port: LinkedPort | undefined;
}

/**
 * A serialport binding that plugs simulated devices onto `@serialport/binding-mock` ports: what the
 * host writes reaches `device.write()`, what the device sends is fed to the port with
 * `emitData()`. `unplug()` makes the port vanish the way a USB adapter does under the real
 * bindings: the pending read fails with an I/O error (not a `canceled` one, so `SerialPortStream`
 * reports a disconnect) and opening fails until `replug()`.
 *
 * MockBinding's port table is module-global: use distinct paths per test.
 */
export class MockDeviceBinding implements SerialBinding {
  private readonly plugged = new Map<string, PluggedDevice>();

  /** Attaches a device at `path` (creates the MockBinding port). */
  plug(path: string, device: SerialDevice): void {
    MockBinding.createPort(path, { echo: false, record: false });
    this.plugged.set(path, { device, present: true, port: undefined });
  }

  /** The adapter at `path` disappears: an open port errors, opening fails. */
  unplug(path: string): void {
    const entry = this.plugged.get(path);
    if (!entry) return;
    entry.present = false;
    entry.port?.vanish(new Error(`EIO: adapter ${path} unplugged`));
  }

  /** The adapter at `path` comes back. */
  replug(path: string): void {
    const entry = this.plugged.get(path);
    if (entry) entry.present = true;
  }

  async list() {
    const all = await MockBinding.list();
    return all.filter((info) => this.plugged.get(info.path)?.present === true);
  }

  async open(options: OpenOptions): Promise<LinkedPort> {
    const entry = this.plugged.get(options.path);
    if (!entry?.present) throw new Error(`ENOENT: no such file or directory, open '${options.path}'`);
    const inner = await MockBinding.open(options);
    const port = new LinkedPort(inner, entry.device);
    entry.port = port;
    entry.device.hostConnected?.();
    return port;
  }
}

/** One open MockBinding port wired to a device. */
class LinkedPort {
  private failure: Error | undefined;
  private failed: ((err: Error) => void) | undefined;
  private readonly failedPromise: Promise<never>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: MockPortBinding,
    private readonly device: SerialDevice,
  ) {
    this.failedPromise = new Promise<never>((_, reject) => {
      this.failed = reject;
    });
    this.failedPromise.catch(() => {});
    this.unsubscribe = device.onData((bytes) => {
      if (this.inner.isOpen && !this.failure) this.inner.emitData(Buffer.from(bytes));
    });
  }

  get openOptions() {
    return this.inner.openOptions;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  /** The adapter vanished: reads and writes fail from now on with `err`. */
  vanish(err: Error): void {
    this.failure = err;
    this.failed?.(err);
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.failure) throw this.failure;
    const reading = this.inner.read(buffer, offset, length);
    // When the race is lost to `vanish`, the inner read is later canceled by close(): swallow that.
    reading.catch(() => {});
    return Promise.race([reading, this.failedPromise]);
  }

  async write(buffer: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    await this.inner.write(buffer);
    this.device.write(Uint8Array.from(buffer));
  }

  async close(): Promise<void> {
    this.unsubscribe();
    if (this.inner.isOpen) await this.inner.close();
  }

  update(options: { baudRate: number }) {
    return this.inner.update(options);
  }
  set(options: Parameters<MockPortBinding['set']>[0]) {
    return this.inner.set(options);
  }
  get() {
    return this.inner.get();
  }
  getBaudRate() {
    return this.inner.getBaudRate();
  }
  flush() {
    return this.inner.flush();
  }
  drain() {
    return this.inner.drain();
  }
}
