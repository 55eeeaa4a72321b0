import { join } from 'node:path';
import { encodeMessage, topicFor } from '@releve/shared';
import { freePort, waitFor } from '@releve/shared/testing/index';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/Store.js';
import { lift, seedRegistry } from '../api/fixtures.js';
import { startCli } from '../broker/cliProcess.js';
import { Cleanup, tempDir } from '../broker/support.js';

const cleanup = new Cleanup();

/** One connection attempt (MQTT.js's connectAsync can wait forever on a refused port). */
function connectOnce(port: number): Promise<mqtt.MqttClient | null> {
  return new Promise((resolve) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      clientId: 'truck-01',
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    const fail = () => {
      c.end(true);
      resolve(null);
    };
    c.once('connect', () => {
      c.off('close', fail);
      c.on('error', () => {});
      resolve(c);
    });
    c.once('close', fail);
    c.once('error', fail);
  });
}
afterAll(() => cleanup.run());

/**
 * The embedded broker acknowledges a device's QoS 1 PUBLISH only once it is committed (the
 * ingest at the broker's door). So whatever instant `releve-cloud serve` dies at, every lift
 * the truck saw acknowledged is in the store after a restart; the others the truck sends again.
 */
describe('kill -9 of releve-cloud serve during a stream of QoS 1 lifts', () => {
  it('keeps every acknowledged lift, stored once', { timeout: 240_000 }, async () => {
    const dir = cleanup.dir(tempDir('releve-door-'));
    const dataDir = join(dir, 'data');
    const seed = Store.open({ dataDir });
    seedRegistry(seed);
    seed.close();
    const port = await freePort();
    const serve = () =>
      startCli([
        'serve',
        '--data-dir',
        dataDir,
        '--allow-anonymous',
        '--host',
        '127.0.0.1',
        '--mqtt-port',
        String(port),
        '--http-port',
        '0',
        '--log-level',
        'silent',
      ]);

    const total = 600;
    const lifts = Array.from({ length: total }, (_, i) =>
      lift('truck-01', i + 1, Date.now() - 3_600_000 + i * 1000, i % 2 ? 'acc-1' : 'acc-2'),
    );
    const acked = new Set<string>();
    let next = 0;
    const kills = 3;
    for (let round = 0; round <= kills; round++) {
      const cloud = serve();
      const truck = await waitFor(() => connectOnce(port), 60_000, 'the cloud accepting connections');
      truck.on('error', () => {});
      // send what is not acknowledged yet, 16 in flight, until killed (or done on the last round)
      const pending = lifts.filter((l) => !acked.has(l.id));
      const killAt = round < kills ? 40 + Math.floor(Math.random() * 120) : Number.POSITIVE_INFINITY;
      let sent = 0;
      const inFlight = new Set<Promise<void>>();
      for (const l of pending) {
        if (sent === killAt) break;
        const p: Promise<void> = truck
          .publishAsync(topicFor('lift', 'truck-01'), encodeMessage('lift', l), { qos: 1 })
          .then(() => {
            acked.add(l.id);
          })
          .catch(() => {})
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
        sent++;
        if (inFlight.size >= 16) await Promise.race(inFlight);
      }
      if (round < kills) {
        cloud.child.kill('SIGKILL'); // mid-stream: some PUBLISHes in flight, unacknowledged
        await cloud.exited;
        truck.end(true); // what was in flight stays unacknowledged and is sent again next round
      } else {
        await Promise.all([...inFlight]);
        await truck.endAsync();
        cloud.child.kill('SIGINT');
        expect(await cloud.exited).toBe(0);
      }
      next += sent;
    }
    expect(acked.size).toBe(total);
    const store = Store.open({ dataDir });
    cleanup.add(() => store.close());
    const stored = store.db
      .prepare("SELECT event_id FROM lifts WHERE truck_id = 'truck-01'")
      .pluck()
      .all() as string[];
    expect(stored.length).toBe(total);
    expect(new Set(stored)).toEqual(new Set(lifts.map((l) => l.id)));
    expect(next).toBeGreaterThanOrEqual(total);
  });
});
