import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BeaconAllowlistCommand, GatewayConfigCommand } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCommand, RejectedCommand } from '../../src/mqtt/commands.js';
import { DeviceLink } from '../../src/mqtt/DeviceLink.js';
import { Outbox } from '../../src/outbox/Outbox.js';
import { type BrokerUnderTest, brokerBackends } from '../fixtures/broker-backends.js';

const silent = pino({ level: 'silent' });
const GW = 'gw-cosmo-3';
const CMD = `releve/v1/gateways/${GW}/cmd`;

for (const backend of await brokerBackends()) {
  describe.skipIf(!backend.available)(`commands to a device (${backend.name})`, () => {
    let broker: BrokerUnderTest;
    let dir: string;
    let cloud: MqttClient;
    let outbox: Outbox;
    let link: DeviceLink;
    const commands: DeviceCommand[] = [];
    const rejected: RejectedCommand[] = [];

    beforeAll(async () => {
      broker = await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'releve-cmd-'));
      cloud = await mqtt.connectAsync(broker.url, { clientId: 'cloud-cmd', protocolVersion: 4 });
    });
    afterAll(async () => {
      await link?.stop();
      outbox?.close();
      await cloud?.endAsync(true);
      await broker?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('receives a retained command published before the device ever connected', async () => {
      const config: GatewayConfigCommand = {
        version: 3,
        issuedAt: '2026-11-28T05:00:00.000Z',
        batchIntervalS: 15,
        footfall: { enabled: true, k: 5 },
      };
      await cloud.publishAsync(`${CMD}/config`, JSON.stringify(config), { qos: 1, retain: true });

      outbox = Outbox.open({ dataDir: dir, deviceId: GW, deviceClass: 'gateways', logger: silent });
      link = new DeviceLink({
        url: broker.url,
        deviceId: GW,
        deviceClass: 'gateways',
        outbox,
        logger: silent,
      });
      link.on('command', (c) => commands.push(c));
      link.on('commandRejected', (r) => rejected.push(r));
      link.start();
      await waitFor(() => commands.length === 1, 20_000, 'retained config');
      expect(commands[0]).toMatchObject({ kind: 'gatewayConfig', retained: true, message: config });
    });

    it('counts and reports invalid commands without crashing, and keeps taking valid ones', async () => {
      const bad: [string, string | Buffer][] = [
        [`${CMD}/config`, 'not json {'],
        [`${CMD}/allowlist`, JSON.stringify({ version: 0, beacons: 'none' })],
        [`${CMD}/reboot`, JSON.stringify({ version: 1 })],
        [`${CMD}/config`, Buffer.from([0xff, 0xfe, 0x00])],
      ];
      // One at a time: this is about validation, not about a burst to a persistent session
      // (which aedes with LevelDB does not deliver reliably, see `persistentSubscribers`).
      for (const [n, [topic, payload]] of bad.entries()) {
        await cloud.publishAsync(topic, payload, { qos: 1 });
        await waitFor(() => link.status().invalidCommands === n + 1, 20_000, `rejection ${n + 1}`);
      }
      expect(rejected.map((r) => r.code).sort()).toEqual(['not-json', 'not-json', 'schema', 'unknown-topic']);
      expect(link.state).toBe('connected');

      const allowlist: BeaconAllowlistCommand = {
        version: 1,
        issuedAt: '2026-11-28T05:01:00.000Z',
        beacons: [
          {
            beaconId: 'eddystone:0123456789abcdef0123:0000000000a1',
            address: 'C0:FF:EE:00:00:01',
            name: 'Cosmo — entrée nord',
            lat: 43.6512,
            lon: 3.5453,
          },
        ],
      };
      await cloud.publishAsync(`${CMD}/allowlist`, JSON.stringify(allowlist), { qos: 1, retain: true });
      await waitFor(() => commands.some((c) => c.kind === 'allowlist'), 20_000, 'allowlist');
      expect(commands.at(-1)).toMatchObject({ kind: 'allowlist', message: allowlist });
    });

    it('does not hand the same command version twice (retained copies after a resubscribe)', async () => {
      const before = commands.length;
      const staleBefore = link.status().staleCommands;
      const stale: GatewayConfigCommand = { version: 2, issuedAt: '2026-11-28T04:00:00.000Z' };
      await cloud.publishAsync(`${CMD}/config`, JSON.stringify(stale), { qos: 1 });
      await waitFor(() => link.status().staleCommands === staleBefore + 1, 20_000, 'stale version ignored');
      const newer: GatewayConfigCommand = {
        version: 4,
        issuedAt: '2026-11-28T06:00:00.000Z',
        batchIntervalS: 30,
      };
      await cloud.publishAsync(`${CMD}/config`, JSON.stringify(newer), { qos: 1 });
      await waitFor(() => commands.length > before, 20_000, 'newer config');
      expect(commands.slice(before).map((c) => c.message.version)).toEqual([4]);
    });
  });
}
