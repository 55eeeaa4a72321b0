import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandService, requireService } from '@releve/shared/testing/index';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePasswordFile, upsertPasswordLine } from '../../src/broker/PasswordFile.js';
import {
  formatPasswordHash,
  generateSecret,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from '../../src/broker/PasswordHash.js';
import { Cleanup, mosquittoPasswd, tempDir } from './support.js';

const hasPasswd = await requireService(commandService('mosquitto_passwd'));
const cleanup = new Cleanup();
afterAll(() => cleanup.run());

describe.skipIf(!hasPasswd)('hashes written by the real mosquitto_passwd', () => {
  let file = '';
  let parsed: ReturnType<typeof parsePasswordFile>;
  beforeAll(() => {
    file = join(cleanup.dir(tempDir()), 'passwd');
    mosquittoPasswd(file, 'pbkdf2-user', 'correct horse');
    mosquittoPasswd(file, 'sha512-user', 'battery staple', 'sha512');
    parsed = parsePasswordFile(readFileSync(file, 'utf8'));
  });

  it('parses both formats', () => {
    const { table, problems } = parsed;
    expect(problems).toEqual([]);
    expect(table.users.get('pbkdf2-user')?.kind).toBe('sha512-pbkdf2');
    expect(table.users.get('sha512-user')?.kind).toBe('sha512');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const { table } = parsed;
    const p7 = table.users.get('pbkdf2-user');
    const p6 = table.users.get('sha512-user');
    if (!p7 || !p6) throw new Error('users missing');
    expect(await verifyPassword('correct horse', p7)).toBe(true);
    expect(await verifyPassword('correct horsE', p7)).toBe(false);
    expect(await verifyPassword('battery staple', p6)).toBe(true);
    expect(await verifyPassword('', p6)).toBe(false);
  });

  it('formats a parsed hash back to the exact text mosquitto_passwd wrote', () => {
    const { table } = parsed;
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    for (const line of lines) {
      const [user, hash] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
      const parsed = table.users.get(user);
      if (!parsed) throw new Error(`${user} missing`);
      expect(formatPasswordHash(parsed)).toBe(hash);
    }
  });
});

describe('our $7$ hashes', () => {
  it('verify with the secret they were made from, and only with it', async () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const h = await hashPassword(secret);
    const text = formatPasswordHash(h);
    expect(text).toMatch(/^\$7\$1000\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    const back = parsePasswordHash(text);
    if (!back) throw new Error('own hash did not parse');
    expect(await verifyPassword(secret, back)).toBe(true);
    expect(await verifyPassword(`${secret}x`, back)).toBe(false);
  });

  it('two hashes of one password differ (fresh salt)', async () => {
    const a = formatPasswordHash(await hashPassword('same'));
    const b = formatPasswordHash(await hashPassword('same'));
    expect(a).not.toBe(b);
  });

  it('upsert replaces one line and keeps the others', async () => {
    const dir = cleanup.dir(tempDir());
    const file = join(dir, 'passwd');
    await upsertPasswordLine(file, 'a', await hashPassword('1'));
    await upsertPasswordLine(file, 'b', await hashPassword('2'));
    const existed = await upsertPasswordLine(file, 'a', await hashPassword('3'));
    expect(existed).toBe(true);
    const { table } = parsePasswordFile(readFileSync(file, 'utf8'));
    expect([...table.users.keys()]).toEqual(['a', 'b']);
    const a = table.users.get('a');
    if (!a) throw new Error('a missing');
    expect(await verifyPassword('3', a)).toBe(true);
  });
});

describe('password file parsing', () => {
  it('reports every unusable line with its number and keeps the good ones', () => {
    const good =
      '$6$fcRsJkpDI5H2dFO5$0Q5KMPz1bpLkwUHDB7bEgsDN09Lh5FfaR3Yw5uLw7Cdqo/iDjIHwuoYFuTPZJagiUOTgJeCj6cjpNnPhaPJXsA==';
    const text = ['# comment', '', `bob:${good}`, 'alice:plaintext', 'nocolon', '$7$bad', `:${good}`].join(
      '\n',
    );
    const { table, problems } = parsePasswordFile(text);
    expect([...table.users.keys()]).toEqual(['bob']);
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 7]);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const { table, problems } = parsePasswordFile(s);
        expect(table.users.size + problems.length).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^\$[67]\$[0-9A-Za-z+/=$]{0,120}$/), (s) => {
        const h = parsePasswordHash(s);
        if (h) expect(formatPasswordHash(h).startsWith(`$${h.kind === 'sha512' ? 6 : 7}$`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
