import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLink } from '../../src/mqtt/DeviceLink.js';
import { Outbox } from '../../src/outbox/Outbox.js';
import { liftDraft, truckStatusDraft } from '../outbox/drafts.js';
import { type BrokerUnderTest, brokerBackends } from '../fixtures/broker-backends.js';
import { EventCollector } from './fixtures/collector.js';

const silent = pino({ level: 'silent' });
const TRUCK = 'truck-offline';
/** A long day of rounds: two trips of ~1,100 lifts plus a status every 4 lifts. */
const LIFTS = 2400;

// The cloud-side subscriber keeps its session across broker restarts: see `persistentSubscribers`.
for (const backend of (await brokerBackends()).filter((b) => b.persistentSubscribers)) {
  describe.skipIf(!backend.available)(`a day of rounds without the broker (${backend.name})`, () => {
    let broker: BrokerUnderTest;
    let dir: string;
    let sub: EventCollector;
    let outbox: Outbox;
    let link: DeviceLink;

    beforeAll(async () => {
      broker = await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'releve-offline-'));
      sub = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/+`);
      outbox = Outbox.open({ dataDir: dir, deviceId: TRUCK, deviceClass: 'trucks', logger: silent });
      link = new DeviceLink({
        url: broker.url,
        deviceId: TRUCK,
        deviceClass: 'trucks',
        outbox,
        logger: silent,
        window: 16,
        backoff: { initialMs: 100, maxMs: 1000 },
      });
    });
    afterAll(async () => {
      await link?.stop();
      outbox?.close();
      await sub?.close();
      await broker?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps thousands of events while the broker is gone, then drains them all in order', async () => {
      link.start();
      await waitFor(() => link.state === 'connected', 15_000, 'link connected');
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(outbox.enqueue('lift', liftDraft(TRUCK, i)).id);
      await waitFor(() => sub.unique === 10 && outbox.backlog() === 0, 20_000, 'first lifts delivered');

      await broker.stop();
      await waitFor(() => link.state !== 'connected', 15_000, 'link sees the broker gone');
      for (let i = 10; i < LIFTS; i++) {
        ids.push(outbox.enqueue('lift', liftDraft(TRUCK, i)).id);
        if (i % 4 === 0) ids.push(outbox.enqueue('truckStatus', truckStatusDraft(TRUCK, i)).id);
        // Let the link run its reconnect attempts between events, as during a real day.
        if (i % 100 === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(outbox.backlog()).toBe(ids.length - 10);
      // Several reconnect attempts fail (with backoff) before the broker returns.
      await waitFor(() => link.status().connectionLosses >= 5, 30_000, 'failed reconnect attempts');
      expect(link.status().state).not.toBe('connected');

      await broker.restart();
      await waitFor(() => sub.unique === ids.length, 120_000, `all ${ids.length} events at the subscriber`);
      await waitFor(() => outbox.backlog() === 0, 20_000, 'outbox emptied by the acks');

      expect(sub.firsts.map((d) => d.id)).toEqual(ids);
      const seqs = sub.firsts.map((d) => d.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const s = link.status();
      expect(s.connectionLosses).toBeGreaterThanOrEqual(5);
      expect(s.connects).toBeGreaterThanOrEqual(2);
      console.log(
        `offline day: ${ids.length} events, ${sub.deliveries.length} deliveries (${sub.duplicates} duplicates), ` +
          `${s.connectionLosses} connection losses before the broker came back; duplicated seqs ${sub.deliveries
            .filter((d, i) => sub.deliveries.findIndex((e) => e.id === d.id) !== i)
            .map((d) => d.seq)
            .join(',')}`,
      );
    }, 240_000);
  });
}
