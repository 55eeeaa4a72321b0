import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiTokenStore, hashToken, TOKEN_PREFIX } from '../../src/auth/ApiTokenStore.js';
import { tokenCommand } from '../../src/auth/tokenCommand.js';
import { Store } from '../../src/store/Store.js';

describe('API tokens', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'releve-tokens-'));
    path = join(dir, 'tokens.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a 256-bit secret bound to a role, and verifies it', () => {
    const store = ApiTokenStore.open(path);
    const t = store.issue('billing', 'finance office');
    expect(t.secret.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(t.secret.slice(TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(store.verify(t.secret)).toEqual({ tokenId: t.id, role: 'billing', label: 'finance office' });
    expect(store.verify(`${t.secret}x`)).toBeNull();
    expect(store.verify('Bearer nonsense')).toBeNull();
    store.close();
  });

  it('keeps only the SHA-256 of the secret on disk', () => {
    const store = ApiTokenStore.open(path);
    const secrets = [store.issue('admin').secret, store.issue('dispatcher').secret];
    store.close();
    const bytes = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
    for (const s of secrets) {
      expect(bytes.includes(Buffer.from(s))).toBe(false);
      expect(bytes.includes(Buffer.from(s.slice(TOKEN_PREFIX.length)))).toBe(false);
      expect(bytes.includes(Buffer.from(hashToken(s)))).toBe(true);
    }
  });

  it('lists without secrets, revokes at once, and survives reopening', () => {
    let store = ApiTokenStore.open(path);
    const a = store.issue('admin', 'ops');
    const b = store.issue('beacon-operator', 'DSP operator');
    expect(JSON.stringify(store.list())).not.toContain(a.secret);
    expect(store.revoke(b.id)).toBe(true);
    expect(store.revoke(b.id)).toBe(false);
    expect(store.revoke('nope')).toBe(false);
    expect(store.verify(b.secret)).toBeNull();
    store.close();
    store = ApiTokenStore.open(path);
    expect(store.verify(a.secret)?.role).toBe('admin');
    expect(store.verify(b.secret)).toBeNull();
    const listed = store.list();
    expect(listed.find((t) => t.id === b.id)?.revokedAt).not.toBeNull();
    expect(listed.find((t) => t.id === a.id)?.lastUsedAt).not.toBeNull();
    store.close();
  });

  it('runs `token add|list|revoke` on the store file of the data dir, which a running API reads', async () => {
    const dataDir = join(dir, 'data');
    const lines: string[] = [];
    const run = (...args: string[]) => {
      const cmd = tokenCommand(undefined, { out: (l) => lines.push(l) });
      // errors throw instead of exiting the test process (commander settings are per command)
      for (const c of [cmd, ...cmd.commands])
        c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      return cmd.parseAsync(['--data-dir', dataDir, ...args], { from: 'user' });
    };
    await run('add', '--role', 'dispatcher', '--label', 'depot');
    const secret = lines.find((l) => l.startsWith('token'))?.split(/\s+/)[1] ?? '';
    const id = lines.find((l) => l.startsWith('id'))?.split(/\s+/)[1] ?? '';
    // the cloud's store opens the same file (migrations next to the tokens table)
    const store = Store.open({ dataDir, logger: pino({ level: 'silent' }) });
    const api = new ApiTokenStore(store.db);
    expect(api.verify(secret)?.role).toBe('dispatcher');

    lines.length = 0;
    await run('list', '--json');
    expect(JSON.parse(lines.join('\n'))).toMatchObject([{ id, role: 'dispatcher', label: 'depot' }]);

    await run('revoke', id);
    expect(api.verify(secret)).toBeNull();
    store.close();
    await expect(run('revoke', id)).rejects.toThrow(/no active token/);
    await expect(run('add', '--role', 'citizen')).rejects.toThrow(/role must be one of/);
  });
});
