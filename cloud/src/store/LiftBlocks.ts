import { LiftFlag } from '@releve/shared';
import type Database from 'better-sqlite3';
import { ID_BYTES as ID_LENGTH, plainIdByte } from '../billing/LiftIds.js';

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
 * | 8 + 16n | id, 36 bytes of {@link plainIdByte} ASCII |
 * | 8 + 52n | flags (u8; bit i is {@link BLOCK_FLAGS}[i]) |
 *
 * A block is stored with a null body when one of its lifts does not fit: a start not stored
 * in the canonical `YYYY-MM-DDTHH:MM:SS.sssZ`, an id that is not 36 plain ASCII bytes, a net
 * weight outside the i32 range, a flag list that is not a JSON list of known flags.
 */
export const BLOCK_ROWS = 8192;
/** `rowid >> BLOCK_SHIFT` is a lift's block (the triggers of migration 9 use 13 too). */
export const BLOCK_SHIFT = 13;
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

type LiftRow = [id: string, startedAt: string, tagId: string | null, netG: number | null, flags: string];

/**
 * Seals the complete blocks of the `lifts` table, inside the caller's transaction (the store
 * calls {@link seal} at the end of each write batch). Tag numbers are cached between calls;
 * {@link forget} drops the cache when a transaction that may have added some rolled back.
 */
export class LiftBlockSealer {
  readonly #maxRowid: Database.Statement;
  readonly #lastBlock: Database.Statement;
  readonly #sealedBelow: Database.Statement;
  readonly #blocksBelow: Database.Statement;
  readonly #rows: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #tags: Database.Statement;
  readonly #addTag: Database.Statement;
  #tagNos: Map<string, number> | null = null;
  /** Flag lists (their JSON) already seen, with their bits (-1: not a list of known flags). */
  readonly #flagBits = new Map<string, number>([['[]', 0]]);

  constructor(db: Database.Database) {
    this.#maxRowid = db.prepare('SELECT max(rowid) FROM lifts').pluck();
    this.#lastBlock = db.prepare('SELECT max(block) FROM lift_blocks').pluck();
    this.#sealedBelow = db.prepare('SELECT count(*) FROM lift_blocks WHERE block < ?').pluck();
    this.#blocksBelow = db.prepare('SELECT block FROM lift_blocks WHERE block < ? ORDER BY block').pluck();
    this.#rows = db
      .prepare(
        'SELECT event_id, started_at, tag_id, net_weight_g, flags FROM lifts WHERE rowid >= ? AND rowid < ? ORDER BY rowid',
      )
      .raw(true);
    this.#insert = db.prepare(
      `INSERT OR REPLACE INTO lift_blocks (block, lifts, first_started_ms, last_started_ms, body)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.#tags = db.prepare('SELECT tag_id, tag_no FROM lift_block_tags').raw(true);
    this.#addTag = db.prepare('INSERT INTO lift_block_tags (tag_id) VALUES (?)');
  }

  /**
   * Seals up to `max` complete blocks that are not sealed; returns how many. A block is
   * complete once the table holds a higher rowid. Blocks a change unsealed (retention deleting
   * old lifts, a reused rowid) are sealed again first, then the blocks past the last sealed one.
   */
  seal(max: number = Number.POSITIVE_INFINITY): number {
    const highest = (this.#maxRowid.get() as number | null) ?? 0;
    const complete = Math.floor(highest / BLOCK_ROWS);
    const last = Math.min((this.#lastBlock.get() as number | null) ?? -1, complete - 1);
    let sealed = 0;
    if (last >= 0 && (this.#sealedBelow.get(last + 1) as number) < last + 1) {
      // Holes below the last sealed block: rare, found by walking the block numbers.
      let expected = 0;
      for (const block of this.#blocksBelow.all(last + 1) as number[]) {
        for (; expected < block && sealed < max; expected++, sealed++) this.sealBlock(expected);
        if (sealed >= max) return sealed;
        expected = block + 1;
      }
    }
    for (let next = last + 1; next < complete && sealed < max; next++, sealed++) this.sealBlock(next);
    return sealed;
  }

  /** Drops the cached tag numbers (after a rollback that may have taken back new ones). */
  forget(): void {
    this.#tagNos = null;
  }

  /** Encodes block `block` from the table and stores it. */
  sealBlock(block: number): void {
    const rows = this.#rows.all(block * BLOCK_ROWS, (block + 1) * BLOCK_ROWS) as LiftRow[];
    const n = rows.length;
    const body = Buffer.alloc(BLOCK_HEADER + BLOCK_RECORD * n);
    const at = blockColumns(n);
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    view.setUint32(0, BLOCK_MAGIC, true);
    view.setUint32(4, n, true);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const [id, startedAt, tagId, net, flags] = rows[i]!;
      const time = Date.parse(startedAt);
      const bits = this.flagBits(flags);
      if (
        !canonical(startedAt, time) ||
        !plainId(id) ||
        bits < 0 ||
        (net !== null && !(Number.isInteger(net) && net > NO_NET && net <= 0x7fff_ffff))
      ) {
        this.#insert.run(block, n, null, null, null);
        return;
      }
      if (time < first) first = time;
      if (time > last) last = time;
      view.setFloat64(at.times + 8 * i, time, true);
      view.setInt32(at.nets + 4 * i, net ?? NO_NET, true);
      view.setUint32(at.tags + 4 * i, tagId === null ? NO_TAG_NO : this.tagNo(tagId), true);
      body[at.flags + i] = bits;
      body.write(id, at.ids + ID_LENGTH * i, ID_LENGTH, 'latin1');
    }
    this.#insert.run(block, n, n > 0 ? first : null, n > 0 ? last : null, body);
  }

  #loadTags(): Map<string, number> {
    const tags = new Map<string, number>();
    for (const [id, no] of this.#tags.iterate() as Iterable<[string, number]>) tags.set(id, no);
    this.#tagNos = tags;
    return tags;
  }

  private tagNo(tagId: string): number {
    const tags = this.#tagNos ?? this.#loadTags();
    let no = tags.get(tagId);
    if (no === undefined) {
      no = Number(this.#addTag.run(tagId).lastInsertRowid);
      tags.set(tagId, no);
    }
    return no;
  }

  private flagBits(json: string): number {
    let bits = this.#flagBits.get(json);
    if (bits === undefined) {
      bits = -1;
      try {
        const list: unknown = JSON.parse(json);
        if (Array.isArray(list)) {
          bits = 0;
          for (const f of list) {
            const i = BLOCK_FLAGS.indexOf(f as LiftFlag);
            if (i < 0) {
              bits = -1;
              break;
            }
            bits |= 1 << i;
          }
        }
      } catch {
        // Not JSON: the block is read from the table.
      }
      if (this.#flagBits.size < 1024) this.#flagBits.set(json, bits);
    }
    return bits;
  }
}

/** True when `text` is exactly the canonical UTC form of `time`. */
function canonical(text: string, time: number): boolean {
  return text.length === 24 && !Number.isNaN(time) && new Date(time).toISOString() === text;
}

function plainId(id: string): boolean {
  if (id.length !== ID_LENGTH) return false;
  for (let k = 0; k < ID_LENGTH; k++) if (!plainIdByte(id.charCodeAt(k))) return false;
  return true;
}
