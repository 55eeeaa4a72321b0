import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLink } from '../../src/mqtt/DeviceLink.js';
import { Outbox } from '../../src/outbox/Outbox.js';
import { liftDraft } from '../outbox/drafts.js';
import { type BrokerUnderTest, brokerBackends } from '../fixtures/broker-backends.js';
import { EventCollector } from './fixtures/collector.js';

const silent = pino({ level: 'silent' });
const TRUCK = 'truck-restart';
const EVENTS = 4000;

/**
 * The broker goes away while the link is draining at full speed, with a window of publishes in
 * flight: those stay in MQTT.js's outgoing store across the reconnect (the link hands the store
 * back) and are re-sent first, so nothing is lost and first copies stay in sequence order.
 */
// The cloud-side subscriber keeps its session across broker restarts: see `persistentSubscribers`.
for (const backend of (await brokerBackends()).filter((b) => b.persistentSubscribers)) {
  describe.skipIf(!backend.available)(`broker restarts mid-drain (${backend.name})`, () => {
    let broker: BrokerUnderTest;
    let dir: string;
    let sub: EventCollector;
    let outbox: Outbox;
    let link: DeviceLink;

    beforeAll(async () => {
      broker = await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'releve-restart-'));
      sub = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/lifts`);
      outbox = Outbox.open({ dataDir: dir, deviceId: TRUCK, deviceClass: 'trucks', logger: silent });
      link = new DeviceLink({
        url: broker.url,
        deviceId: TRUCK,
        deviceClass: 'trucks',
        outbox,
        logger: silent,
        window: 32,
        backoff: { initialMs: 50, maxMs: 300 },
      });
    });
    afterAll(async () => {
      await link?.stop();
      outbox?.close();
      await sub?.close();
      await broker?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('loses nothing and keeps order when the broker restarts three times during a drain', async () => {
      const ids: string[] = [];
      for (let i = 0; i < EVENTS; i++) ids.push(outbox.enqueue('lift', liftDraft(TRUCK, i)).id);
      link.start();
      let inFlightAtStop = 0;
      for (const at of [500, 1500, 2500]) {
        await waitFor(() => link.status().acked >= at, 60_000, `${at} acked`);
        inFlightAtStop += link.status().inFlight;
        await broker.stop();
        await waitFor(() => link.state !== 'connected', 15_000, 'link down');
        await broker.restart();
      }
      await waitFor(() => sub.unique === EVENTS && outbox.backlog() === 0, 120_000, 'everything drained');
      expect(sub.firsts.map((d) => d.id)).toEqual(ids);
      expect(link.status().inFlight).toBe(0);
      console.log(
        `broker restarts: ${EVENTS} events, ${inFlightAtStop} in flight at the three stops, ` +
          `${sub.duplicates} duplicates, ${link.status().connects} connects`,
      );
    }, 240_000);
  });
}
