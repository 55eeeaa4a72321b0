import { readSync } from 'node:fs';
import {
  autoDetect,
  type BindingInterface,
  type BindingPortInterface,
  type OpenOptions,
  type PortStatus,
  type SetOptions,
  type UpdateOptions,
} from '@serialport/bindings-cpp';

/** What the Unix port bindings of `@serialport/bindings-cpp` 13 (Linux, macOS) expose for reading. */
interface UnixPort extends BindingPortInterface {
  readonly fd: number | null;
  readonly poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
}

function isUnixPort(port: BindingPortInterface): port is UnixPort {
  return 'fd' in port && 'poller' in port;
}

/** A read that cannot complete because the port is closed: the stream ignores it (`canceled`). */
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

/**
 * A Unix port of `@serialport/bindings-cpp` whose reads run on the event loop: wait until the
 * fd is readable (the binding's own epoll poller), then one non-blocking `read(2)`.
 *
 * bindings-cpp 13 reads with `fs.read` on libuv's thread pool first and polls only after an
 * `EAGAIN`: every chunk costs two thread-pool round trips (one for the bytes, one for the
 * `EAGAIN`), their promise chains and an `Error`, which made most of the truck agent's CPU
 * time with four devices sending ~40 frames/s. Here a chunk costs one poll wake-up and one
 * system call.
 *
 * It also works around bindings-cpp's hang-up bug: on a hung-up tty (USB adapter pulled, pty
 * master closed) `read(2)` returns 0 bytes, which bindings-cpp retries at once, forever (a busy
 * loop that never reports the loss). Here 0 bytes is a disconnection, so the stream closes.
 *
 * Writes, settings and close go to the wrapped port unchanged.
 */
class PolledReadPort implements BindingPortInterface {
  constructor(private readonly port: UnixPort) {}

  get openOptions(): Required<OpenOptions> {
    return this.port.openOptions;
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    for (;;) {
      await this.readable();
      const fd = this.port.fd;
      if (fd === null) throw canceled();
      let bytesRead: number;
      try {
        bytesRead = readSync(fd, buffer, offset, length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // Woken for nothing (another reader, a signal): wait again.
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') continue;
        throw Object.assign(e as Error, { disconnect: true });
      }
      if (bytesRead === 0) {
        throw Object.assign(new Error('the tty hung up (0 bytes read)'), { disconnect: true });
      }
      return { buffer, bytesRead };
    }
  }

  private readable(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.port.isOpen) {
        reject(canceled());
        return;
      }
      this.port.poller.once('readable', (err) => (err ? reject(err) : resolve()));
    });
  }

  write(buffer: Buffer): Promise<void> {
    return this.port.write(buffer);
  }

  close(): Promise<void> {
    return this.port.close();
  }

  update(options: UpdateOptions): Promise<void> {
    return this.port.update(options);
  }

  set(options: SetOptions): Promise<void> {
    return this.port.set(options);
  }

  get(): Promise<PortStatus> {
    return this.port.get();
  }

  getBaudRate(): Promise<{ baudRate: number }> {
    return this.port.getBaudRate();
  }

  flush(): Promise<void> {
    return this.port.flush();
  }

  drain(): Promise<void> {
    return this.port.drain();
  }
}

/**
 * The platform's serialport binding, with event-loop reads on Linux and macOS
 * ({@link PolledReadPort}); Windows ports are returned as the binding opens them.
 */
export function polledReadBinding(): BindingInterface {
  const platform: BindingInterface = autoDetect();
  return {
    list: () => platform.list(),
    async open(options: OpenOptions): Promise<BindingPortInterface> {
      const port = await platform.open(options);
      return isUnixPort(port) ? new PolledReadPort(port) : port;
    },
  };
}
