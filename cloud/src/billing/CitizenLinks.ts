import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File in the data directory holding the key of citizen links (mode 0600). */
export const CITIZEN_KEY_FILE = 'citizen-links.key';

/**
 * Per-household secret links a citizen opens without an account. A link token is the
 * household id and an HMAC-SHA-256 of it under a key kept in the data directory, so nothing
 * per link is stored and a token cannot be forged or changed into another household's.
 * Rotating the key (`releve-cloud citizen rotate`) revokes every link at once; a single
 * household's link cannot be revoked alone (docs/billing.md).
 */
export class CitizenLinks {
  readonly #key: Buffer;

  constructor(dataDir: string) {
    const file = join(dataDir, CITIZEN_KEY_FILE);
    if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    this.#key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }

  /** Replaces the key: every link given so far stops working. */
  static rotate(dataDir: string): void {
    writeFileSync(join(dataDir, CITIZEN_KEY_FILE), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  }

  /** The secret token of a household's link: 43 characters of MAC, then the id (base64url). */
  tokenFor(householdId: string): string {
    return `${this.#mac(householdId).toString('base64url')}${Buffer.from(householdId).toString('base64url')}`;
  }

  /** The household a token opens, or null when the token is not one of ours. */
  householdOf(token: string): string | null {
    const m = /^([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{1,200})$/.exec(token);
    if (!m) return null;
    const householdId = Buffer.from(m[2]!, 'base64url').toString('utf8');
    const given = Buffer.from(m[1]!, 'base64url');
    const expected = this.#mac(householdId);
    return given.length === expected.length && timingSafeEqual(given, expected) ? householdId : null;
  }

  #mac(householdId: string): Buffer {
    return createHmac('sha256', this.#key).update(`releve-citizen-link:v1:${householdId}`).digest();
  }
}
