import type { Migration } from './Migration.js';

/**
 * Sealed blocks of lifts, for billing. Lifts are only ever added, each with the next rowid, so
 * once the table holds a rowid past a block of 8,192 rowids, that block's lifts no longer
 * change: the writer then stores what billing reads of them (start, tag, net weight, flags,
 * id) once, in a compact binary form (`LiftBlocks.ts`), and a billing run reads a block as one
 * value instead of 8,192 rows. Tags are numbered in `lift_block_tags` (insert-only).
 *
 * The triggers keep a sealed block true whatever happens to the table: a lift added to,
 * changed in or deleted from a block's rowid range (retention, a reused rowid) drops the block,
 * whose lifts are then read from `lifts` again. `body` is null for a block holding a lift the
 * binary form cannot hold (read from `lifts` too). A store migrated with lifts in it seals its
 * blocks as the writer goes; until then billing reads them from `lifts`.
 */
export const liftBlocksMigration: Migration = {
  version: 9,
  name: 'lift-blocks',
  sql: `
CREATE TABLE lift_blocks (
  block INTEGER PRIMARY KEY,
  lifts INTEGER NOT NULL,
  first_started_ms INTEGER,
  last_started_ms INTEGER,
  body BLOB
) STRICT;
CREATE TABLE lift_block_tags (
  tag_no INTEGER PRIMARY KEY,
  tag_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE TRIGGER lift_blocks_on_insert AFTER INSERT ON lifts
BEGIN DELETE FROM lift_blocks WHERE block = NEW.rowid >> 13; END;
CREATE TRIGGER lift_blocks_on_update AFTER UPDATE ON lifts
BEGIN DELETE FROM lift_blocks WHERE block IN (OLD.rowid >> 13, NEW.rowid >> 13); END;
CREATE TRIGGER lift_blocks_on_delete AFTER DELETE ON lifts
BEGIN DELETE FROM lift_blocks WHERE block = OLD.rowid >> 13; END;
`,
};
