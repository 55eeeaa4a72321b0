import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { encodeMessage, topicFor } from '@releve/shared';
import { requireService, tcpService, waitFor } from '@releve/shared/testing/index';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiTokenStore } from '../../src/auth/ApiTokenStore.js';
import { deviceAclSection } from '../../src/broker/AclSections.js';
import { formatPasswordHash, hashPassword } from '../../src/broker/PasswordHash.js';
import { CloudApp } from '../../src/CloudApp.js';
import { loadCloudConfig } from '../../src/config/CloudConfig.js';
import { lift, seedRegistry } from '../api/fixtures.js';
import { Cleanup, tempDir, writeText } from '../broker/support.js';

const mosquitto = await requireService(tcpService('mosquitto', '127.0.0.1', 1883));
const cleanup = new Cleanup();
afterAll(() => cleanup.run());

async function get(app: CloudApp, path: string, token?: string) {
  const res = await fetch(`${app.api.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, text: await res.text() };
}

/** `releve-cloud serve` as wired by CloudApp: broker → ingest → store → HTTP API, in one process. */
describe('the cloud wiring (CloudApp)', () => {
  it('stores a lift published by a truck on the embedded broker and serves it over HTTP', async () => {
    const dir = cleanup.dir(tempDir('releve-app-'));
    const passwordFile = writeText(
      dir,
      'passwd',
      `truck-01:${formatPasswordHash(await hashPassword('s3cret'))}\n`,
    );
    const aclFile = writeText(dir, 'acl', `${deviceAclSection('truck', 'truck-01')}\n`);
    const config = await loadCloudConfig(null, {
      dataDir: join(dir, 'data'),
      logLevel: 'silent',
      broker: { host: '127.0.0.1', port: 0, passwordFile, aclFile },
      http: { host: '127.0.0.1', port: 0 },
    });
    const app = new CloudApp(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
    seedRegistry(app.store);
    await app.start();
    cleanup.add(() => app.stop());
    const tokens = new ApiTokenStore(app.store.db);
    const token = tokens.issue('dispatcher').secret;
    const adminToken = tokens.issue('admin').secret;

    const truck = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.broker.ports.mqtt}`, {
      clientId: 'truck-01',
      username: 'truck-01',
      password: 's3cret',
      clean: false,
      reconnectPeriod: 0,
    });
    cleanup.add(() => truck.endAsync());
    const l = lift('truck-01', 1, Date.now() - 60_000, 'acc-1');
    await truck.publishAsync(topicFor('lift', 'truck-01'), encodeMessage('lift', l), { qos: 1 });

    const page = await waitFor(
      async () => {
        const r = await get(app, '/api/v1/lifts', token);
        return r.status === 200 && r.text.includes(l.id) ? r : null;
      },
      15_000,
      'the lift in the API',
    );
    expect(JSON.parse(page.text).items[0]).toMatchObject({ id: l.id, netWeightG: l.netWeightG });
    expect((await get(app, '/readyz')).status).toBe(200);
    const metrics = await waitFor(
      async () => {
        const r = await get(app, '/metrics', adminToken);
        return /releve_broker_clients\{class="trucks"\} 1/.test(r.text) ? r.text : null;
      },
      15_000,
      'broker clients in /metrics',
    );
    expect(metrics).toMatch(/releve_ingest_messages_total\{kind="lift",outcome="stored"\} 1/);
  });

  it.skipIf(!mosquitto)('uses an external broker with --mqtt-url (the machine’s Mosquitto)', async () => {
    const dir = cleanup.dir(tempDir('releve-app-ext-'));
    const config = await loadCloudConfig(null, {
      dataDir: join(dir, 'data'),
      logLevel: 'silent',
      mqttUrl: 'mqtt://127.0.0.1:1883',
      ingest: { clientId: `releve-ingest-${randomUUID().slice(0, 8)}` },
      // the machine's broker is shared: no retained allowlist left behind for other tests' gw-01
      beacons: { pushAllowlists: false },
      http: { host: '127.0.0.1', port: 0 },
    });
    const app = new CloudApp(config, pino({ level: 'silent' }));
    seedRegistry(app.store);
    await app.start();
    cleanup.add(() => app.stop());
    expect(app.broker.ports.mqtt).toBeUndefined();
    const token = new ApiTokenStore(app.store.db).issue('dispatcher').secret;
    const device = await mqtt.connectAsync('mqtt://127.0.0.1:1883', {
      clientId: `truck-02-${randomUUID().slice(0, 6)}`,
      reconnectPeriod: 0,
    });
    cleanup.add(() => device.endAsync());
    const l = lift('truck-02', 1, Date.now() - 60_000, 'acc-2');
    await device.publishAsync(topicFor('lift', 'truck-02'), encodeMessage('lift', l), { qos: 1 });
    await waitFor(
      async () => (await get(app, '/api/v1/lifts?truckId=truck-02', token)).text.includes(l.id),
      15_000,
      'the lift via Mosquitto',
    );
  });
});
