import { Duplex } from 'node:stream';
import { MqttFrameScanner, type ScanVerdict } from './MqttFrameScanner.js';

/** A refused packet: the verdict and the remote address, for the log. */
export type FrameViolation = Exclude<ScanVerdict, { ok: true }>;

/**
 * Wraps one client connection (TCP or TLS socket, WebSocket stream) and checks every MQTT
 * packet header on the way in (`MqttFrameScanner`). A packet over the size limit, or a
 * malformed length, destroys the connection before the broker buffers the body — aedes has
 * no size limit of its own for MQTT 3.1.1.
 */
export class GuardedConnection extends Duplex {
  private readonly scanner: MqttFrameScanner;

  constructor(
    private readonly inner: Duplex,
    maxPacketBytes: number,
    private readonly onViolation: (v: FrameViolation) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new MqttFrameScanner(maxPacketBytes);
    inner.on('data', (chunk: Buffer) => {
      const verdict = this.scanner.feed(chunk);
      if (!verdict.ok) {
        this.onViolation(verdict);
        const e = new Error(
          verdict.problem === 'oversize'
            ? `packet of ${verdict.sizeBytes} bytes over the limit of ${maxPacketBytes}`
            : `malformed packet: ${verdict.detail}`,
        );
        inner.destroy();
        this.destroy(e);
        return;
      }
      if (!this.push(chunk)) inner.pause();
    });
    inner.once('end', () => this.push(null));
    inner.on('error', (e: Error) => this.destroy(e));
    inner.once('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  /**
   * Packets the broker wrote in one tick — the PUBACKs of a committed ingest batch, a burst of
   * forwarded messages — go to the socket corked, so it sends them with one system call
   * (writev) instead of one each, and without copying them into one buffer. The stream calls
   * this when chunks waited (mqtt-packet corks each packet until the next tick).
   */
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    cb: (error?: Error | null) => void,
  ): void {
    const inner = this.inner;
    if (inner.destroyed) {
      cb(new Error('connection closed'));
      return;
    }
    inner.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = inner.write(chunk);
    inner.uncork();
    this.afterWrite(flowing, cb);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    const inner = this.inner;
    if (inner.destroyed) {
      cb(new Error('connection closed'));
      return;
    }
    this.afterWrite(inner.write(chunk), cb);
  }

  /** Done at once while the socket takes more, else on its drain (or failed on its close). */
  private afterWrite(flowing: boolean, cb: (error?: Error | null) => void): void {
    if (flowing) {
      cb();
      return;
    }
    const inner = this.inner;
    // wait for the socket to drain, or to close (then the write fails instead of hanging)
    const onDrain = () => {
      inner.off('close', onClose);
      cb();
    };
    const onClose = () => {
      inner.off('drain', onDrain);
      cb(new Error('connection closed'));
    };
    inner.once('drain', onDrain);
    inner.once('close', onClose);
  }

  override _final(cb: (error?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }
}
