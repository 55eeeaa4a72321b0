import type { Migration } from './Migration.js';

/**
 * Lifts are their own deduplication ledger. Until now a lift was written twice by event id, in
 * `events` and in `lifts`, each with a unique index on the device-made UUID; random keys make
 * every insert dirty a leaf page of its own, so these two indexes were most of what a commit
 * wrote to the WAL. A new lift's row carries the digest of its bytes and no `events` row is
 * written for it; other kinds keep their `events` row, and the writer looks an id up in both,
 * so an event id is still stored once across all kinds.
 *
 * Lifts stored before keep their `events` row (with the digest) and a null `digest`: the
 * writer's look-up in `events` finds them, and retention deletes those rows with their lifts.
 * So this migration rewrites no row and runs in moments on a store of any size.
 *
 * Also drops the two lift indexes that `lifts_started_event` and `lifts_truck_started_event`
 * (migration 5) cover as prefixes.
 */
export const liftLedgerMigration: Migration = {
  version: 8,
  name: 'lift-ledger',
  sql: `
ALTER TABLE lifts ADD COLUMN digest BLOB;
DROP INDEX lifts_started;
DROP INDEX lifts_truck_started;
`,
};
