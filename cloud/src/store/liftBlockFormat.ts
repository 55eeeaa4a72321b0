import { LiftFlag } from '@releve/shared';

/**
 * Sealed blocks of lifts (migration 9): what billing reads of the lifts of 8,192 consecutive
 * rowids, stored once as one binary value when the table has moved past them.
 *
 * Body, little-endian, for `n` lifts in rowid order (`8 + 53 n` bytes):
 *
 * | offset | content |
 * |---|---|
 * | 0 | `RLB1` (u32 {@link BLOCK_MAGIC}) |
 * | 4 | n (u32) |
 * | 8 | start of each lift, ms since the epoch (f64) |
 * | 8 + 8n | net weight in grams (i32; {@link NO_NET} when none) |
 * | 8 + 12n | tag number in `lift_block_tags` (u32; {@link NO_TAG_NO} when no tag) |
 * | 8 + 16n | id, 36 bytes of plain (`plainIdByte`) ASCII |
 * | 8 + 52n | flags (u8; bit i is {@link BLOCK_FLAGS}[i]) |
 *
 * A block is stored with a null body when one of its lifts does not fit: a start not stored
 * in the canonical `YYYY-MM-DDTHH:MM:SS.sssZ`, an id that is not 36 plain ASCII bytes, a net
 * weight outside the i32 range, a flag list that is not a JSON list of known flags.
 */
/** `rowid >> BLOCK_SHIFT` is a lift's block (the triggers of migration 9 use 13 too). */
export const BLOCK_SHIFT = 13;
/** Rowids per block: 8,192. */
export const BLOCK_ROWS = 1 << BLOCK_SHIFT;
export const BLOCK_MAGIC = 0x31424c52;
export const BLOCK_HEADER = 8;
/** Bytes per lift in a body. */
export const BLOCK_RECORD = 53;
export const NO_NET = -0x8000_0000;
export const NO_TAG_NO = 0xffff_ffff;
/** The flags a body holds, bit i for entry i. */
export const BLOCK_FLAGS: readonly LiftFlag[] = LiftFlag.options;
/** Complete blocks sealed at most per write batch: a store migrated with lifts in it catches up gradually. */
export const SEAL_PER_BATCH = 2;

/** Where each column of a body of `n` lifts starts. */
export function blockColumns(n: number): {
  times: number;
  nets: number;
  tags: number;
  ids: number;
  flags: number;
} {
  return {
    times: BLOCK_HEADER,
    nets: BLOCK_HEADER + 8 * n,
    tags: BLOCK_HEADER + 12 * n,
    ids: BLOCK_HEADER + 16 * n,
    flags: BLOCK_HEADER + 52 * n,
  };
}
