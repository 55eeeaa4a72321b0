import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineState } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerUnderTest, brokerBackends } from '../fixtures/broker-backends.js';
import { DeviceProcess } from './fixtures/spawn-device.js';

const TRUCK = 'truck-will';
const TOPIC = `releve/v1/trucks/${TRUCK}/online`;

/** The retained online state a fresh subscriber gets, as the cloud would see it after a restart. */
async function retainedState(url: string): Promise<OnlineState> {
  const client = await mqtt.connectAsync(url, { clean: true, protocolVersion: 4, reconnectPeriod: 0 });
  try {
    const got = new Promise<OnlineState>((resolve) =>
      client.on('message', (topic, payload, packet) => {
        if (topic === TOPIC && packet.retain) resolve(OnlineState.parse(JSON.parse(payload.toString())));
      }),
    );
    await client.subscribeAsync(TOPIC, { qos: 1 });
    return await got;
  } finally {
    await client.endAsync(true);
  }
}

for (const backend of await brokerBackends()) {
  describe.skipIf(!backend.available)(`online state and last will (${backend.name})`, () => {
    let broker: BrokerUnderTest;
    let dir: string;
    let watcher: MqttClient;
    const states: OnlineState[] = [];

    beforeAll(async () => {
      broker = await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'releve-will-'));
      watcher = await mqtt.connectAsync(broker.url, { clean: true, protocolVersion: 4 });
      watcher.on('message', (_t, payload) => states.push(OnlineState.parse(JSON.parse(payload.toString()))));
      await watcher.subscribeAsync(TOPIC, { qos: 1 });
    });
    afterAll(async () => {
      await watcher?.endAsync(true);
      await broker?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const env = () => ({ DATA_DIR: dir, BROKER_URL: broker.url, DEVICE_ID: TRUCK, PLAN_SIZE: '0' });
    const stateIs = (state: string, cause: string) => () =>
      states.length > 0 && states.at(-1)?.state === state && states.at(-1)?.cause === cause;

    it('publishes online at connect, the broker publishes offline/lost when the process is killed', async () => {
      const device = DeviceProcess.start(env());
      await waitFor(stateIs('online', 'connected'), 30_000, 'online/connected');
      await device.signal('SIGKILL');
      await waitFor(stateIs('offline', 'lost'), 30_000, 'offline/lost from the will');
      const retained = await retainedState(broker.url);
      expect(retained).toMatchObject({ deviceId: TRUCK, state: 'offline', cause: 'lost' });
    });

    it('publishes offline/shutdown at a clean stop, and no will follows', async () => {
      const device = DeviceProcess.start(env());
      await waitFor(stateIs('online', 'connected'), 30_000, 'online/connected');
      const onlineAt = states.length;
      expect(await device.signal('SIGTERM')).toBe(0);
      await waitFor(stateIs('offline', 'shutdown'), 30_000, 'offline/shutdown');
      expect(await retainedState(broker.url)).toMatchObject({ state: 'offline', cause: 'shutdown' });
      // The broker dropped the will at the clean DISCONNECT: nothing but the shutdown state came.
      expect(states.slice(onlineAt).map((s) => s.cause)).toEqual(['shutdown']);
    });
  });
}
