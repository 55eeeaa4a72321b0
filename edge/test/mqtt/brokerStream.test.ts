import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { waitFor } from '@releve/shared/testing/index';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerStreamBuilder } from '../../src/mqtt/brokerStream.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

describe('brokerStreamBuilder', () => {
  it('leaves WebSocket URLs to MQTT.js', () => {
    expect(brokerStreamBuilder('ws://broker.example:8080/mqtt')).toBeNull();
    expect(brokerStreamBuilder('wss://broker.example/mqtt')).toBeNull();
  });

  it('opens a TCP connection to the host and port of a mqtt:// or tcp:// URL, anew at each call', async () => {
    const server = createServer();
    const accepted: Socket[] = [];
    server.on('connection', (s) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => {
      for (const s of accepted) s.destroy();
      server.close();
    });
    const { port } = server.address() as { port: number };
    for (const scheme of ['mqtt', 'tcp']) {
      const build = brokerStreamBuilder(`${scheme}://127.0.0.1:${port}`);
      expect(build).not.toBeNull();
      const first = build?.();
      const second = build?.();
      closers.push(
        () => first?.destroy(),
        () => second?.destroy(),
      );
      await Promise.all([once(first as Socket, 'connect'), once(second as Socket, 'connect')]);
    }
    await waitFor(() => accepted.length === 4, 10_000, 'four connections accepted');
  });
});
