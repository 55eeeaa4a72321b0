import {
  type AllowlistedBeacon,
  type BeaconAllowlistCommand,
  decodeMessage,
  encodeMessage,
  filterFor,
  MAX_PAYLOAD_BYTES,
  topicFor,
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
  /** Topics a zero-length payload (a clear) arrived on, live. */
  const cleared: string[] = [];
  let publisher: AllowlistPublisher | null = null;
  const open = () =>
    new AllowlistPublisher({
      registry: p.fleet.registry,
      connection: () => ({ url: p.url, username: '', password: '' }),
      settleMs: 3_600_000,
      everyMs: 3_600_000,
      logger: p.logger,
    });
  /**
   * Retained commands as a gateway connecting now would get them: waits for those of
   * `expected`, then a little longer for any other (which the caller's checks would see).
   */
  async function retained(
    expected: string[] = ['gw-west', 'gw-east'],
  ): Promise<Map<string, BeaconAllowlistCommand | 'empty'>> {
    const c = await mqtt.connectAsync(p.url, { clientId: `gw-probe-${Date.now()}`, protocolVersion: 4 });
    const got = new Map<string, BeaconAllowlistCommand | 'empty'>();
    c.on('message', (topic, payload, packet) => {
      if (!packet.retain) return;
      const r = decodeMessage(topic, payload);
      if (r.ok) got.set(r.topic.deviceId, r.message as BeaconAllowlistCommand);
      else got.set(topic, 'empty'); // a retained message that is not a command would fail the test
    });
    await c.subscribeAsync(filterFor('allowlist'), { qos: 1 });
    await waitFor(() => expected.every((g) => got.has(g)), 10_000, `retained allowlists of ${expected}`);
    await new Promise((r) => setTimeout(r, 300));
    await c.endAsync();
    return got;
  }
  const version = (held: BeaconAllowlistCommand | 'empty' | undefined) =>
    held === 'empty' ? undefined : held?.version;
  const beaconsOf = (held: BeaconAllowlistCommand | 'empty' | undefined) =>
    held === 'empty' ? undefined : held?.beacons;

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
      if (payload.length === 0) cleared.push(topic);
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
    expect([...held.keys()].sort()).toEqual(['gw-east', 'gw-west']);
    for (const gw of ['gw-west', 'gw-east'])
      expect(version(held.get(gw))).toBe(Math.floor(now.getTime() / 1000));
    // 300 m apart: each lists the beacon 5 m from it, not the one by the other gateway
    expect(beaconsOf(held.get('gw-west'))?.map((b) => [b.beaconId, b.address])).toEqual([
      [`ibeacon:${UUID}:1:1`, 'C0:FF:EE:00:00:01'],
    ]);
    expect(beaconsOf(held.get('gw-east'))?.map((b) => [b.beaconId, b.address])).toEqual([
      [`ibeacon:${UUID}:1:2`, null],
    ]);
  });

  it('pushes a registry change with a higher version, and a restarted publisher pushes nothing new', async () => {
    const before = await retained();
    p.register([], [{ id: `ibeacon:${UUID}:1:3`, ...northOf(WEST, 8) }], '2026-11-28T08:00:00.000Z');
    // an older clock than the version in force: the version still goes up; only gw-west changes
    expect(await publisher?.sync(new Date('2026-11-01T00:00:00.000Z'))).toBe(1);
    const after = await retained();
    expect(version(after.get('gw-west'))).toBe((version(before.get('gw-west')) ?? 0) + 1);
    expect(beaconsOf(after.get('gw-west'))).toHaveLength(2);
    expect(after.get('gw-east')).toEqual(before.get('gw-east'));

    await publisher?.stop();
    publisher = open();
    await publisher.start();
    await waitFor(() => publisher?.pushed.size === 2, 10_000, 'the retained allowlists read back');
    const count = seen.length;
    expect(await publisher.sync(new Date('2026-11-28T09:00:00.000Z'))).toBe(0);
    expect(seen.length).toBe(count);
  });

  it('clears the retained allowlist of a gateway removed from the registry, and at start one of a gateway not in it', async () => {
    const before = await retained();
    // gw-east decommissioned with its beacon, rows deleted by hand (an import only adds or updates)
    p.store.db.prepare('DELETE FROM gateways WHERE gateway_id = ?').run('gw-east');
    p.store.db.prepare('DELETE FROM beacons WHERE beacon_id = ?').run(`ibeacon:${UUID}:1:2`);
    const count = seen.length;
    expect(await publisher?.sync(new Date('2026-11-28T10:00:00.000Z'))).toBe(1);
    expect([...(publisher?.pushed.keys() ?? [])]).toEqual(['gw-west']);
    await waitFor(() => cleared.length === 1, 5_000, 'the clear, live');
    expect(cleared).toEqual([topicFor('allowlist', 'gw-east')]);
    expect(seen.length).toBe(count); // gw-west is not pushed again
    // a gateway connecting now gets nothing retained for gw-east; gw-west keeps its allowlist
    const after = await retained(['gw-west']);
    expect([...after.keys()]).toEqual(['gw-west']);
    expect(after.get('gw-west')).toEqual(before.get('gw-west'));

    // a retained allowlist of a gateway not in the registry, found at start (left from before
    // the registry lost it, or published by hand)
    await publisher?.stop();
    const hand = await mqtt.connectAsync(p.url, { clientId: 'operator-tool', protocolVersion: 4 });
    const stray: BeaconAllowlistCommand = { version: 7, issuedAt: '2026-11-01T00:00:00.000Z', beacons: [] };
    await hand.publishAsync(topicFor('allowlist', 'gw-gone'), encodeMessage('allowlist', stray), {
      qos: 1,
      retain: true,
    });
    await hand.endAsync();
    publisher = open();
    await publisher.start();
    await waitFor(() => publisher?.pushed.size === 2, 10_000, 'the retained allowlists read back');
    expect(await publisher.sync(new Date('2026-11-28T11:00:00.000Z'))).toBe(1);
    await waitFor(() => cleared.length === 2, 5_000, 'the second clear, live');
    expect(cleared[1]).toBe(topicFor('allowlist', 'gw-gone'));
    expect([...(await retained(['gw-west'])).keys()]).toEqual(['gw-west']);

    // restarted again: only gw-west's is read back, and nothing is published
    await publisher.stop();
    publisher = open();
    await publisher.start();
    await waitFor(() => publisher?.pushed.has('gw-west') === true, 10_000, "gw-west's allowlist read back");
    await new Promise((r) => setTimeout(r, 300));
    const published = seen.length + cleared.length;
    expect(await publisher.sync(new Date('2026-11-28T12:00:00.000Z'))).toBe(0);
    expect([...publisher.pushed.keys()]).toEqual(['gw-west']);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length + cleared.length).toBe(published);

    // a registered gateway's allowlist cleared by hand is pushed again
    const tool = await mqtt.connectAsync(p.url, { clientId: 'operator-tool-2', protocolVersion: 4 });
    await tool.publishAsync(topicFor('allowlist', 'gw-west'), Buffer.alloc(0), { qos: 1, retain: true });
    await tool.endAsync();
    await waitFor(() => publisher?.pushed.size === 0, 5_000, 'the clear seen by the publisher');
    expect(await publisher.sync(new Date('2026-11-28T13:00:00.000Z'))).toBe(1);
    expect(beaconsOf((await retained(['gw-west'])).get('gw-west'))).toHaveLength(2);
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
