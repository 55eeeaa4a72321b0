// npm run bench:serial — the truck's serial transport and Firmata lifter board on a real socat pty
// with the real bindings-cpp (and, for comparison, on MockBinding):
//   - throughput both ways through SerialTransport (a pty has no baud-rate limit: this is the
//     software overhead, not the line; 9600 baud is ~960 B/s, 57600 ~5.8 kB/s);
//   - time from the adapter coming back to the port open again;
//   - Firmata handshake time (johnny-five + firmata.js ↔ FirmataBoardSim);
//   - lifter latency: sensor level change on the board → debounced LifterEvent (debounce included).
// Needs socat. Prints figures; asserts nothing.
import { FirmataBoardSim } from '../firmware-sim/src/firmata/FirmataBoardSim.js';
import { MockDeviceBinding } from '../firmware-sim/src/pty/MockDeviceBinding.js';
import { PtyDeviceLink } from '../firmware-sim/src/pty/PtyDeviceLink.js';
import type { SerialDevice } from '../firmware-sim/src/pty/SerialDevice.js';
import { pino } from 'pino';
import { LifterBoard } from '../edge/src/firmata/LifterBoard.js';
import { SerialTransport } from '../edge/src/serial/SerialTransport.js';

const logger = pino({ level: 'silent' });
const MB = 1024 * 1024;

/** Counts what the host sends; streams `size` bytes to the host on demand. */
class BulkDevice implements SerialDevice {
  received = 0;
  private readonly sinks = new Set<(b: Uint8Array) => void>();
  write(bytes: Uint8Array): void {
    this.received += bytes.length;
  }
  onData(listener: (b: Uint8Array) => void): () => void {
    this.sinks.add(listener);
    return () => this.sinks.delete(listener);
  }
  stream(size: number, chunk = 4096): void {
    const block = new Uint8Array(chunk).fill(0x55);
    for (let sent = 0; sent < size; sent += chunk)
      for (const s of this.sinks) s(block.subarray(0, Math.min(chunk, size - sent)));
  }
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('bench step timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function transportFigures(): Promise<void> {
  const device = new BulkDevice();
  const link = new PtyDeviceLink(device);
  const path = await link.start();
  const transport = new SerialTransport(
    { path, baudRate: 115200 },
    { logger, reopen: { initialDelayMs: 50, maxDelayMs: 1000, jitter: 0 } },
  );
  let got = 0;
  transport.on('data', (c) => {
    got += c.length;
  });
  transport.start();
  await transport.whenOpen();

  const size = 4 * MB;
  let t0 = performance.now();
  const block = Buffer.alloc(4096, 0xaa);
  for (let sent = 0; sent < size; sent += block.length) await transport.write(block);
  await until(() => device.received >= size);
  const hostToDevice = size / MB / ((performance.now() - t0) / 1000);

  t0 = performance.now();
  device.stream(size);
  await until(() => got >= size);
  const deviceToHost = size / MB / ((performance.now() - t0) / 1000);

  const reopenMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    await link.unplug();
    await until(() => transport.state === 'reopening');
    const t = performance.now();
    await link.replug();
    await transport.whenOpen();
    reopenMs.push(performance.now() - t);
  }
  await transport.stop();
  await link.stop();
  console.log(`SerialTransport on a socat pty (bindings-cpp), 4 MiB each way in 4 KiB writes:`);
  console.log(
    `  host → device ${hostToDevice.toFixed(1)} MiB/s, device → host ${deviceToHost.toFixed(1)} MiB/s`,
  );
  console.log(
    `  adapter back → port open again: ${reopenMs.map((m) => m.toFixed(0)).join(', ')} ms (backoff first step 50 ms, no jitter)`,
  );
}

async function lifterFigures(kind: 'mock' | 'pty', runs: number): Promise<void> {
  const handshakes: number[] = [];
  const latencies: number[] = [];
  for (let run = 0; run < runs; run++) {
    const sim = new FirmataBoardSim();
    let path: string;
    let transport: SerialTransport;
    let link: PtyDeviceLink | undefined;
    if (kind === 'mock') {
      path = `/dev/ttyBENCH${run}`;
      const binding = new MockDeviceBinding();
      binding.plug(path, sim);
      transport = new SerialTransport({ path, baudRate: 57600 }, { binding, logger });
    } else {
      link = new PtyDeviceLink(sim);
      path = await link.start();
      transport = new SerialTransport({ path, baudRate: 57600 }, { logger });
    }
    const lifter = new LifterBoard(transport, { versionQueryDelayMs: kind === 'pty' ? 0 : 2000 }, { logger });
    let events = 0;
    let lastEventAt = 0;
    lifter.on('lifter', () => {
      events += 1;
      lastEventAt = performance.now();
    });
    transport.start();
    await transport.whenOpen();
    const t0 = performance.now();
    await lifter.start();
    handshakes.push(performance.now() - t0);
    await until(() => lifter.sensors.clampClosed === false);
    for (let i = 0; i < 20; i++) {
      const before = events;
      const t = performance.now();
      sim.setDigital(lifter.settings.clamp.pin, i % 2 === 0 ? 1 : 0);
      await until(() => events > before);
      latencies.push(lastEventAt - t);
    }
    await lifter.stop();
    await transport.stop();
    sim.stop();
    await link?.stop();
  }
  handshakes.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const label = kind === 'mock' ? 'MockBinding' : 'socat pty (bindings-cpp), version asked at once';
  console.log(`LifterBoard (johnny-five ↔ FirmataBoardSim) on ${label}, ${runs} runs:`);
  console.log(
    `  handshake p50 ${pct(handshakes, 50).toFixed(0)} ms, max ${pct(handshakes, 100).toFixed(0)} ms`,
  );
  console.log(
    `  sensor edge → LifterEvent (debounce 30 ms included), ${latencies.length} edges: p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms`,
  );
}

await transportFigures();
await lifterFigures('mock', 5);
await lifterFigures('pty', 5);
