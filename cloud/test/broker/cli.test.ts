import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { commandService, freePort, requireService, waitFor } from '@releve/shared/testing/index';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAclFile } from '../../src/broker/AclFile.js';
import { parsePasswordFile } from '../../src/broker/PasswordFile.js';
import { field, runCli, startCli } from './cliProcess.js';
import { Cleanup, collect, connectOk, tempDir, tryConnect, writeText } from './support.js';

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

// every CLI run starts node + tsx and compiles the sources: slow on a loaded 2-core machine
describe('releve-cloud CLI', { timeout: 180_000 }, () => {
  it('--help lists the commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'demo', 'device', 'user']) expect(r.out).toContain(c);
  });

  it('device add writes a $7$ line and the contract ACL section, prints the secret once, refuses a duplicate', async () => {
    const dir = cleanup.dir(tempDir());
    const files = ['--password-file', join(dir, 'passwd'), '--acl-file', join(dir, 'acl'), '--data-dir', dir];
    const r = await runCli(['device', 'add', 'gw-9', '--kind', 'gateway', ...files]);
    expect(r.code).toBe(0);
    const secret = field(r.out, 'password');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const pw = readFileSync(join(dir, 'passwd'), 'utf8');
    expect(pw).toMatch(/^gw-9:\$7\$1000\$/);
    expect(pw).not.toContain(secret);
    const acl = parseAclFile(readFileSync(join(dir, 'acl'), 'utf8'));
    expect(acl.problems).toEqual([]);
    expect(acl.table.users.get('gw-9')?.map((x) => `${x.access} ${x.filter}`)).toContain(
      'write releve/v1/gateways/gw-9/sightings',
    );
    const again = await runCli(['device', 'add', 'gw-9', '--kind', 'gateway', ...files]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('[usage] gw-9 already exists');
    expect(again.err).not.toContain('    at ');
    const rotated = await runCli(['device', 'add', 'gw-9', '--kind', 'gateway', '--rotate', ...files]);
    expect(rotated.code).toBe(0);
    expect(field(rotated.out, 'password')).not.toBe(secret);
    expect(parsePasswordFile(readFileSync(join(dir, 'passwd'), 'utf8')).table.users.size).toBe(1);
    expect(readFileSync(join(dir, 'acl'), 'utf8').match(/^user gw-9$/gm)).toHaveLength(1);
  });

  it('refuses a device id outside the contract', async () => {
    const dir = cleanup.dir(tempDir());
    const r = await runCli([
      'device',
      'add',
      'Truck/1',
      '--kind',
      'truck',
      '--password-file',
      join(dir, 'p'),
      '--acl-file',
      join(dir, 'a'),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('device id');
  });

  it('serve reports every configuration error at once', async () => {
    const dir = cleanup.dir(tempDir());
    const config = writeText(
      dir,
      'cloud.yaml',
      [
        'broker:',
        '  port: 70000',
        '  mqttsPort: 8883',
        `  passwordFile: missing-passwd`,
        '  maxPacketBytes: 10',
        'http:',
        '  port: -1',
      ].join('\n'),
    );
    const r = await runCli(['serve', '--config', config]);
    expect(r.code).toBe(1);
    for (const path of ['broker.port', 'broker.maxPacketBytes', 'http.port']) expect(r.err).toContain(path);
    expect(r.err).not.toContain('    at ');
    // schema-valid but inconsistent: all the cross-field problems and the missing file together
    const config2 = writeText(
      dir,
      'cloud2.json',
      JSON.stringify({ broker: { mqttsPort: 0, tlsCert: 'c.pem', passwordFile: 'nope' } }),
    );
    const r2 = await runCli(['serve', '--config', config2]);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('the TLS listener needs tlsCert and tlsKey');
    expect(r2.err).toContain('tlsCert and tlsKey go together');
    expect(r2.err).toContain(`cannot read ${join(dir, 'nope')}`);
  });

  it('serve says clearly when its port is taken, without a stack trace', async () => {
    const dir = cleanup.dir(tempDir());
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as { port: number }).port;
    const r = await runCli([
      'serve',
      '--allow-anonymous',
      '--host',
      '127.0.0.1',
      '--mqtt-port',
      String(taken),
      '--http-port',
      '0',
      '--data-dir',
      dir,
      '--log-level',
      'silent',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`[listen] mqtt listener: port ${taken} on 127.0.0.1 is already in use`);
    expect(r.err).not.toContain('    at ');
  });

  it('serve binds HTTP to --host too, and names the port and the setting when the HTTP port is taken', async () => {
    const dir = cleanup.dir(tempDir());
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as { port: number }).port;
    const r = await runCli([
      'serve',
      '--allow-anonymous',
      '--host',
      '127.0.0.1',
      '--mqtt-port',
      '0',
      '--http-port',
      String(taken),
      '--data-dir',
      dir,
      '--log-level',
      'silent',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `[listen] HTTP API: port ${taken} on 127.0.0.1 is already in use; choose another with --http-port or http.port`,
    );
    expect(r.err).not.toContain('EADDRINUSE');
    expect(r.err).not.toContain('    at ');
  });

  it('serve runs the broker, picks up device add through SIGHUP, and stops on SIGINT', async () => {
    const dir = cleanup.dir(tempDir());
    const files = ['--password-file', join(dir, 'passwd'), '--acl-file', join(dir, 'acl'), '--data-dir', dir];
    const admin = await runCli(['user', 'add', 'ops', '--role', 'monitor', ...files]);
    expect(admin.code).toBe(0);
    const serve = startCli([
      'serve',
      ...files,
      '--host',
      '127.0.0.1',
      '--mqtt-port',
      '0',
      '--ws-port',
      '0',
      '--http-port',
      '0',
      '--log-level',
      'warn',
    ]);
    cleanup.add(() => serve.child.kill('SIGKILL'));
    const line = await waitFor(
      () => /mqtt (\d+), mqtts off, ws (\d+)/.exec(serve.err()),
      60_000,
      'serve to start',
    );
    const url = `mqtt://127.0.0.1:${line[1]}`;
    const watcher = cleanup.client(
      await connectOk(url, { clientId: 'ops-1', username: 'ops', password: field(admin.out, 'password') }),
    );
    const got = collect(watcher);
    await watcher.subscribeAsync('releve/v1/trucks/+/status', { qos: 1 });

    const added = await runCli(['device', 'add', 'truck-42', '--kind', 'truck', ...files]);
    expect(added.out).toContain('Sent SIGHUP');
    const creds = { clientId: 'truck-42', username: 'truck-42', password: field(added.out, 'password') };
    const truck = await waitFor(
      async () => {
        const r = await tryConnect(url, creds);
        return r.ok ? r.client : null;
      },
      60_000,
      'the new device to be accepted',
    );
    cleanup.client(truck);
    await truck.publishAsync('releve/v1/trucks/truck-42/status', 'hello', { qos: 1 });
    await waitFor(() => got.find((m) => m.payload === 'hello'));

    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  });

  it('demo says when port 1883-style default is taken, uses a free port, and its sample users work', async () => {
    const dir = cleanup.dir(tempDir());
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as { port: number }).port;
    const demo = startCli([
      'demo',
      '--data-dir',
      dir,
      '--mqtt-port',
      String(taken),
      '--ws-port',
      String(await freePort()),
      '--http-port',
      String(await freePort()),
    ]);
    cleanup.add(() => demo.child.kill('SIGKILL'));
    await waitFor(() => demo.out().includes('Ctrl-C stops'), 60_000, 'the demo banner');
    expect(demo.out()).toContain(`Port ${taken} (MQTT) is already taken`);
    const port = Number(/mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(demo.out())?.[1]);
    expect(port).not.toBe(taken);
    const secrets = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8')) as Record<
      string,
      string
    >;
    const c = cleanup.client(
      await connectOk(`mqtt://127.0.0.1:${port}`, {
        clientId: 'truck-01',
        username: 'truck-01',
        password: secrets['truck-01'],
      }),
    );
    expect(c.connected).toBe(true);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
  });
});

const hasMosquitto = await requireService(commandService('mosquitto'));

/** The files `device add`/`user add` write are accepted by the real Mosquitto broker. */
describe.skipIf(!hasMosquitto)(
  'credentials written by releve-cloud, used by Mosquitto',
  { timeout: 180_000 },
  () => {
    it('Mosquitto authenticates our $7$ hashes and enforces our ACL sections', async () => {
      const dir = cleanup.dir(tempDir());
      const files = [
        '--password-file',
        join(dir, 'passwd'),
        '--acl-file',
        join(dir, 'acl'),
        '--data-dir',
        dir,
      ];
      const truck = await runCli(['device', 'add', 'truck-m', '--kind', 'truck', ...files]);
      const ingest = await runCli(['user', 'add', 'ingest-m', '--role', 'ingest', ...files]);
      expect([truck.code, ingest.code]).toEqual([0, 0]);
      const port = await freePort();
      const conf = writeText(
        dir,
        'mosquitto.conf',
        [
          `listener ${port} 127.0.0.1`,
          'allow_anonymous false',
          `password_file ${join(dir, 'passwd')}`,
          `acl_file ${join(dir, 'acl')}`,
          'persistence false',
          'user root',
          '',
        ].join('\n'),
      );
      const mosquitto = spawn('mosquitto', ['-c', conf], { stdio: 'pipe' });
      let log = '';
      mosquitto.stderr?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      cleanup.add(() => mosquitto.kill('SIGTERM'));
      const url = `mqtt://127.0.0.1:${port}`;
      const ingestCreds = {
        clientId: 'ingest-m-1',
        username: 'ingest-m',
        password: field(ingest.out, 'password'),
      };
      const sub = await waitFor(
        async () => {
          const r = await tryConnect(url, ingestCreds);
          return r.ok ? r.client : null;
        },
        60_000,
        `Mosquitto to accept the ingest user (${log})`,
      );
      cleanup.client(sub);
      const got = collect(sub);
      await sub.subscribeAsync(['releve/v1/trucks/+/lifts'], { qos: 1 });
      const t = cleanup.client(
        await connectOk(url, {
          clientId: 'truck-m',
          username: 'truck-m',
          password: field(truck.out, 'password'),
        }),
      );
      await t.publishAsync('releve/v1/trucks/other/lifts', 'forged', { qos: 1 }); // Mosquitto drops it silently
      await t.publishAsync('releve/v1/trucks/truck-m/lifts', 'real', { qos: 1 });
      await waitFor(() => got.find((m) => m.payload === 'real'));
      expect(got.map((m) => m.payload)).toEqual(['real']);
      const wrong = await tryConnect(url, { clientId: 'truck-m', username: 'truck-m', password: 'wrong' });
      expect(wrong.ok).toBe(false);
    });
  },
);
