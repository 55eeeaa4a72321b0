import { encodeMessage, topicFor } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestFeature } from '../../src/ingest/IngestFeature.js';
import { tempStore } from '../store/fixtures.js';
import { type BrokerUnderTest, embeddedBroker } from './fixtures/brokers.js';
import { liftEvent, seedRegistry } from './fixtures/devices.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

describe('ingest feature', () => {
  it('stores what devices publish between start and stop, and publishes it on its bus', async () => {
    const broker: BrokerUnderTest = await embeddedBroker();
    cleanups.push(() => broker.stop());
    const { store, cleanup } = tempStore();
    cleanups.push(cleanup);
    seedRegistry(store, ['truck-f']);
    const feature = new IngestFeature({
      store,
      brokerUrl: () => broker.url,
      clientId: 'ingest-feature-test',
      logger: pino({ level: 'silent' }),
    });
    const seen: string[] = [];
    feature.bus.on('stored', (e) => seen.push(e.kind));
    await feature.start();
    cleanups.push(() => feature.stop());
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'truck-f', protocolVersion: 4 });
    cleanups.push(() => pub.endAsync());
    await pub.publishAsync(topicFor('lift', 'truck-f'), encodeMessage('lift', liftEvent('truck-f', 1)), {
      qos: 1,
    });
    await waitFor(() => seen.length === 1, 10_000, 'one stored lift');
    expect(seen).toEqual(['lift']);
    expect(feature.stats()?.stored).toBe(1);
    await feature.stop();
    expect(feature.stats()).toBeNull();
  });
});
