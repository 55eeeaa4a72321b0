import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flagsToConfig } from '../../src/cli/configOptions.js';
import { deviceCommand } from '../../src/cli/credentialCommands.js';
import { CloudConfig, loadCloudConfig } from '../../src/config/CloudConfig.js';
import { CloudError, CloudErrorCode } from '../../src/errors.js';
import { Cleanup, tempDir, writeText } from './support.js';

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

describe('cloud configuration', () => {
  it('fills every default from the one schema', () => {
    const c = CloudConfig.parse({ broker: { allowAnonymous: true } });
    expect(c).toMatchObject({
      dataDir: '.data',
      logLevel: 'info',
      broker: { host: '0.0.0.0', port: 1883, mqttsPort: null, wsPort: null, maxPacketBytes: 1024 * 1024 },
      http: { port: 8080 },
    });
  });

  it('takes relative paths in a file from its directory, and flags win over the file', async () => {
    const dir = cleanup.dir(tempDir());
    writeText(dir, 'passwd', '');
    writeText(dir, 'other-passwd', '');
    const file = writeText(
      dir,
      'cloud.yaml',
      'dataDir: data\nbroker:\n  port: 1999\n  passwordFile: passwd\n',
    );
    const fromFile = await loadCloudConfig(file);
    expect(fromFile.dataDir).toBe(join(dir, 'data'));
    expect(fromFile.broker).toMatchObject({ port: 1999, passwordFile: join(dir, 'passwd') });
    const flagged = await loadCloudConfig(
      file,
      flagsToConfig({ mqttPort: 0, passwordFile: join(dir, 'other-passwd'), wsPort: 0 }),
    );
    expect(flagged.broker).toMatchObject({ port: 0, wsPort: 0, passwordFile: join(dir, 'other-passwd') });
    expect(flagged.dataDir).toBe(join(dir, 'data'));
  });

  it('--host sets the address of the MQTT and the HTTP listeners; without it the file decides each', async () => {
    const dir = cleanup.dir(tempDir());
    const file = writeText(
      dir,
      'cloud.yaml',
      'broker:\n  allowAnonymous: true\n  host: 0.0.0.0\nhttp:\n  host: 10.0.0.5\n',
    );
    const fromFile = await loadCloudConfig(file, flagsToConfig({}));
    expect([fromFile.broker.host, fromFile.http.host]).toEqual(['0.0.0.0', '10.0.0.5']);
    const flagged = await loadCloudConfig(file, flagsToConfig({ host: '127.0.0.1' }));
    expect([flagged.broker.host, flagged.http.host]).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('reads JSON as well as YAML', async () => {
    const dir = cleanup.dir(tempDir());
    const file = writeText(
      dir,
      'cloud.json',
      JSON.stringify({ broker: { allowAnonymous: true, wsPort: 0 } }),
    );
    expect((await loadCloudConfig(file)).broker.wsPort).toBe(0);
  });

  it('reports every problem in one CloudError with the config code', async () => {
    const err = await loadCloudConfig(null, {
      logLevel: 'loud' as 'info',
      broker: { port: null, passwordFile: '/nonexistent/passwd', tlsCert: '/nonexistent/cert.pem' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    const e = err as CloudError;
    expect(e.code).toBe(CloudErrorCode.Config);
    for (const part of [
      'logLevel',
      'no MQTT listener',
      'tlsCert and tlsKey go together',
      'broker.passwordFile: cannot read /nonexistent/passwd',
      'broker.tlsCert: cannot read /nonexistent/cert.pem',
    ]) {
      expect(e.message).toContain(part);
    }
  });

  it('reports a misspelt key with the other problems instead of ignoring it', async () => {
    const dir = cleanup.dir(tempDir());
    const passwordFile = writeText(dir, 'passwd', '');
    writeText(dir, 'acl', '');
    // `aclFle` ignored would start the broker without its ACL: every user could read everything
    const file = writeText(
      dir,
      'cloud.yaml',
      [
        'brokr: {}',
        'broker:',
        `  passwordFile: ${passwordFile}`,
        '  aclFle: acl',
        '  mqttsPort: 8883',
        'http:',
        '  prot: 8081',
        'tsdb:',
        '  url: http://127.0.0.1:8428',
        '  tokn: x',
      ].join('\n'),
    );
    const err = await loadCloudConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    const message = (err as CloudError).message;
    for (const part of [
      '"brokr"',
      '"aclFle"',
      '"prot"',
      '"tokn"',
      'the TLS listener needs tlsCert and tlsKey',
    ]) {
      expect(message).toContain(part);
    }
  });

  it("lets device add read its two paths from serve's whole configuration file", async () => {
    const dir = cleanup.dir(tempDir());
    const file = writeText(
      dir,
      'cloud.yaml',
      [
        'dataDir: .',
        'broker:',
        '  port: 1883',
        '  wsPort: 8083',
        '  passwordFile: passwd',
        '  aclFile: acl',
        'http:',
        '  port: 8080',
      ].join('\n'),
    );
    const lines: string[] = [];
    await deviceCommand({ out: (l) => lines.push(l) }).parseAsync(
      ['add', 'truck-31', '--kind', 'truck', '--config', file],
      { from: 'user' },
    );
    expect(lines).toContain('username   truck-31');
    expect(readFileSync(join(dir, 'passwd'), 'utf8')).toMatch(/^truck-31:\$7\$/);
    expect(readFileSync(join(dir, 'acl'), 'utf8')).toContain('user truck-31');
  });

  it('refuses a configuration nobody could connect to', () => {
    const r = CloudConfig.safeParse({});
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]?.message).toContain('nobody could connect');
  });
});
