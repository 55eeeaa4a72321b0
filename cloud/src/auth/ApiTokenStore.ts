import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Role } from './roles.js';

/** What `token list` shows about a token (never the secret, never its hash). */
export interface ApiTokenInfo {
  id: string;
  role: Role;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A freshly issued token: `secret` is shown once and never stored. */
export interface IssuedApiToken extends ApiTokenInfo {
  secret: string;
}

/** The identity behind a verified bearer token. */
export interface ApiPrincipal {
  tokenId: string;
  role: Role;
  label: string;
}

/** Prefix of every token, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'rlv_';
/** How often `last_used_at` is written per token at most (verification is on every request). */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * SHA-256 of a token. A fast hash is right here and a password hash (bcrypt, argon2) is not
 * needed: the secret is 32 random bytes (256 bits), so nobody can search the input space the
 * way one searches human passwords; a stolen table gives no token back. A fast hash also lets
 * the lookup be an index seek on the hash, without a per-token salt.
 */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
)`;

interface TokenRow {
  id: string;
  role: Role;
  label: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/**
 * Bearer tokens of the HTTP API, kept hashed in the `api_tokens` table. The table is owned by
 * this module and created on open (`CREATE TABLE IF NOT EXISTS`), so it can live in the
 * cloud's main SQLite file or in a file of its own.
 */
export class ApiTokenStore {
  private readonly lastUsedWritten = new Map<string, number>();

  /** @param ownsDb close `db` in `close()` (true when `open()` made it) */
  constructor(
    private readonly db: Database.Database,
    private readonly ownsDb = false,
  ) {
    db.exec(SCHEMA);
  }

  /** Opens (or creates) a SQLite file holding the tokens table. */
  static open(path: string): ApiTokenStore {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    return new ApiTokenStore(db, true);
  }

  /** Issues a token for a role. The returned `secret` exists nowhere else afterwards. */
  issue(role: Role, label = '', now = new Date()): IssuedApiToken {
    const id = randomBytes(6).toString('hex');
    const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const createdAt = now.toISOString();
    this.db
      .prepare('INSERT INTO api_tokens (id, token_sha256, role, label, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, hashToken(secret), role, label, createdAt);
    return { id, role, label, createdAt, lastUsedAt: null, revokedAt: null, secret };
  }

  /** Every token, newest first, revoked ones included (with `revokedAt`). */
  list(): ApiTokenInfo[] {
    const rows = this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at DESC, id').all() as TokenRow[];
    return rows.map(toInfo);
  }

  /** Revokes a token by id; false when there is no such active token. */
  revoke(id: string, now = new Date()): boolean {
    const r = this.db
      .prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(now.toISOString(), id);
    return r.changes === 1;
  }

  /** The principal behind a presented secret, or null for an unknown or revoked token. */
  verify(secret: string, now = new Date()): ApiPrincipal | null {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE token_sha256 = ?').get(hashToken(secret)) as
      | TokenRow
      | undefined;
    if (!row || row.revoked_at !== null) return null;
    const last = this.lastUsedWritten.get(row.id) ?? 0;
    if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(row.id, now.getTime());
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now.toISOString(), row.id);
    }
    return { tokenId: row.id, role: row.role, label: row.label };
  }

  /** Closes the database when this store opened it itself. */
  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}

function toInfo(r: TokenRow): ApiTokenInfo {
  return {
    id: r.id,
    role: r.role,
    label: r.label,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}
