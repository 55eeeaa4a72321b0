import { MockDeviceBinding } from '@releve/firmware-sim/pty/MockDeviceBinding';
import type { SerialDevice } from '@releve/firmware-sim/pty/SerialDevice';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeError, EdgeErrorCode } from '../../src/errors.js';
import { SerialTransport, type SerialTransportState } from '../../src/serial/SerialTransport.js';

/** A device that answers every command line `PING n` with `PONG n`, and can chatter on its own. */
class PingDevice implements SerialDevice {
  readonly received: number[] = [];
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  private pending = '';

  write(bytes: Uint8Array): void {
    this.received.push(...bytes);
    this.pending += Buffer.from(bytes).toString('latin1');
    for (let i = this.pending.indexOf('\n'); i >= 0; i = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, i);
      this.pending = this.pending.slice(i + 1);
      if (line.startsWith('PING ')) this.send(`PONG ${line.slice(5)}\n`);
    }
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(text: string): void {
    for (const l of this.listeners) l(Buffer.from(text, 'latin1'));
  }
}

const silent = pino({ level: 'silent' });
let seq = 0;
const started: SerialTransport[] = [];

function setup(reopen = { initialDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0.3 }) {
  const path = `/dev/ttyMOCK-serial-${process.pid}-${++seq}`;
  const binding = new MockDeviceBinding();
  const device = new PingDevice();
  binding.plug(path, device);
  const transport = new SerialTransport({ path, baudRate: 9600 }, { binding, reopen, logger: silent });
  const received: Buffer[] = [];
  const states: SerialTransportState[] = [];
  transport.on('data', (chunk) => received.push(chunk));
  transport.on('state', (s) => states.push(s));
  started.push(transport);
  const text = () => Buffer.concat(received).toString('latin1');
  return { path, binding, device, transport, received, states, text };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()));
});

describe('SerialTransport over MockBinding', () => {
  it('applies 9600 8N1 defaults and passes data both ways', async () => {
    const { transport, device, text } = setup();
    expect(transport.settings).toMatchObject({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    transport.start();
    await transport.whenOpen();
    expect(transport.state).toBe('open');

    await transport.write(Buffer.from('PING 1\nPING 2\n'));
    await waitFor(() => text().includes('PONG 2\n'), 10_000, 'the device answers');
    expect(text()).toBe('PONG 1\nPONG 2\n');
    expect(Buffer.from(device.received).toString('latin1')).toBe('PING 1\nPING 2\n');

    device.send('unsolicited\n');
    await waitFor(() => text().endsWith('unsolicited\n'), 10_000, 'device chatter');
  });

  it('rejects writes with a port-closed error while the port is not open', async () => {
    const { transport } = setup();
    const err = await transport.write(Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe(EdgeErrorCode.PortClosed);
  });

  it('keeps retrying with growing, capped delays while the device is missing at start', async () => {
    const { transport, binding, path } = setup({ initialDelayMs: 10, maxDelayMs: 80, factor: 2, jitter: 0 });
    binding.unplug(path);
    const delays: number[] = [];
    transport.on('open-failed', ({ retryInMs }) => delays.push(retryInMs));
    transport.start();
    await waitFor(() => delays.length >= 6, 20_000, 'six failed attempts');
    expect(transport.state).toBe('reopening');
    expect(delays.slice(0, 6)).toEqual([10, 20, 40, 80, 80, 80]);
    binding.replug(path);
    await transport.whenOpen();
    expect(transport.reopens).toBe(0);
  });

  it('survives the adapter vanishing and coming back: lost, reopening with backoff, open, data again', async () => {
    const { transport, binding, path, states, text } = setup();
    const lost: Array<Error | null> = [];
    const failures: number[] = [];
    transport.on('lost', ({ cause }) => lost.push(cause));
    transport.on('open-failed', ({ attempt }) => failures.push(attempt));
    transport.start();
    await transport.whenOpen();
    await transport.write(Buffer.from('PING a\n'));
    await waitFor(() => text().includes('PONG a\n'), 10_000, 'first answer');

    binding.unplug(path);
    await waitFor(() => lost.length === 1, 10_000, 'the loss to be seen');
    expect(lost[0]?.message).toMatch(/unplugged/);
    await waitFor(() => failures.length >= 2, 10_000, 'reopen attempts to fail while unplugged');
    expect(transport.state).toBe('reopening');
    const writeWhileGone = await transport.write(Buffer.from('PING lost\n')).catch((e: unknown) => e);
    expect((writeWhileGone as EdgeError).code).toBe(EdgeErrorCode.PortClosed);

    binding.replug(path);
    await waitFor(() => transport.state === 'open', 10_000, 'the reopen');
    expect(transport.reopens).toBe(1);
    await transport.write(Buffer.from('PING b\n'));
    await waitFor(() => text().includes('PONG b\n'), 10_000, 'an answer after the reopen');
    expect(text()).not.toContain('PONG lost');
    expect(states).toEqual(['opening', 'open', 'reopening', 'open']);

    // A second loss reopens again: the count grows.
    binding.unplug(path);
    await waitFor(() => transport.state === 'reopening', 10_000, 'second loss');
    binding.replug(path);
    await waitFor(() => transport.state === 'open', 10_000, 'second reopen');
    expect(transport.reopens).toBe(2);
  });

  it('whenOpen() rejects with port-closed when the transport is stopped before the device appears', async () => {
    const { transport, binding, path } = setup();
    binding.unplug(path);
    transport.start();
    const waiting = transport.whenOpen().catch((e: unknown) => e);
    await transport.stop();
    const err = await waiting;
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe(EdgeErrorCode.PortClosed);
  });

  it('stop() cancels a pending reopen and leaves no timer behind', async () => {
    const { transport, binding, path } = setup({
      initialDelayMs: 5_000,
      maxDelayMs: 5_000,
      factor: 1,
      jitter: 0,
    });
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    transport.start();
    await transport.whenOpen();
    binding.unplug(path);
    await waitFor(() => transport.state === 'reopening', 10_000, 'the loss');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeGreaterThan(
      timersBefore,
    );
    await transport.stop();
    expect(transport.state).toBe('closed');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(timersBefore);
    binding.replug(path);
  });
});
