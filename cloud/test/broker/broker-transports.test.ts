import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceAclSection, roleAclSection } from '../../src/broker/AclSections.js';
import type { CloudBroker } from '../../src/broker/CloudBroker.js';
import { formatPasswordHash, hashPassword } from '../../src/broker/PasswordHash.js';
import { Cleanup, collect, connectOk, startBroker, tempDir, tryConnect, writeText } from './support.js';

const hasOpenssl = await requireService(commandService('openssl'));

/** Writes a fresh self-signed certificate for 127.0.0.1 (cert.pem, key.pem) into `dir`. */
function makeCert(dir: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
}

/** TLS and WebSocket listeners of the same broker, with the same credentials and ACL. */
describe.skipIf(!hasOpenssl)('TLS and WebSocket listeners', () => {
  const cleanup = new Cleanup();
  let broker: CloudBroker;
  let cert: Buffer;
  let records: Record<string, unknown>[] = [];
  let dir = '';
  const MAX_PACKET = 32 * 1024;
  const creds = { clientId: 'truck-t', username: 'truck-t', password: 'tls-secret' };

  beforeAll(async () => {
    dir = cleanup.dir(tempDir());
    // a self-signed certificate for 127.0.0.1, made for this run
    makeCert(dir);
    cert = readFileSync(join(dir, 'cert.pem'));
    const passwordFile = writeText(
      dir,
      'passwd',
      `truck-t:${formatPasswordHash(await hashPassword('tls-secret'))}\nwatcher:${formatPasswordHash(await hashPassword('w'))}\n`,
    );
    const aclFile = writeText(
      dir,
      'acl',
      `${deviceAclSection('truck', 'truck-t')}\n${roleAclSection('monitor', 'watcher')}\n`,
    );
    const started = await startBroker({
      passwordFile,
      aclFile,
      maxPacketBytes: MAX_PACKET,
      mqtts: { host: '127.0.0.1', port: 0, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
      ws: { host: '127.0.0.1', port: 0 },
    });
    broker = started.broker;
    records = started.records;
    cleanup.add(() => broker.stop());
  });
  afterAll(() => cleanup.run());

  it('reports real ports for every listener opened on port 0', () => {
    const p = broker.ports;
    for (const port of [p.mqtt, p.mqtts, p.ws]) expect(port).toBeGreaterThan(0);
    expect(new Set([p.mqtt, p.mqtts, p.ws]).size).toBe(3);
  });

  it('accepts an authenticated client over TLS, verifying the certificate', async () => {
    const watcher = cleanup.client(
      await connectOk(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
        clientId: 'w1',
        username: 'watcher',
        password: 'w',
      }),
    );
    const got = collect(watcher);
    await watcher.subscribeAsync('releve/v1/trucks/+/status', { qos: 1 });
    const c = cleanup.client(
      await connectOk(`mqtts://127.0.0.1:${broker.ports.mqtts}`, {
        ...creds,
        ca: cert,
        rejectUnauthorized: true,
      }),
    );
    await c.publishAsync('releve/v1/trucks/truck-t/status', 'over tls', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'over tls'));
  });

  it('refuses TLS with a wrong password just as over TCP', async () => {
    const r = await tryConnect(`mqtts://127.0.0.1:${broker.ports.mqtts}`, {
      ...creds,
      password: 'no',
      ca: cert,
    });
    expect(r).toMatchObject({ ok: false, returnCode: 4 });
  });

  it('closes and logs a plain (non-TLS) MQTT connection on the TLS port', async () => {
    const r = await tryConnect(`mqtt://127.0.0.1:${broker.ports.mqtts}`, creds);
    expect(r.ok).toBe(false);
    await waitFor(() => records.find((l) => l.msg === 'TLS handshake failed; connection closed'));
  });

  it('accepts an authenticated client over WebSocket and delivers across transports', async () => {
    const ws = cleanup.client(
      await connectOk(`ws://127.0.0.1:${broker.ports.ws}/mqtt`, {
        clientId: 'w2',
        username: 'watcher',
        password: 'w',
      }),
    );
    const got = collect(ws);
    await ws.subscribeAsync('releve/v1/trucks/+/alerts', { qos: 1 });
    const tcp = cleanup.client(await connectOk(`mqtt://127.0.0.1:${broker.ports.mqtt}`, creds));
    await tcp.publishAsync('releve/v1/trucks/truck-t/alerts', 'to ws', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'to ws'));
  });

  it('closes a WebSocket connection sending a packet over the size limit', async () => {
    const c = cleanup.client(await connectOk(`ws://127.0.0.1:${broker.ports.ws}`, creds));
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('releve/v1/trucks/truck-t/alerts', Buffer.alloc(MAX_PACKET * 2), { qos: 1 });
    await closed;
    expect(c.connected).toBe(false);
  });

  it('serves a renewed certificate after reload() without a restart', async () => {
    const old = cert;
    makeCert(dir);
    const renewed = readFileSync(join(dir, 'cert.pem'));
    expect(await broker.reload()).toBe(true);
    const url = `mqtts://127.0.0.1:${broker.ports.mqtts}`;
    const c = cleanup.client(await connectOk(url, { ...creds, ca: renewed, rejectUnauthorized: true }));
    expect(c.connected).toBe(true);
    const stale = await tryConnect(url, { ...creds, ca: old, rejectUnauthorized: true });
    expect(stale.ok).toBe(false);
  });
});
