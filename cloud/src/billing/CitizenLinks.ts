import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CloudError, CloudErrorCode } from '../errors.js';

/** File in the data directory holding the key of citizen links (mode 0600). */
export const CITIZEN_KEY_FILE = 'citizen-links.key';

/**
 * Per-household secret links a citizen opens without an account. A link token is the
 * household id and an HMAC-SHA-256 of it (and of the household's link generation) under a key
 * kept in the data directory, so a token cannot be forged or changed into another household's.
 *
 * - {@link revoke} (`releve-cloud citizen revoke <household>`) raises one household's
 *   generation in the store (`citizen_links`): its link opens nothing any more, and the next
 *   link made for it is a new one.
 * - {@link rotate} (`releve-cloud citizen rotate`) replaces the key: every link stops working.
 *   A running cloud reads the key again when the file changes.
 */
export class CitizenLinks {
  readonly #file: string;
  #key: { mtimeMs: number; bytes: Buffer } | null = null;
  readonly #generation: Database.Statement | null;
  readonly #bump: Database.Statement | null;
  readonly #isHousehold: Database.Statement | null;

  /** `db`: the store, which holds the revocations (without it, every household is at generation 0). */
  constructor(dataDir: string, db: Database.Database | null = null) {
    this.#file = join(dataDir, CITIZEN_KEY_FILE);
    if (!existsSync(this.#file))
      writeFileSync(this.#file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    this.#isHousehold =
      db?.prepare("SELECT 1 FROM accounts WHERE account_id = ? AND kind = 'household'").pluck() ?? null;
    this.#generation =
      db?.prepare('SELECT generation FROM citizen_links WHERE household_id = ?').pluck() ?? null;
    this.#bump =
      db
        ?.prepare(
          `INSERT INTO citizen_links (household_id, generation, revoked_at) VALUES (?, 1, ?)
           ON CONFLICT (household_id) DO UPDATE SET generation = generation + 1, revoked_at = excluded.revoked_at
           RETURNING generation`,
        )
        .pluck() ?? null;
  }

  /** Replaces the key: every link given so far stops working. */
  static rotate(dataDir: string): void {
    writeFileSync(join(dataDir, CITIZEN_KEY_FILE), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  }

  /**
   * Revokes a household's link; returns its new generation. The next {@link tokenFor} is a new
   * link. `not-found` when the registry has no such household.
   */
  revoke(householdId: string, now: Date = new Date()): number {
    if (!this.#bump || !this.#isHousehold) {
      throw new Error('citizen links opened without the store cannot be revoked');
    }
    if (this.#isHousehold.get(householdId) === undefined) {
      throw new CloudError(CloudErrorCode.NotFound, `no household ${householdId} in the registry`);
    }
    return this.#bump.get(householdId, now.toISOString()) as number;
  }

  /** How many times a household's link was revoked. */
  generationOf(householdId: string): number {
    return (this.#generation?.get(householdId) as number | undefined) ?? 0;
  }

  /** The secret token of a household's link: 43 characters of MAC, then the id (base64url). */
  tokenFor(householdId: string): string {
    return `${this.#mac(householdId).toString('base64url')}${Buffer.from(householdId).toString('base64url')}`;
  }

  /** The household a token opens, or null when the token is not one of ours (or was revoked). */
  householdOf(token: string): string | null {
    const m = /^([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{1,200})$/.exec(token);
    if (!m) return null;
    const householdId = Buffer.from(m[2]!, 'base64url').toString('utf8');
    const given = Buffer.from(m[1]!, 'base64url');
    const expected = this.#mac(householdId);
    return given.length === expected.length && timingSafeEqual(given, expected) ? householdId : null;
  }

  /** The key, read again when its file changed (a rotation by the CLI while the cloud runs). */
  #keyBytes(): Buffer {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.#file).mtimeMs;
    } catch (e) {
      // The file went away while the cloud runs: the key read before still holds.
      if (this.#key) return this.#key.bytes;
      throw e;
    }
    if (this.#key?.mtimeMs !== mtimeMs) {
      this.#key = { mtimeMs, bytes: Buffer.from(readFileSync(this.#file, 'utf8').trim(), 'hex') };
    }
    return this.#key.bytes;
  }

  #mac(householdId: string): Buffer {
    const generation = this.generationOf(householdId);
    // Generation 0 keeps the form of the links given before revocation existed.
    const text =
      generation === 0
        ? `releve-citizen-link:v1:${householdId}`
        : `releve-citizen-link:v1:${householdId}:${generation}`;
    return createHmac('sha256', this.#keyBytes()).update(text).digest();
  }
}
