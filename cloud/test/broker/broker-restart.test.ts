import { waitFor } from '@releve/shared/testing/index';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup, connectCollecting, connectOk, startBroker, tempDir } from './support.js';

/**
 * Sessions, subscriptions and queued QoS 1 messages live in LevelDB in the data directory:
 * a subscriber that was offline gets what was published for it, even across a broker restart.
 */
describe('persistent sessions across a broker restart', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run());

  it('delivers QoS 1 messages queued for an offline clean=false subscriber after the restart', async () => {
    const dataDir = cleanup.dir(tempDir());
    const first = await startBroker({ dataDir, allowAnonymous: true });
    cleanup.add(() => first.broker.stop());
    const sub = await connectOk(first.url, { clientId: 'persistent-sub', clean: false });
    await sub.subscribeAsync('restart/test/#', { qos: 1 });
    await sub.endAsync();

    const pub = await connectOk(first.url, { clientId: 'publisher' });
    // pipelined, and the broker stopped right after the last PUBACK: stop() must let every
    // acknowledged message reach the store
    const sent = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    await Promise.all(sent.map((m) => pub.publishAsync(`restart/test/${m}`, m, { qos: 1 })));
    await pub.endAsync();
    await first.broker.stop();

    const second = await startBroker({ dataDir, allowAnonymous: true });
    cleanup.add(() => second.broker.stop());
    const { client: back, got } = await connectCollecting(second.url, {
      clientId: 'persistent-sub',
      clean: false,
    });
    cleanup.client(back);
    await waitFor(() => got.length >= sent.length, 20_000, 'queued messages');
    expect(got.map((m) => m.payload).sort()).toEqual(sent);
    // the subscription itself survived too: a new message reaches the same session
    const pub2 = cleanup.client(await connectOk(second.url, { clientId: 'publisher-2' }));
    await pub2.publishAsync('restart/test/after', 'after', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'after'));
  });
});
