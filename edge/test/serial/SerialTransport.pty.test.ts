import { PtyDeviceLink } from '@releve/firmware-sim/pty/PtyDeviceLink';
import type { SerialDevice } from '@releve/firmware-sim/pty/SerialDevice';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../src/serial/SerialTransport.js';

const socat = await requireService(commandService('socat'));

/** A weighing-indicator-like device: streams a numbered line whenever asked with `?`. */
class LineDevice implements SerialDevice {
  readonly got: number[] = [];
  private n = 0;
  private readonly sinks = new Set<(b: Uint8Array) => void>();
  write(bytes: Uint8Array): void {
    this.got.push(...bytes);
    for (const b of bytes) if (b === 0x3f) this.say(`ST,GS,+${String(++this.n).padStart(7, '0')}kg\r\n`);
  }
  onData(listener: (b: Uint8Array) => void): () => void {
    this.sinks.add(listener);
    return () => this.sinks.delete(listener);
  }
  say(text: string): void {
    for (const s of this.sinks) s(Buffer.from(text, 'latin1'));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A line device on a socat pty and a transport on its tty, with the platform's bindings-cpp as in production. */
async function onPty(): Promise<{ device: LineDevice; link: PtyDeviceLink; transport: SerialTransport }> {
  const device = new LineDevice();
  const link = new PtyDeviceLink(device);
  cleanups.push(() => link.stop());
  const path = await link.start();
  const transport = new SerialTransport(
    { path, baudRate: 9600 },
    { logger: pino({ level: 'silent' }), reopen: { initialDelayMs: 50, maxDelayMs: 400 } },
  );
  cleanups.push(() => transport.stop());
  return { device, link, transport };
}

describe.skipIf(!socat)('SerialTransport with the real bindings-cpp on a socat pty', () => {
  it('opens the tty, exchanges bytes, survives the device vanishing and reopens when it is back', async () => {
    const { device, link, transport } = await onPty();
    let text = '';
    transport.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    transport.start();
    await transport.whenOpen();

    await transport.write(Buffer.from('??'));
    await waitFor(() => text.includes('+0000002kg\r\n'), 10_000, 'two lines');
    expect(text).toBe('ST,GS,+0000001kg\r\nST,GS,+0000002kg\r\n');
    expect(device.got).toEqual([0x3f, 0x3f]);

    const lost: Array<Error | null> = [];
    transport.on('lost', ({ cause }) => lost.push(cause));
    await link.unplug();
    await waitFor(() => transport.state === 'reopening', 10_000, 'the loss');
    expect(lost).toHaveLength(1);
    // Open attempts fail while the tty is gone.
    const failures: string[] = [];
    transport.on('open-failed', ({ cause }) => failures.push(cause.message));
    await waitFor(() => failures.length >= 1, 10_000, 'a failed reopen');

    await link.replug();
    await waitFor(() => transport.state === 'open', 10_000, 'the reopen');
    expect(transport.reopens).toBe(1);
    text = '';
    await transport.write(Buffer.from('?'));
    await waitFor(() => text.includes('\r\n'), 10_000, 'a line after the reopen');
    expect(text).toBe('ST,GS,+0000003kg\r\n');
  });
});

describe.skipIf(!socat)('SerialTransport reads on the event loop', () => {
  it('delivers a burst of lines whole and in order, and sees the hang-up from the read', async () => {
    const { device, link, transport } = await onPty();
    const chunks: string[] = [];
    transport.on('data', (chunk) => chunks.push(chunk.toString('latin1')));
    const lost: Array<Error | null> = [];
    transport.on('lost', ({ cause }) => lost.push(cause));
    transport.start();
    await transport.whenOpen();
    for (let i = 0; i < 50; i++) device.say(`line ${i}\r\n`);
    await waitFor(() => chunks.join('').includes('line 49\r\n'), 10_000, 'fifty lines');
    expect(chunks.join('')).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\r\n`).join(''));

    await link.unplug();
    await waitFor(() => lost.length === 1, 10_000, 'the loss');
    // The poller reports the hang-up (bindings-cpp's own read loop spins on 0-byte reads).
    expect(lost[0]).toBeInstanceOf(Error);
  });
});
