import { randomUUID } from 'node:crypto';
import { waitFor } from '@releve/shared/testing/index';
import type { IClientOptions } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup, collect, connectCollecting, connectOk } from './support.js';

/** Where the suite connects: a broker URL and options every client gets (credentials). */
export interface ContractTarget {
  url: string;
  options: IClientOptions;
}

/**
 * What the edge devices and the cloud services rely on from any MQTT 3.1.1 broker, written
 * once and run against several brokers (the embedded one and Mosquitto), as MQTT.js runs one
 * suite over its transports. Topics and client ids are unique per run so a shared broker
 * is not disturbed.
 */
export function mqttClientContract(name: string, target: () => ContractTarget): void {
  describe(`MQTT client contract: ${name}`, () => {
    const cleanup = new Cleanup();
    afterAll(() => cleanup.run());
    const run = randomUUID().slice(0, 8);
    const topic = (t: string) => `releve-contract/${run}/${t}`;
    const id = (t: string) => `rc-${run}-${t}`;
    const connect = async (o: IClientOptions = {}) => {
      const { url, options } = target();
      return cleanup.client(await connectOk(url, { ...options, ...o }));
    };

    it('connects with a clean session: CONNACK accepted, no session present', async () => {
      const { url, options } = target();
      let sessionPresent: boolean | null = null;
      const c = await connectOk(url, { ...options, clientId: id('c') }, (client) =>
        client.once('connect', (connack) => {
          sessionPresent = connack.sessionPresent;
        }),
      );
      cleanup.client(c);
      expect(c.connected).toBe(true);
      expect(sessionPresent).toBe(false);
    });

    it('round-trips a QoS 1 message with QoS 1', async () => {
      const sub = await connect({ clientId: id('q1s') });
      const got: { payload: string; qos: number }[] = [];
      sub.on('message', (_t, p, packet) => got.push({ payload: p.toString(), qos: packet.qos }));
      await sub.subscribeAsync(topic('qos1'), { qos: 1 });
      const pub = await connect({ clientId: id('q1p') });
      await pub.publishAsync(topic('qos1'), 'hello', { qos: 1 });
      await waitFor(() => got.length === 1);
      expect(got).toEqual([{ payload: 'hello', qos: 1 }]);
    });

    it('keeps a retained message for later subscribers and clears it with an empty payload', async () => {
      const pub = await connect({ clientId: id('rp') });
      await pub.publishAsync(topic('retained'), 'kept', { qos: 1, retain: true });
      const late = await connect({ clientId: id('rl') });
      const got = collect(late);
      await late.subscribeAsync(topic('retained'), { qos: 1 });
      await waitFor(() => got.length === 1);
      expect(got[0]).toMatchObject({ payload: 'kept', retain: true });
      await pub.publishAsync(topic('retained'), '', { qos: 1, retain: true });
      const later = await connect({ clientId: id('rl2') });
      const got2 = collect(later);
      await later.subscribeAsync(topic('retained'), { qos: 1 });
      // a marker published after the subscription proves the retained one would have come first
      await pub.publishAsync(topic('retained'), 'marker', { qos: 1 });
      await waitFor(() => got2.length >= 1);
      expect(got2.map((m) => m.payload)).toEqual(['marker']);
      await pub.publishAsync(topic('retained'), '', { qos: 1, retain: true });
    });

    it('publishes the last will when a client vanishes without DISCONNECT', async () => {
      const watcher = await connect({ clientId: id('ww') });
      const got = collect(watcher);
      await watcher.subscribeAsync(topic('will'), { qos: 1 });
      const mortal = await connect({
        clientId: id('wm'),
        will: { topic: topic('will'), payload: Buffer.from('lost'), qos: 1, retain: false },
      });
      mortal.stream.destroy(); // the network drops: no DISCONNECT
      await waitFor(() => got.length === 1, 20_000, 'the last will');
      expect(got[0]?.payload).toBe('lost');
    });

    it('queues QoS 1 messages for an offline persistent session and delivers them on return', async () => {
      const first = await connect({ clientId: id('ps'), clean: false });
      await first.subscribeAsync(topic('persistent'), { qos: 1 });
      await first.endAsync();
      const pub = await connect({ clientId: id('pp') });
      await pub.publishAsync(topic('persistent'), 'while away 1', { qos: 1 });
      await pub.publishAsync(topic('persistent'), 'while away 2', { qos: 1 });
      const { url, options } = target();
      const { client: back, got } = await connectCollecting(url, {
        ...options,
        clientId: id('ps'),
        clean: false,
      });
      cleanup.client(back);
      await waitFor(() => got.length === 2, 20_000, 'queued messages');
      expect(got.map((m) => m.payload)).toEqual(['while away 1', 'while away 2']);
      // end the session so a shared broker keeps nothing
      await back.endAsync();
      cleanup.client(await connectOk(url, { ...options, clientId: id('ps'), clean: true }));
    });
  });
}
