import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { deviceAclSection } from '../../src/broker/AclSections.js';
import { INTERNAL_USER } from '../../src/broker/CloudBroker.js';
import { formatPasswordHash, hashPassword } from '../../src/broker/PasswordHash.js';
import { CloudApp } from '../../src/CloudApp.js';
import { loadCloudConfig } from '../../src/config/CloudConfig.js';
import { Cleanup, collect, connectOk, tempDir, tryConnect, writeText } from './support.js';

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/** The wiring file: the broker plus the connection it hands to in-process services. */
describe('CloudApp', () => {
  it('starts the broker from the configuration and gives in-process services an ingest connection', async () => {
    const dir = cleanup.dir(tempDir());
    const passwordFile = writeText(
      dir,
      'passwd',
      `truck-01:${formatPasswordHash(await hashPassword('t'))}\n`,
    );
    const aclFile = writeText(dir, 'acl', `${deviceAclSection('truck', 'truck-01')}\n`);
    const config = await loadCloudConfig(null, {
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: 0, passwordFile, aclFile },
      http: { host: '127.0.0.1', port: 0 },
    });
    const app = new CloudApp(config, pino({ level: 'silent' }));
    await app.start();
    cleanup.add(() => app.stop());

    const conn = app.broker.internalConnection();
    expect(conn.username).toBe(INTERNAL_USER);
    expect(conn.url).toBe(`mqtt://127.0.0.1:${app.broker.ports.mqtt}`);
    // the secret is not in the password file and a guess is refused
    const wrong = await tryConnect(conn.url, {
      clientId: 'svc-x',
      username: conn.username,
      password: 'guess',
    });
    expect(wrong).toMatchObject({ ok: false, returnCode: 4 });

    const ingest = cleanup.client(
      await connectOk(conn.url, { clientId: 'ingest-svc', username: conn.username, password: conn.password }),
    );
    const got = collect(ingest);
    await ingest.subscribeAsync('releve/v1/trucks/+/lifts', { qos: 1 });
    const truck = cleanup.client(
      await connectOk(conn.url, { clientId: 'truck-01', username: 'truck-01', password: 't' }),
    );
    await truck.publishAsync('releve/v1/trucks/truck-01/lifts', 'lift', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'lift'));
    // ingest rules: commands yes, device events no
    await ingest.publishAsync('releve/v1/trucks/truck-01/cmd/config', '{}', { qos: 1 });
    const closed = new Promise<void>((r) => ingest.once('close', () => r()));
    ingest.publish('releve/v1/trucks/truck-01/lifts', 'forged', { qos: 1 });
    await closed;
    // the internal user keeps its rules across a reload of the files
    expect(await app.reload()).toBe(true);
    const again = cleanup.client(
      await connectOk(conn.url, {
        clientId: 'ingest-svc-2',
        username: conn.username,
        password: conn.password,
      }),
    );
    expect(
      (await again.subscribeAsync('releve/v1/gateways/+/sightings', { qos: 1 })).map((g) => g.qos),
    ).toEqual([1]);
    await app.stop();
    expect(app.broker.ports).toEqual({});
  });
});
