import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CitizenLinks } from '../../src/billing/CitizenLinks.js';
import { Store } from '../../src/store/Store.js';
import { runCli } from '../broker/cliProcess.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'releve-citizen-'));
  store = Store.open({ dataDir: dir, logger: pino({ level: 'silent' }) });
  store.db.exec(`
    INSERT INTO accounts (account_id, kind, name) VALUES ('H1', 'household', 'Foyer 1'), ('H2', 'household', 'Foyer 2'), ('S1', 'building-manager', 'Syndic');
    INSERT INTO households (household_id, persons, moved_in) VALUES ('H1', 2, '2020-01-01'), ('H2', 3, '2020-01-01');
  `);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('citizen links', () => {
  it('revoke one household: its old link opens nothing, its new one does, the others stay', () => {
    const links = new CitizenLinks(dir, store.db);
    const h1 = links.tokenFor('H1');
    const h2 = links.tokenFor('H2');
    expect(links.revoke('H1', new Date('2026-11-29T08:00:00Z'))).toBe(1);
    expect(links.householdOf(h1)).toBeNull();
    const h1New = links.tokenFor('H1');
    expect(h1New).not.toBe(h1);
    expect(links.householdOf(h1New)).toBe('H1');
    expect(links.householdOf(h2)).toBe('H2');
    expect(links.revoke('H1')).toBe(2);
    expect(links.householdOf(h1New)).toBeNull();
    expect(store.db.prepare('SELECT household_id, generation, revoked_at FROM citizen_links').all()).toEqual([
      { household_id: 'H1', generation: 2, revoked_at: expect.stringMatching(/^\d{4}-/) },
    ]);
    // A link given before revocations existed (generation 0) has the same form as before.
    expect(new CitizenLinks(dir).tokenFor('H2')).toBe(h2);
  });

  it('from the CLI, while another process holds the links: revoke one, then rotate the key for all', async () => {
    const running = new CitizenLinks(dir, store.db);
    const h1 = running.tokenFor('H1');
    const h2 = running.tokenFor('H2');
    const revoked = await runCli(['citizen', 'revoke', 'H1', '--data-dir', dir]);
    expect(revoked).toMatchObject({ code: 0, err: '' });
    expect(revoked.out).toMatch(/^link of H1 revoked \(1 revocation so far\)/);
    expect(running.householdOf(h1)).toBeNull();
    expect(running.householdOf(h2)).toBe('H2');

    const unknown = await runCli(['citizen', 'revoke', 'S1', '--data-dir', dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no household S1 in the registry/);

    const h1New = running.tokenFor('H1');
    const rotated = await runCli(['citizen', 'rotate', '--data-dir', dir]);
    expect(rotated).toMatchObject({ code: 0, err: '' });
    // The running process reads the new key: every link given before opens nothing.
    expect(running.householdOf(h2)).toBeNull();
    expect(running.householdOf(h1New)).toBeNull();
    expect(running.householdOf(running.tokenFor('H2'))).toBe('H2');
  });
});
