import { dirname, join } from 'node:path';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceAclSection, roleAclSection } from '../../src/broker/AclSections.js';
import type { CloudBroker } from '../../src/broker/CloudBroker.js';
import {
  Cleanup,
  collect,
  connectOk,
  mosquittoPasswd,
  rawExchange,
  startBroker,
  tempDir,
  tryConnect,
  writeText,
} from './support.js';

const hasPasswd = await requireService(commandService('mosquitto_passwd'));

/** The authentication and authorisation matrix, on the real broker over TCP with MQTT.js clients. */
describe.skipIf(!hasPasswd)('broker authentication and authorisation', () => {
  const cleanup = new Cleanup();
  const secret = {
    'truck-a': 'pw-truck-a',
    'truck-b': 'pw-truck-b',
    'gw-1': 'pw-gw-1',
    ingest: 'pw-ingest',
    legacy: 'pw-6',
  };
  let broker: CloudBroker;
  let url = '';
  let port = 0;
  let records: Record<string, unknown>[] = [];
  let files = { passwordFile: '', aclFile: '' };
  const MAX_PACKET = 64 * 1024;

  beforeAll(async () => {
    const dir = cleanup.dir(tempDir());
    const passwordFile = join(dir, 'passwd');
    for (const user of ['truck-a', 'truck-b', 'gw-1', 'ingest'] as const)
      mosquittoPasswd(passwordFile, user, secret[user]);
    mosquittoPasswd(passwordFile, 'legacy', secret.legacy, 'sha512');
    const aclFile = writeText(
      dir,
      'acl',
      [
        'topic read public/#',
        deviceAclSection('truck', 'truck-a'),
        deviceAclSection('truck', 'truck-b'),
        deviceAclSection('gateway', 'gw-1'),
        roleAclSection('ingest', 'ingest'),
        'user legacy',
        'topic readwrite legacy/#',
      ].join('\n'),
    );
    files = { passwordFile, aclFile };
    const started = await startBroker({ passwordFile, aclFile, maxPacketBytes: MAX_PACKET });
    broker = started.broker;
    url = started.url;
    records = started.records;
    port = broker.ports.mqtt ?? 0;
    cleanup.add(() => broker.stop());
  });
  afterAll(() => cleanup.run());

  const device = (id: keyof typeof secret) => ({ clientId: id, username: id, password: secret[id] });

  it('refuses an unknown user with return code 4 and logs the client id', async () => {
    const r = await tryConnect(url, { clientId: 'who-1', username: 'nobody', password: 'x' });
    expect(r).toMatchObject({ ok: false, returnCode: 4 });
    await waitFor(() => records.find((l) => l.msg === 'connection refused' && l.clientId === 'who-1'));
  });

  it('refuses a wrong password with return code 4', async () => {
    const r = await tryConnect(url, { ...device('truck-a'), password: 'pw-truck-b' });
    expect(r).toMatchObject({ ok: false, returnCode: 4 });
  });

  it('accepts a $7$ (PBKDF2) hash from mosquitto_passwd', async () => {
    const c = cleanup.client(await connectOk(url, device('truck-a')));
    expect(c.connected).toBe(true);
  });

  it('accepts a $6$ (SHA512) hash from mosquitto_passwd -H sha512', async () => {
    const c = cleanup.client(
      await connectOk(url, { clientId: 'any-id', username: 'legacy', password: secret.legacy }),
    );
    expect(c.connected).toBe(true);
  });

  it('refuses a device whose client id is not its username (return code 2)', async () => {
    const r = await tryConnect(url, { ...device('truck-a'), clientId: 'truck-b' });
    expect(r).toMatchObject({ ok: false, returnCode: 2 });
  });

  it('refuses anonymous clients without the flag (return code 5)', async () => {
    const r = await tryConnect(url, { clientId: 'anon-1' });
    expect(r).toMatchObject({ ok: false, returnCode: 5 });
  });

  it('lets anonymous clients in with the flag, limited to the anonymous ACL section', async () => {
    const anon = await startBroker({ ...files, allowAnonymous: true });
    cleanup.add(() => anon.broker.stop());
    expect(anon.records.some((l) => l.level === 40 && String(l.msg).includes('anonymous'))).toBe(true);
    const c = cleanup.client(await connectOk(anon.url, { clientId: 'anon-2' }));
    const granted = await c
      .subscribeAsync(['public/#', 'releve/v1/trucks/+/lifts'], { qos: 1 })
      .catch((e: { packet?: { granted: number[] } }) => e.packet?.granted.map((qos) => ({ qos })));
    expect(granted?.map((g) => g.qos)).toEqual([1, 128]);
  });

  it('does not deliver a truck publishing under another truck id, and closes its connection', async () => {
    const ingest = cleanup.client(await connectOk(url, device('ingest')));
    const got = collect(ingest);
    await ingest.subscribeAsync('releve/v1/trucks/+/lifts', { qos: 1 });
    const forger = cleanup.client(await connectOk(url, device('truck-a')));
    const closed = new Promise<void>((r) => forger.once('close', () => r()));
    forger.publish('releve/v1/trucks/truck-b/lifts', 'forged', { qos: 1 });
    await closed;
    const honest = cleanup.client(await connectOk(url, device('truck-a')));
    await honest.publishAsync('releve/v1/trucks/truck-a/lifts', 'marker', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'marker'), 20_000, 'the honest message');
    expect(got.map((m) => m.payload)).toEqual(['marker']);
    expect(
      records.some(
        (l) => l.msg === 'publish refused; connection closed' && l.topic === 'releve/v1/trucks/truck-b/lifts',
      ),
    ).toBe(true);
  });

  it('closes a connection publishing a $SYS or wildcard topic, a warning with client id and username', async () => {
    const ingest = cleanup.client(await connectOk(url, device('ingest')));
    const got = collect(ingest);
    await ingest.subscribeAsync('releve/v1/trucks/#', { qos: 1 });
    // `$SYS` is refused by the ACL check, `+`/`#` by aedes itself (its clientError event)
    for (const topic of ['$SYS/broker/uptime', 'releve/v1/trucks/+/lifts', 'releve/v1/trucks/truck-a/#']) {
      const since = records.length;
      const c = cleanup.client(await connectOk(url, device('truck-a')));
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(topic, 'escape', { qos: 1 }, () => {});
      await closed;
      const logged = await waitFor(() =>
        records
          .slice(since)
          .find(
            (l) =>
              l.clientId === 'truck-a' &&
              l.username === 'truck-a' &&
              l.level === 40 &&
              String(l.msg).endsWith('connection closed') &&
              (l.topic === topic || String(l.err).endsWith('is not allowed in PUBLISH')),
          ),
      );
      expect(logged).toBeDefined();
    }
    const honest = cleanup.client(await connectOk(url, device('truck-a')));
    await honest.publishAsync('releve/v1/trucks/truck-a/lifts', 'after escapes', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'after escapes'));
    expect(got.map((m) => m.payload)).toEqual(['after escapes']);
  });

  it("refuses a subscription to another device's cmd topic with SUBACK 0x80, grants its own", async () => {
    const c = cleanup.client(await connectOk(url, device('truck-a')));
    const own = await c.subscribeAsync('releve/v1/trucks/truck-a/cmd/#', { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1]);
    const other = await c
      .subscribeAsync('releve/v1/trucks/truck-b/cmd/#', { qos: 1 })
      .then(() => [] as number[])
      .catch((e: { packet?: { granted: number[] } }) => e.packet?.granted ?? []);
    expect(other).toEqual([128]);
    const gw = cleanup.client(await connectOk(url, device('gw-1')));
    const cross = await gw
      .subscribeAsync('releve/v1/trucks/truck-a/cmd/config', { qos: 1 })
      .then(() => [] as number[])
      .catch((e: { packet?: { granted: number[] } }) => e.packet?.granted ?? []);
    expect(cross).toEqual([128]);
  });

  it('applies ACL pattern lines: %u and %c become the username and client id', async () => {
    const patterns = await startBroker({
      passwordFile: files.passwordFile,
      aclFile: writeText(
        dirname(files.aclFile),
        'acl-patterns',
        [
          roleAclSection('ingest', 'ingest'),
          'pattern write releve/v1/trucks/%u/lifts',
          'pattern read releve/v1/trucks/%c/cmd/#',
        ].join('\n'),
      ),
    });
    cleanup.add(() => patterns.broker.stop());
    const ingest = cleanup.client(await connectOk(patterns.url, device('ingest')));
    const got = collect(ingest);
    await ingest.subscribeAsync('releve/v1/trucks/+/lifts', { qos: 1 });
    // a pattern granting writes under %u makes truck-a a device: client id = username
    expect(await tryConnect(patterns.url, { ...device('truck-a'), clientId: 'elsewhere' })).toMatchObject({
      ok: false,
      returnCode: 2,
    });
    const a = cleanup.client(await connectOk(patterns.url, device('truck-a')));
    const subscribe = (filter: string) =>
      a
        .subscribeAsync(filter, { qos: 1 })
        .then((g) => g.map((x) => x.qos))
        .catch((e: { packet?: { granted: number[] } }) => e.packet?.granted ?? []);
    expect(await subscribe('releve/v1/trucks/truck-a/cmd/#')).toEqual([1]);
    expect(await subscribe('releve/v1/trucks/truck-b/cmd/#')).toEqual([128]);
    await a.publishAsync('releve/v1/trucks/truck-a/lifts', 'own', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'own'));
    const closed = new Promise<void>((r) => a.once('close', () => r()));
    a.publish('releve/v1/trucks/truck-b/lifts', 'forged', { qos: 1 });
    await closed;
    const b = cleanup.client(await connectOk(patterns.url, device('truck-b')));
    await b.publishAsync('releve/v1/trucks/truck-b/lifts', 'b own', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'b own'));
    expect(got.map((m) => m.payload)).toEqual(['own', 'b own']);
  });

  it('refuses a last will on a topic the client may not write (return code 5)', async () => {
    const r = await tryConnect(url, {
      ...device('truck-a'),
      will: { topic: 'releve/v1/trucks/truck-b/online', payload: Buffer.from('x'), qos: 1, retain: true },
    });
    expect(r).toMatchObject({ ok: false, returnCode: 5 });
  });

  it('rejects a zero-length client id with clean session 0 (CONNACK return code 2, MQTT-3.1.3-8)', async () => {
    // MQTT.js refuses to send this CONNECT, so the bytes are written by hand (§3.1):
    // fixed header, protocol name "MQTT", level 4, flags 0x00 (clean session 0), keep alive 60, client id "".
    const connect = Buffer.from([
      0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x3c, 0x00, 0x00,
    ]);
    const { reply, closed } = await rawExchange(port, connect);
    expect([...reply]).toEqual([0x20, 0x02, 0x00, 0x02]);
    expect(closed).toBe(true);
  });

  it('closes the connection on a packet over the size limit, logged with the client id', async () => {
    const ingest = cleanup.client(await connectOk(url, device('ingest')));
    const got = collect(ingest);
    await ingest.subscribeAsync('releve/v1/trucks/+/alerts', { qos: 1 });
    const c = cleanup.client(await connectOk(url, device('truck-b')));
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('releve/v1/trucks/truck-b/alerts', Buffer.alloc(MAX_PACKET + 1, 0x41), { qos: 1 });
    await closed;
    const v = await waitFor(() =>
      records.find((l) => l.msg === 'packet over the size limit; connection closed'),
    );
    expect(v).toMatchObject({ clientId: 'truck-b', maxPacketBytes: MAX_PACKET });
    const again = cleanup.client(await connectOk(url, device('truck-b')));
    await again.publishAsync('releve/v1/trucks/truck-b/alerts', 'small', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'small'));
    expect(got.map((m) => m.payload)).toEqual(['small']);
  });

  it('speaks MQTT 3.1.1 only: an MQTT 5 CONNECT is refused with return code 1', async () => {
    const r = await tryConnect(url, { ...device('truck-a'), protocolVersion: 5 });
    expect(r).toMatchObject({ ok: false, returnCode: 1 });
  });

  it('survives malformed packets: connection closed, broker still serving', async () => {
    const bad = [
      Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), // remaining length of 5 bytes
      Buffer.from([0x10, 0x05, 0x00, 0x04, 0x4d, 0x51, 0x00]), // truncated protocol name
      Buffer.from([0x30, 0x03, 0x00, 0x05, 0x61]), // PUBLISH before CONNECT, topic longer than packet
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    ];
    for (const bytes of bad) {
      const { closed } = await rawExchange(port, bytes);
      expect(closed).toBe(true);
    }
    const c = cleanup.client(await connectOk(url, device('gw-1')));
    expect(c.connected).toBe(true);
  });

  it('keeps the previous files in force when a reload finds a bad line', async () => {
    const { appendFileSync, readFileSync, writeFileSync } = await import('node:fs');
    const before = readFileSync(files.aclFile, 'utf8');
    appendFileSync(files.aclFile, '\ntopic sideways a/#/b\n');
    expect(await broker.reload()).toBe(false);
    await waitFor(() =>
      records.find((l) => l.msg === 'reload failed; previous password and acl files stay in force'),
    );
    const c = cleanup.client(await connectOk(url, device('truck-a')));
    expect((await c.subscribeAsync('releve/v1/trucks/truck-a/cmd/#', { qos: 1 })).map((g) => g.qos)).toEqual([
      1,
    ]);
    writeFileSync(files.aclFile, before);
    expect(await broker.reload()).toBe(true);
  });

  it("applies a changed ACL to a connected subscriber's cached decisions on reload()", async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const before = readFileSync(files.aclFile, 'utf8');
    const ingest = cleanup.client(await connectOk(url, device('ingest')));
    const got = collect(ingest);
    await ingest.subscribeAsync('releve/v1/trucks/+/lifts', { qos: 1 });
    const a = cleanup.client(await connectOk(url, device('truck-a')));
    const b = cleanup.client(await connectOk(url, device('truck-b')));
    const round = async (n: number) => {
      await a.publishAsync('releve/v1/trucks/truck-a/lifts', `a${n}`, { qos: 1 });
      await b.publishAsync('releve/v1/trucks/truck-b/lifts', `b${n}`, { qos: 1 });
      await waitFor(() => got.find((m) => m.payload === `b${n}`));
    };
    await round(1); // both decisions allowed and cached
    const ingestSection = roleAclSection('ingest', 'ingest');
    expect(before).toContain(ingestSection);
    writeFileSync(
      files.aclFile,
      before.replace(ingestSection, `${ingestSection}\ntopic deny releve/v1/trucks/truck-a/lifts`),
    );
    expect(await broker.reload()).toBe(true);
    await round(2);
    writeFileSync(files.aclFile, before);
    expect(await broker.reload()).toBe(true);
    await round(3);
    await waitFor(() => got.find((m) => m.payload === 'a3'));
    expect(got.map((m) => m.payload).sort()).toEqual(['a1', 'a3', 'b1', 'b2', 'b3']);
  });

  it('applies a changed password file on reload() without a restart', async () => {
    mosquittoPasswd(files.passwordFile, 'late-user', 'late-pw');
    expect((await tryConnect(url, { clientId: 'late', username: 'late-user', password: 'late-pw' })).ok).toBe(
      false,
    );
    expect(await broker.reload()).toBe(true);
    const c = cleanup.client(
      await connectOk(url, { clientId: 'late', username: 'late-user', password: 'late-pw' }),
    );
    expect(c.connected).toBe(true);
  });
});
