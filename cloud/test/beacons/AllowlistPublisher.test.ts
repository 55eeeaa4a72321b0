import {
  type AllowlistedBeacon,
  type BeaconAllowlistCommand,
  decodeMessage,
  encodeMessage,
  filterFor,
  MAX_PAYLOAD_BYTES,
} from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignBeacons } from '../../src/beacons/AllowlistAssignment.js';
import { AllowlistPublisher, allowlistFor } from '../../src/beacons/AllowlistPublisher.js';
import { CloudPipeline, northOf } from './CloudPipeline.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const WEST = { lat: 43.65, lon: 3.54 };
const EAST = northOf(WEST, 300);

describe('allowlists pushed from the registry, retained', () => {
  const p = new CloudPipeline();
  let watcher: MqttClient;
  const seen: { gatewayId: string; command: BeaconAllowlistCommand; retain: boolean }[] = [];
  let publisher: AllowlistPublisher | null = null;
  const open = () =>
    new AllowlistPublisher({
      registry: p.fleet.registry,
      connection: () => ({ url: p.url, username: '', password: '' }),
      settleMs: 3_600_000,
      everyMs: 3_600_000,
      logger: p.logger,
    });
  /** Retained commands as a gateway connecting now would get them. */
  async function retained(): Promise<Map<string, BeaconAllowlistCommand>> {
    const c = await mqtt.connectAsync(p.url, { clientId: `gw-probe-${Date.now()}`, protocolVersion: 4 });
    const got = new Map<string, BeaconAllowlistCommand>();
    c.on('message', (topic, payload, packet) => {
      const r = decodeMessage(topic, payload);
      if (r.ok && packet.retain) got.set(r.topic.deviceId, r.message as BeaconAllowlistCommand);
    });
    await c.subscribeAsync(filterFor('allowlist'), { qos: 1 });
    await waitFor(() => got.size === 2, 10_000, 'both retained allowlists');
    await c.endAsync();
    return got;
  }

  beforeAll(async () => {
    p.register(
      [
        { id: 'gw-west', ...WEST },
        { id: 'gw-east', ...EAST },
      ],
      [
        { id: `ibeacon:${UUID}:1:1`, address: 'C0:FF:EE:00:00:01', ...northOf(WEST, 5) },
        { id: `ibeacon:${UUID}:1:2`, ...northOf(EAST, 5) },
      ],
      '2026-11-01T00:00:00.000Z',
    );
    await p.start();
    watcher = await mqtt.connectAsync(p.url, { clientId: 'allowlist-watcher', protocolVersion: 4 });
    watcher.on('message', (topic, payload, packet) => {
      const r = decodeMessage(topic, payload);
      if (r.ok) {
        seen.push({
          gatewayId: r.topic.deviceId,
          command: r.message as BeaconAllowlistCommand,
          retain: packet.retain,
        });
      }
    });
    await watcher.subscribeAsync(filterFor('allowlist'), { qos: 1 });
  });
  afterAll(async () => {
    await publisher?.stop();
    await watcher?.endAsync(true);
    await p.stop();
  });

  it('gives every registered gateway the registered beacons within its radius, retained, and only once', async () => {
    publisher = open();
    await publisher.start();
    const now = new Date('2026-11-28T07:00:00.000Z');
    expect(await publisher.sync(now)).toBe(2);
    expect(await publisher.sync(now)).toBe(0);
    const held = await retained();
    for (const gw of ['gw-west', 'gw-east'])
      expect(held.get(gw)?.version).toBe(Math.floor(now.getTime() / 1000));
    // 300 m apart: each lists the beacon 5 m from it, not the one by the other gateway
    expect(held.get('gw-west')?.beacons.map((b) => [b.beaconId, b.address])).toEqual([
      [`ibeacon:${UUID}:1:1`, 'C0:FF:EE:00:00:01'],
    ]);
    expect(held.get('gw-east')?.beacons.map((b) => [b.beaconId, b.address])).toEqual([
      [`ibeacon:${UUID}:1:2`, null],
    ]);
  });

  it('pushes a registry change with a higher version, and a restarted publisher pushes nothing new', async () => {
    const before = await retained();
    p.register([], [{ id: `ibeacon:${UUID}:1:3`, ...northOf(WEST, 8) }], '2026-11-28T08:00:00.000Z');
    // an older clock than the version in force: the version still goes up; only gw-west changes
    expect(await publisher?.sync(new Date('2026-11-01T00:00:00.000Z'))).toBe(1);
    const after = await retained();
    expect(after.get('gw-west')?.version).toBe((before.get('gw-west')?.version ?? 0) + 1);
    expect(after.get('gw-west')?.beacons).toHaveLength(2);
    expect(after.get('gw-east')).toEqual(before.get('gw-east'));

    await publisher?.stop();
    publisher = open();
    await publisher.start();
    await waitFor(() => publisher?.pushed.size === 2, 10_000, 'the retained allowlists read back');
    const count = seen.length;
    expect(await publisher.sync(new Date('2026-11-28T09:00:00.000Z'))).toBe(0);
    expect(seen.length).toBe(count);
  });
});

