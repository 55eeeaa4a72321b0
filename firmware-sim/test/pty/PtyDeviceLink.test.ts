import { existsSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyDeviceLink } from '../../src/pty/PtyDeviceLink.js';
import type { SerialDevice } from '../../src/pty/SerialDevice.js';

const socat = await requireService(commandService('socat'));

/** Answers every byte with the byte + 1, and records what it got. */
class IncrementDevice implements SerialDevice {
  readonly got: number[] = [];
  private readonly sinks = new Set<(b: Uint8Array) => void>();
  write(bytes: Uint8Array): void {
    this.got.push(...bytes);
    const reply = Uint8Array.from(bytes, (b) => (b + 1) & 0xff);
    for (const s of this.sinks) s(reply);
  }
  onData(listener: (b: Uint8Array) => void): () => void {
    this.sinks.add(listener);
    return () => this.sinks.delete(listener);
  }
}

const links: PtyDeviceLink[] = [];
const ports: SerialPort[] = [];
afterEach(async () => {
  for (const p of ports.splice(0)) if (p.isOpen) await new Promise((r) => p.close(r));
  await Promise.all(links.splice(0).map((l) => l.stop()));
});

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 9600 }, (err) => (err ? reject(err) : resolve(port)));
    ports.push(port);
  });
}

describe.skipIf(!socat)('PtyDeviceLink (socat)', () => {
  it('puts a device on a real tty that the real serialport bindings open; bytes go both ways, binary-clean', async () => {
    const device = new IncrementDevice();
    const link = new PtyDeviceLink(device);
    links.push(link);
    const path = await link.start();
    expect(realpathSync(path)).toMatch(/^\/dev\/pts\/\d+$/);

    const port = await openPort(path);
    const got: number[] = [];
    port.on('data', (chunk: Buffer) => got.push(...chunk));
    // Every byte value, including the ones a cooked tty would eat (0x03, 0x0a, 0x0d, 0x11, 0x13, 0x7f).
    const all = Array.from({ length: 256 }, (_, i) => i);
    port.write(Buffer.from(all));
    await waitFor(() => got.length >= 256, 10_000, 'the 256 answers');
    expect(device.got).toEqual(all);
    expect(got).toEqual(all.map((b) => (b + 1) & 0xff));
  });

  it('unplug removes the tty and hangs up the host (writes fail); replug brings it back at the same path', async () => {
    const device = new IncrementDevice();
    const link = new PtyDeviceLink(device);
    links.push(link);
    const path = await link.start();
    const port = await openPort(path);
    const closed = new Promise<unknown>((resolve) => port.once('close', resolve));

    await link.unplug();
    expect(link.isUp).toBe(false);
    expect(existsSync(path)).toBe(false);
    // The kernel hangs the slave up: reads see EOF (which bindings-cpp does not report), writes
    // fail with EIO, which SerialPortStream turns into a disconnect.
    const errors: NodeJS.ErrnoException[] = [];
    port.on('error', (e: NodeJS.ErrnoException) => errors.push(e));
    port.write(Buffer.of(0x00));
    await closed;
    await waitFor(() => errors.length > 0, 10_000, 'the write error');
    expect(errors[0]?.code).toBe('EIO');
    expect(port.isOpen).toBe(false);

    expect(await link.replug()).toBe(path);
    const again = await openPort(path);
    const got: number[] = [];
    again.on('data', (chunk: Buffer) => got.push(...chunk));
    again.write(Buffer.of(0x41));
    await waitFor(() => got.length === 1, 10_000, 'an answer after the replug');
    expect(got).toEqual([0x42]);
  });

  it('stop() ends socat and removes its temp dir', async () => {
    const link = new PtyDeviceLink(new IncrementDevice());
    const path = await link.start();
    const dir = dirname(path);
    await link.stop();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(link.isUp).toBe(false);
  });
});
