import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeError, EdgeErrorCode } from '../../src/errors.js';
import { ReconnectBackoff } from '../../src/mqtt/ReconnectBackoff.js';
import { loadLinkSecrets } from '../../src/mqtt/secrets.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadLinkSecrets', () => {
  it('reads the password from the first line of a file, and TLS files as bytes', () => {
    writeFileSync(join(dir, 'pw'), 's3cret\nignored\n');
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    const s = loadLinkSecrets({ passwordFile: join(dir, 'pw'), caFile: join(dir, 'ca.pem') }, {});
    expect(s.password).toBe('s3cret');
    expect(s.tls?.ca?.toString()).toBe('CA PEM');
  });

  it('falls back to the environment variable', () => {
    expect(loadLinkSecrets({}, { RELEVE_MQTT_PASSWORD: 'from-env' }).password).toBe('from-env');
    expect(loadLinkSecrets({ passwordEnv: 'GW_PW' }, { GW_PW: 'x' }).password).toBe('x');
    expect(loadLinkSecrets({}, {})).toEqual({});
  });

  it('reports every problem at once with one coded error', () => {
    writeFileSync(join(dir, 'empty'), '\n');
    let error: unknown;
    try {
      loadLinkSecrets(
        {
          passwordFile: join(dir, 'empty'),
          caFile: join(dir, 'missing-ca.pem'),
          certFile: join(dir, 'c.pem'),
        },
        {},
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EdgeError);
    const e = error as EdgeError;
    expect(e.code).toBe(EdgeErrorCode.LinkCredentials);
    expect(e.message).toContain('is empty');
    expect(e.message).toContain('missing-ca.pem');
    expect(e.message).toContain('both certFile and keyFile');
    expect(e.message).toContain('c.pem');
  });
});

describe('ReconnectBackoff', () => {
  it('doubles up to the ceiling, takes jitter off, and resets', () => {
    const noJitter = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 }, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => noJitter.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    noJitter.reset();
    expect(noJitter.next()).toBe(100);
    const fullJitter = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 }, () => 1);
    expect([1, 2, 3].map(() => fullJitter.next())).toEqual([80, 160, 320]);
  });
});