describe('assignBeacons', () => {
  const beacon = (n: number, at: { lat: number; lon: number }): AllowlistedBeacon => ({
    beaconId: `ibeacon:${UUID}:3:${n}`,
    address: null,
    name: `b${n}`,
    ...at,
  });
  const west = { gatewayId: 'gw-west', ...WEST };
  const east = { gatewayId: 'gw-east', ...EAST };

  it('lists a beacon on every gateway within the radius, and one beyond every radius on its nearest', () => {
    const near = beacon(1, northOf(WEST, 10));
    const between = beacon(2, northOf(WEST, 150)); // 150 m from each
    const far = beacon(3, northOf(EAST, 2000));
    const { lists, beyondReach } = assignBeacons([west, east], [near, between, far], 160);
    expect(lists.get('gw-west')?.map((b) => b.name)).toEqual(['b1', 'b2']);
    expect(lists.get('gw-east')?.map((b) => b.name)).toEqual(['b2', 'b3']);
    expect(beyondReach).toEqual([{ beaconId: far.beaconId, gatewayId: 'gw-east', distanceM: 2000 }]);
  });

  it('follows the radius: wide enough, every gateway lists every beacon', () => {
    const all = [beacon(1, northOf(WEST, 10)), beacon(2, northOf(EAST, 10))];
    const { lists } = assignBeacons([west, east], all, 1000);
    expect(lists.get('gw-west')).toEqual(all);
    expect(lists.get('gw-east')).toEqual(all);
  });

  it('gives a gateway with no beacon near it an empty list', () => {
    const { lists } = assignBeacons([west, east], [beacon(1, northOf(WEST, 10))], 150);
    expect(lists.get('gw-east')).toEqual([]);
  });
});

describe('allowlistFor', () => {
  it('keeps the nearest beacons within the command limits, sorted by id', () => {
    const gateway = { gatewayId: 'gw-1', ...WEST };
    const beacons: AllowlistedBeacon[] = Array.from({ length: 12_000 }, (_, i) => ({
      beaconId: `ibeacon:${UUID}:2:${i}`,
      address: null,
      name: `Beacon number ${i} of the Cosmo zone, shop front`,
      ...northOf(WEST, i),
    }));
    const kept = allowlistFor(gateway, beacons);
    expect(kept.length).toBeGreaterThan(1000);
    expect(kept.length).toBeLessThan(beacons.length);
    const farthestKept = Math.max(...kept.map((b) => Number(b.beaconId.split(':').at(-1))));
    expect(farthestKept).toBe(kept.length - 1); // the nearest, none skipped
    expect(kept.map((b) => b.beaconId)).toEqual(kept.map((b) => b.beaconId).sort());
    const bytes = encodeMessage('allowlist', {
      version: 1,
      issuedAt: '2026-11-28T07:00:00.000Z',
      beacons: kept,
    });
    expect(bytes.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
  });
});
