import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLink, type DeviceLinkOptions } from '../../src/mqtt/DeviceLink.js';
import { Outbox } from '../../src/outbox/Outbox.js';
import { liftDraft, planIndexOfLift, truckStatusDraft } from '../outbox/drafts.js';
import { type BrokerUnderTest, brokerBackends } from '../fixtures/broker-backends.js';
import { EventCollector } from './fixtures/collector.js';

const silent = pino({ level: 'silent' });
const TRUCK = 'truck-12';

for (const backend of await brokerBackends()) {
  describe.skipIf(!backend.available)(`DeviceLink (${backend.name})`, () => {
    let broker: BrokerUnderTest;
    let dir: string;
    const cleanups: (() => Promise<void> | void)[] = [];

    beforeAll(async () => {
      broker = await backend.start();
    });
    afterAll(async () => {
      await broker?.dispose();
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    function device(extra: Partial<DeviceLinkOptions> = {}): { outbox: Outbox; link: DeviceLink } {
      const outbox = Outbox.open({ dataDir: dir, deviceId: TRUCK, deviceClass: 'trucks', logger: silent });
      const link = new DeviceLink({
        url: broker.url,
        deviceId: TRUCK,
        deviceClass: 'trucks',
        outbox,
        logger: silent,
        backoff: { initialMs: 100, maxMs: 500 },
        ...extra,
      });
      cleanups.push(async () => {
        await link.stop();
        outbox.close();
      });
      return { outbox, link };
    }

    async function collector(filter: string): Promise<EventCollector> {
      // A clean session is enough here (the broker stays up) and avoids aedes' persistent-subscriber
      // defect (see `persistentSubscribers`), so the test sees the device's order, not the broker's.
      const c = await EventCollector.connect(broker.url, filter, { clean: true });
      cleanups.push(() => c.close());
      return c;
    }

    it('delivers each event exactly once, in order, and keeps numbering across an agent restart', async () => {
      dir = mkdtempSync(join(tmpdir(), 'releve-link-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const sub = await collector(`releve/v1/trucks/${TRUCK}/+`);

      const first = device({ window: 4 });
      first.link.start();
      await waitFor(() => first.link.state === 'connected', 15_000, 'link connected');
      const made: string[] = [];
      for (let i = 0; i < 50; i++) {
        made.push(first.outbox.enqueue('lift', liftDraft(TRUCK, i)).id);
        if (i % 10 === 0) made.push(first.outbox.enqueue('truckStatus', truckStatusDraft(TRUCK, i)).id);
      }
      await waitFor(() => sub.unique === made.length && first.outbox.backlog() === 0, 20_000, 'first batch');
      await first.link.stop();
      first.outbox.close();

      const second = device({ window: 4 });
      second.link.start();
      for (let i = 50; i < 60; i++) made.push(second.outbox.enqueue('lift', liftDraft(TRUCK, i)).id);
      await waitFor(
        () => sub.unique === made.length && second.outbox.backlog() === 0,
        20_000,
        'second batch',
      );

      expect(sub.firsts.map((d) => d.id)).toEqual(made);
      expect(sub.duplicates).toBe(0);
      const seqs = sub.firsts.map((d) => d.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const lifts = sub.firsts.filter((d) => d.topic.endsWith('/lifts'));
      expect(lifts.map((d) => planIndexOfLift(d.message as { tag: { id: string } }))).toEqual(
        Array.from({ length: 60 }, (_, i) => i),
      );
      expect(second.link.status()).toMatchObject({ state: 'connected', backlog: 0, inFlight: 0 });
    });

    it('records every PUBACK received before a clean stop mid-drain, so a restart re-sends nothing', async () => {
      dir = mkdtempSync(join(tmpdir(), 'releve-link-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const sub = await collector(`releve/v1/trucks/${TRUCK}/lifts`);
      const first = device({ window: 32 });
      const total = 1500;
      for (let i = 0; i < total; i++) first.outbox.enqueue('lift', liftDraft(TRUCK, i));
      first.link.start();
      await waitFor(() => first.link.status().acked >= 200, 20_000, '200 acked');
      await first.link.stop();
      const left = first.outbox.backlog();
      first.outbox.close();
      expect(left).toBeGreaterThan(0);
      // Exactly the acknowledged events left the outbox: the subscriber gets those and no more.
      await waitFor(() => sub.unique === total - left, 20_000, 'acknowledged events delivered');

      const second = device({ window: 32 });
      second.link.start();
      await waitFor(() => sub.unique === total && second.outbox.backlog() === 0, 30_000, 'the rest');
      expect(sub.duplicates).toBe(0);
      expect(sub.firsts.map((d) => d.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    });
  });
}
