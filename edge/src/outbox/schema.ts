import type Database from 'better-sqlite3';
import { EdgeError, EdgeErrorCode } from '../errors.js';

/**
 * Versioned schema of the outbox database, migrated with SQLite's `user_version` pragma.
 * Each entry upgrades from version `index` to `index + 1`; never edit a shipped step, append one.
 *
 * - `outbox`: the events not yet acknowledged by the broker, one row per event, keyed by the
 *   per-device sequence number (`seq`), so a plain `ORDER BY seq` is publishing order.
 * - `counter`: persisted counters. `next_seq` is the next sequence number to hand out; it only
 *   grows, so a number is never reused even after every row was acknowledged and deleted.
 *   `dropped` counts events removed by the size bound (see `retention.ts`).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE outbox (
     seq        INTEGER PRIMARY KEY,
     id         TEXT    NOT NULL UNIQUE,
     kind       TEXT    NOT NULL,
     topic      TEXT    NOT NULL,
     qos        INTEGER NOT NULL CHECK (qos IN (0, 1, 2)),
     retained   INTEGER NOT NULL CHECK (retained IN (0, 1)),
     drop_tier  INTEGER NOT NULL,
     payload    BLOB    NOT NULL,
     created_at TEXT    NOT NULL
   ) STRICT;
   CREATE INDEX outbox_drop ON outbox (drop_tier, seq) WHERE drop_tier > 0;
   CREATE TABLE counter (
     name  TEXT    PRIMARY KEY,
     value INTEGER NOT NULL
   ) STRICT;
   INSERT INTO counter (name, value) VALUES ('next_seq', 1), ('dropped', 0);`,
];

/** Schema version this code writes. */
export const OUTBOX_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to `OUTBOX_SCHEMA_VERSION`, each step in its own transaction together
 * with its `user_version` bump, so a crash mid-migration leaves the previous version intact.
 * Refuses a database written by a newer agent rather than guess at its layout.
 */
export function migrateOutbox(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > OUTBOX_SCHEMA_VERSION) {
    throw new EdgeError(
      EdgeErrorCode.OutboxSchemaTooNew,
      `outbox schema version ${current} is newer than this agent's ${OUTBOX_SCHEMA_VERSION}`,
    );
  }
  for (let v = current; v < OUTBOX_SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step === undefined) break;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return OUTBOX_SCHEMA_VERSION;
}
