import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLink } from '../../src/mqtt/DeviceLink.js';
import { loadLinkSecrets } from '../../src/mqtt/secrets.js';
import { Outbox } from '../../src/outbox/Outbox.js';
import { liftDraft } from '../outbox/drafts.js';
import { TestBroker, mosquittoAvailable } from '../fixtures/broker.js';
import { EventCollector } from './fixtures/collector.js';

const available =
  (await mosquittoAvailable()) &&
  (await requireService(
    commandService('mosquitto_passwd', 'apt-get install mosquitto-clients or mosquitto'),
  )) &&
  (await requireService(commandService('openssl')));
const silent = pino({ level: 'silent' });
const TRUCK = 'truck-tls';

describe.skipIf(!available)('TLS and username/password', () => {
  let pki: string;
  let broker: TestBroker;
  let sub: EventCollector;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    pki = mkdtempSync(join(tmpdir(), 'releve-pki-'));
    // A self-signed server certificate valid for 127.0.0.1; it is also the client's trust anchor.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(pki, 'server.key'),
        '-out',
        join(pki, 'server.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const passwd = join(pki, 'passwd');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwd, TRUCK, 'truck-secret'], { stdio: 'ignore' });
    execFileSync('mosquitto_passwd', ['-b', passwd, 'cloud', 'cloud-secret'], { stdio: 'ignore' });
    writeFileSync(join(pki, 'truck.password'), 'truck-secret\n', { mode: 0o600 });
    broker = await TestBroker.start({
      tls: { certFile: join(pki, 'server.pem'), keyFile: join(pki, 'server.key') },
      passwordFile: passwd,
    });
    sub = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/lifts`, {
      username: 'cloud',
      password: 'cloud-secret',
      ca: readFileSync(join(pki, 'server.pem')),
    });
  });
  afterAll(async () => {
    await sub?.close();
    await broker?.dispose();
    rmSync(pki, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function device(secrets: { password?: string; tls?: { ca?: Buffer } }): {
    outbox: Outbox;
    link: DeviceLink;
  } {
    const dir = mkdtempSync(join(tmpdir(), 'releve-tls-'));
    const outbox = Outbox.open({ dataDir: dir, deviceId: TRUCK, deviceClass: 'trucks', logger: silent });
    const link = new DeviceLink({
      url: broker.url,
      deviceId: TRUCK,
      deviceClass: 'trucks',
      outbox,
      logger: silent,
      backoff: { initialMs: 100, maxMs: 400 },
      connectTimeoutMs: 5000,
      ...secrets,
    });
    cleanups.push(async () => {
      await link.stop();
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { outbox, link };
  }

  it('connects over mqtts:// with the password from a file and the CA from a file', async () => {
    const secrets = loadLinkSecrets(
      { passwordFile: join(pki, 'truck.password'), caFile: join(pki, 'server.pem') },
      {},
    );
    expect(broker.url.startsWith('mqtts://')).toBe(true);
    const { outbox, link } = device(secrets);
    link.start();
    const { id } = outbox.enqueue('lift', liftDraft(TRUCK, 0));
    await waitFor(() => sub.firsts.some((d) => d.id === id), 20_000, 'lift over TLS');
    expect(link.status()).toMatchObject({ state: 'connected', lastError: null });
  });

  it('is refused with a wrong password, keeps retrying, and keeps its events', async () => {
    const { outbox, link } = device({
      password: 'wrong',
      tls: { ca: readFileSync(join(pki, 'server.pem')) },
    });
    link.start();
    outbox.enqueue('lift', liftDraft(TRUCK, 1));
    await waitFor(() => link.status().connectionLosses >= 2, 20_000, 'refused attempts');
    expect(link.status().connects).toBe(0);
    expect(link.status().lastError).toMatch(/Not authorized|Bad username or password/);
    expect(outbox.backlog()).toBe(1);
  });

  it('refuses a broker whose certificate it cannot verify', async () => {
    const { link } = device({ password: 'truck-secret' });
    link.start();
    await waitFor(() => link.status().connectionLosses >= 1, 20_000, 'TLS failure');
    expect(link.status().connects).toBe(0);
    expect(link.status().lastError).toMatch(/self[- ]signed/i);
  });
});

/** Issues a certificate signed by the test CA in `dir` (ECDSA P-256). */
function issue(dir: string, name: string, subject: string, extensions: string): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `${extensions}\n`);
  execFileSync(
    'openssl',
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    ],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(dir, 'ca.pem'),
      '-CAkey',
      join(dir, 'ca.key'),
      '-CAcreateserial',
      '-out',
      join(dir, `${name}.pem`),
      '-days',
      '2',
      '-extfile',
      ext,
    ],
    { stdio: 'ignore' },
  );
}

describe.skipIf(!available)('TLS with client certificates', () => {
  let pki: string;
  let broker: TestBroker;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    pki = mkdtempSync(join(tmpdir(), 'releve-mtls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(pki, 'ca.key'),
        '-out',
        join(pki, 'ca.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=releve-test-ca',
      ],
      { stdio: 'ignore' },
    );
    issue(pki, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1');
    issue(pki, 'truck', `/CN=${TRUCK}`, 'extendedKeyUsage=clientAuth');
    broker = await TestBroker.start({
      tls: {
        certFile: join(pki, 'server.pem'),
        keyFile: join(pki, 'server.key'),
        caFile: join(pki, 'ca.pem'),
        requireClientCertificate: true,
      },
    });
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await broker?.dispose();
    rmSync(pki, { recursive: true, force: true });
  });

  function link(tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined): DeviceLink {
    const dir = mkdtempSync(join(tmpdir(), 'releve-mtls-dev-'));
    const outbox = Outbox.open({ dataDir: dir, deviceId: TRUCK, deviceClass: 'trucks', logger: silent });
    const l = new DeviceLink({
      url: broker.url,
      deviceId: TRUCK,
      deviceClass: 'trucks',
      outbox,
      logger: silent,
      backoff: { initialMs: 100, maxMs: 400 },
      ...(tls ? { tls } : {}),
    });
    cleanups.push(async () => {
      await l.stop();
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return l;
  }

  it('connects with a client certificate and key read from files', async () => {
    const { tls } = loadLinkSecrets(
      { caFile: join(pki, 'ca.pem'), certFile: join(pki, 'truck.pem'), keyFile: join(pki, 'truck.key') },
      {},
    );
    const l = link(tls);
    l.start();
    await waitFor(() => l.state === 'connected', 20_000, 'mutual TLS connection');
    expect(l.status().connects).toBe(1);
  });

  it('is refused without a client certificate', async () => {
    const l = link({ ca: readFileSync(join(pki, 'ca.pem')) });
    l.start();
    await waitFor(() => l.status().connectionLosses >= 2, 20_000, 'refused attempts');
    expect(l.status().connects).toBe(0);
    expect(l.state).not.toBe('connected');
  });
});
