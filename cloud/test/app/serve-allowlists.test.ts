import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BeaconAllowlistCommand, decodeMessage, topicFor } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceAclSection } from '../../src/broker/AclSections.js';
import { formatPasswordHash, hashPassword } from '../../src/broker/PasswordHash.js';
import { CloudApp } from '../../src/CloudApp.js';
import { loadCloudConfig } from '../../src/config/CloudConfig.js';
import { importRegistry } from '../../src/registry/registryCommand.js';
import { northOf } from '../beacons/CloudPipeline.js';
import { Cleanup, tempDir, writeText } from '../broker/support.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const WEST = { lat: 43.65, lon: 3.54 };
const EAST = northOf(WEST, 400);
const id = (minor: number) => `ibeacon:${UUID}:1:${minor}`;
const SECRET = { 'gw-west': 'w3st-secret', 'gw-east': 'e4st-secret' };

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/** A gateway as the broker sees it: its own credentials and ACL, reading its own allowlist topic. */
class GatewayClient {
  readonly received: { command: BeaconAllowlistCommand; retain: boolean }[] = [];
  #client: MqttClient | null = null;

  constructor(readonly gatewayId: keyof typeof SECRET) {}

  async connect(url: string): Promise<void> {
    const c = await mqtt.connectAsync(url, {
      clientId: this.gatewayId,
      username: this.gatewayId,
      password: SECRET[this.gatewayId],
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    this.#client = c;
    cleanup.add(() => c.endAsync());
    c.on('message', (topic, payload, packet) => {
      const r = decodeMessage(topic, payload);
      if (r.ok) this.received.push({ command: r.message as BeaconAllowlistCommand, retain: packet.retain });
    });
    const granted = await c.subscribeAsync(topicFor('allowlist', this.gatewayId), { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
  }

  latest(): BeaconAllowlistCommand | undefined {
    return this.received.at(-1)?.command;
  }

  ids(): string[] {
    return this.latest()?.beacons.map((b) => b.beaconId) ?? [];
  }
}

/** `releve-cloud serve` (the real CloudApp) pushes each gateway its allowlist from the registry. */
describe('serve pushes the beacon allowlists', () => {
  let dir: string;
  let app: CloudApp;
  let url: string;
  const registry = (name: string, text: string) => writeText(dir, name, text);

  beforeAll(async () => {
    dir = cleanup.dir(tempDir('releve-allowlists-'));
    const passwd = await Promise.all(
      Object.entries(SECRET).map(async ([u, p]) => `${u}:${formatPasswordHash(await hashPassword(p))}`),
    );
    const passwordFile = writeText(dir, 'passwd', `${passwd.join('\n')}\n`);
    const aclFile = writeText(
      dir,
      'acl',
      `${deviceAclSection('gateway', 'gw-west')}\n\n${deviceAclSection('gateway', 'gw-east')}\n`,
    );
    const dataDir = join(dir, 'data');
    // the registry as an operator imports it, before the cloud starts
    await importRegistry(dataDir, {
      gateways: registry(
        'gateways.csv',
        `gateway_id;name;lat;lon\ngw-west;Ouest;${WEST.lat};${WEST.lon}\ngw-east;Est;${EAST.lat};${EAST.lon}\n`,
      ),
      beacons: registry(
        'beacons.csv',
        [
          'beacon_id;address;name;lat;lon',
          `${id(1)};C0:FF:EE:00:00:01;Boulangerie;${northOf(WEST, 5).lat};${WEST.lon}`,
          `${id(2)};;Pharmacie;${northOf(EAST, 5).lat};${EAST.lon}`,
        ].join('\n'),
      ),
    });
    const config = await loadCloudConfig(null, {
      dataDir,
      logLevel: 'silent',
      broker: { host: '127.0.0.1', port: 0, passwordFile, aclFile },
      http: { host: '127.0.0.1', port: 0 },
    });
    expect(config.beacons).toEqual({ pushAllowlists: true, allowlistRadiusM: 150 });
    app = new CloudApp(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
    await app.start();
    cleanup.add(() => app.stop());
    url = `mqtt://127.0.0.1:${app.broker.ports.mqtt}`;
  });

  it('gives a gateway that connects its retained allowlist: the registered beacons within 150 m of it', async () => {
    const west = new GatewayClient('gw-west');
    await west.connect(url);
    await waitFor(() => west.received.length > 0, 15_000, "gw-west's allowlist");
    expect(west.latest()?.beacons).toEqual([
      {
        beaconId: id(1),
        address: 'C0:FF:EE:00:00:01',
        name: 'Boulangerie',
        lat: northOf(WEST, 5).lat,
        lon: WEST.lon,
      },
    ]);
    // connecting again (as after a reboot) gets it from the broker, retained
    const again = new GatewayClient('gw-west');
    await again.connect(url);
    await waitFor(() => again.received.length > 0, 5_000, 'the retained allowlist');
    expect(again.received[0]?.retain).toBe(true);
    expect(again.ids()).toEqual([id(1)]);
  });

  it('pushes again after a registry import moves a beacon and adds one', async () => {
    const west = new GatewayClient('gw-west');
    const east = new GatewayClient('gw-east');
    await west.connect(url);
    await east.connect(url);
    await waitFor(() => west.received.length > 0 && east.received.length > 0, 15_000, 'both allowlists');
    expect(east.ids()).toEqual([id(2)]);
    const before = { west: west.latest()?.version ?? 0, east: east.latest()?.version ?? 0 };

    // another process (the registry import CLI) writes the store serve has open
    await importRegistry(join(dir, 'data'), {
      beacons: registry(
        'beacons-2.csv',
        [
          'beacon_id;address;name;lat;lon',
          `${id(2)};;Pharmacie;${northOf(WEST, 20).lat};${WEST.lon}`,
          `${id(3)};;Fleuriste;${northOf(WEST, 60).lat};${WEST.lon}`,
        ].join('\n'),
      ),
    });
    await waitFor(
      () => (west.latest()?.version ?? 0) > before.west && (east.latest()?.version ?? 0) > before.east,
      20_000,
      'new allowlists for both gateways',
    );
    expect(west.ids()).toEqual([id(1), id(2), id(3)]);
    expect(east.ids()).toEqual([]);
    expect(west.received.at(-1)?.retain).toBe(false); // live, to the connected gateway
  });
});

describe('serve with beacons.pushAllowlists false', () => {
  it('publishes no allowlist', async () => {
    const dir = cleanup.dir(tempDir('releve-allowlists-off-'));
    const dataDir = join(dir, 'data');
    writeFileSync(
      join(dir, 'gateways.csv'),
      `gateway_id;name;lat;lon\ngw-west;Ouest;${WEST.lat};${WEST.lon}\n`,
    );
    await importRegistry(dataDir, { gateways: join(dir, 'gateways.csv') });
    const config = await loadCloudConfig(null, {
      dataDir,
      logLevel: 'silent',
      broker: { host: '127.0.0.1', port: 0, allowAnonymous: true },
      http: { host: '127.0.0.1', port: 0 },
      beacons: { pushAllowlists: false },
    });
    const app = new CloudApp(config, pino({ level: 'silent' }));
    await app.start();
    cleanup.add(() => app.stop());
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.broker.ports.mqtt}`, {
      clientId: 'watcher',
      reconnectPeriod: 0,
    });
    cleanup.add(() => watcher.endAsync());
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync('releve/v1/gateways/+/cmd/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 3_000)); // past the publisher's 2 s settle time
    expect(seen).toEqual([]);
  });
});
