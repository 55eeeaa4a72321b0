import { type BeaconAllowlistCommand, decodeMessage } from '@releve/shared';
import { SimulatedBeacon } from '@releve/firmware-sim/beacons/index';
import { waitFor } from '@releve/shared/testing/index';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeviceLink } from '../../src/mqtt/DeviceLink.js';
import { brokerBackends } from '../fixtures/broker-backends.js';
import { EventCollector } from '../mqtt/fixtures/collector.js';
import { allowed, GATEWAY_ID, GatewayHarness } from './harness.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const IB = `ibeacon:${UUID}:1:1`;

for (const backend of await brokerBackends()) {
  describe.skipIf(!backend.available)(`gateway over MQTT (${backend.name})`, () => {
    it('takes the retained allowlist from the broker, keeps it, and publishes valid sightings', async () => {
      const broker = await backend.start();
      const h = new GatewayHarness();
      const cloud = await mqtt.connectAsync(broker.url, { clientId: 'cloud-allowlist', protocolVersion: 4 });
      const collector = await EventCollector.connect(broker.url, `releve/v1/gateways/${GATEWAY_ID}/+`);
      const link = new DeviceLink({
        url: broker.url,
        deviceId: GATEWAY_ID,
        deviceClass: 'gateways',
        outbox: h.outbox,
        logger: pino({ level: 'silent' }),
      });
      try {
        const allowlist: BeaconAllowlistCommand = {
          version: 4,
          issuedAt: '2026-11-28T07:00:00.000Z',
          beacons: [allowed(IB, 'C0:FF:EE:00:00:01')],
        };
        await cloud.publishAsync(
          `releve/v1/gateways/${GATEWAY_ID}/cmd/allowlist`,
          JSON.stringify(allowlist),
          {
            qos: 1,
            retain: true,
          },
        );
        link.on('command', (c) => {
          if (c.kind === 'allowlist' || c.kind === 'gatewayConfig') h.gateway.applyCommand(c);
        });
        link.start();
        await waitFor(() => h.gateway.allowlist.version === 4, 20_000, 'the retained allowlist');
        h.field.addBeacon(
          new SimulatedBeacon({
            address: 'C0:FF:EE:00:00:01',
            identity: { ibeacon: { uuid: UUID, major: 1, minor: 1 } },
          }),
        );
        await h.start();
        await h.run(30_000);
        // Scanning starts through noble's binding on real timers: on a busy machine the
        // first virtual seconds may pass before it runs. Keep the virtual clock going (in
        // real time) until three batches have come through the broker.
        const sightingsSeen = () => collector.firsts.filter((d) => d.topic.endsWith('/sightings')).length;
        for (const until = Date.now() + 20_000; sightingsSeen() < 3 && Date.now() < until; ) {
          await h.run(1_000);
          await new Promise((r) => setTimeout(r, 50));
        }
        const sightings = await waitFor(
          () => {
            const s = collector.firsts.filter((d) => d.topic.endsWith('/sightings'));
            return s.length >= 3 ? s : null;
          },
          20_000,
          'three sightings batches',
        );
        for (const d of collector.firsts) {
          const r = decodeMessage(d.topic, JSON.stringify(d.message));
          expect(r.ok).toBe(true);
        }
        const beacons = sightings.at(-1)?.message.beacons as { beaconId: string }[];
        expect(beacons.map((b) => b.beaconId)).toEqual([IB]);
        await waitFor(() => h.outbox.backlog() === 0, 20_000, 'the outbox to drain');
      } finally {
        await h.stop();
        await link.stop();
        await collector.close();
        await cloud.endAsync(true);
        await broker.dispose();
      }
      // Restart offline: the allowlist is read back from disk.
      const again = new GatewayHarness({ dataDir: h.dataDir });
      expect(again.gateway.allowlist.version).toBe(4);
      await again.stop();
      h.cleanup();
    }, 90_000);
  });
}
