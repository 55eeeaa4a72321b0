import type { Migration } from './Migration.js';

/**
 * Lifts are their own deduplication ledger. Until now a lift was written twice by event id, in
 * `events` and in `lifts`, each with a unique index on the device-made UUID; random keys make
 * every insert dirty a leaf page of its own, so these two indexes were most of what a commit
 * writes to the WAL. A lift's row now carries the digest of its bytes and the `events` rows of
 * lifts go (their digests move over). Other kinds keep their `events` row; the writer checks an
 * id in both places, so an event id is still stored once across all kinds.
 *
 * Also drops the two lift indexes that `lifts_started_event` and `lifts_truck_started_event`
 * (migration 5) cover as prefixes.
 */
export const liftLedgerMigration: Migration = {
  version: 8,
  name: 'lift-ledger',
  sql: `
ALTER TABLE lifts ADD COLUMN digest BLOB;
UPDATE lifts SET digest = (SELECT e.digest FROM events e WHERE e.event_id = lifts.event_id);
DELETE FROM events WHERE kind = 'lift';
DROP INDEX lifts_started;
DROP INDEX lifts_truck_started;
`,
};
