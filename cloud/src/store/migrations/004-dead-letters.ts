import type { Migration } from './Migration.js';

/**
 * Messages the ingest could not store as they are, with their raw bytes, and the store's
 * counters (evicted dead letters, duplicates, purged rows) that survive restarts.
 */
export const deadLettersMigration: Migration = {
  version: 4,
  name: 'dead-letters',
  sql: `
CREATE TABLE dead_letters (
  dead_letter_id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at TEXT NOT NULL,
  topic TEXT NOT NULL,
  client_id TEXT,
  reason_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  payload BLOB NOT NULL,
  payload_size INTEGER NOT NULL
) STRICT;
CREATE INDEX dead_letters_reason ON dead_letters (reason_code);

CREATE TABLE store_counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
`,
};
