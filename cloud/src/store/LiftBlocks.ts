import type { LiftFlag } from '@releve/shared';
import type Database from 'better-sqlite3';
import { LIFT_RECORD_SQL, LiftBlock, type LiftSink } from '../billing/LiftBlock.js';
import { ID_BYTES, plainId } from '../billing/LiftIds.js';
import {
  BLOCK_FLAGS,
  BLOCK_HEADER,
  BLOCK_MAGIC,
  BLOCK_RECORD,
  BLOCK_ROWS,
  blockColumns,
  NO_NET,
  NO_TAG_NO,
} from './liftBlockFormat.js';

type LiftRow = [id: string, startedAt: string, tagId: string | null, netG: number | null, flags: string];

/**
 * Seals the complete blocks of the `lifts` table, inside the caller's transaction (the store
 * calls {@link seal} at the end of each write batch). A block is read as one value of
 * {@link LIFT_RECORD_SQL} records ({@link LiftBlock}, about a fifth of the cost of reading its
 * rows), or row by row when that value has an unexpected shape. Tag numbers are cached between
 * calls; {@link forget} drops the cache when a transaction that may have added some rolled back.
 */
export class LiftBlockSealer {
  readonly #maxRowid: Database.Statement;
  readonly #lastBlock: Database.Statement;
  readonly #sealedBelow: Database.Statement;
  readonly #blocksBelow: Database.Statement;
  readonly #text: Database.Statement;
  readonly #rows: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #tags: Database.Statement;
  readonly #addTag: Database.Statement;
  readonly #tagNoOf: Database.Statement;
  readonly #block = new LiftBlock(BLOCK_ROWS);
  #tagNos: Map<string, number> | null = null;
  #encoder: BlockEncoder | null = null;
  /** Flag lists (their JSON) already seen, with their bits (-1: not a list of known flags). */
  readonly #flagBits = new Map<string, number>([['[]', 0]]);

  constructor(db: Database.Database) {
    this.#maxRowid = db.prepare('SELECT max(rowid) FROM lifts').pluck();
    this.#lastBlock = db.prepare('SELECT max(block) FROM lift_blocks').pluck();
    this.#sealedBelow = db.prepare('SELECT count(*) FROM lift_blocks WHERE block < ?').pluck();
    this.#blocksBelow = db.prepare('SELECT block FROM lift_blocks WHERE block < ? ORDER BY block').pluck();
    this.#text = db
      .prepare(
        `SELECT count(*), CAST(group_concat(${LIFT_RECORD_SQL}, '') AS BLOB) FROM lifts WHERE rowid >= ? AND rowid < ?`,
      )
      .raw(true);
    this.#rows = db
      .prepare(
        'SELECT event_id, started_at, tag_id, net_weight_g, flags FROM lifts WHERE rowid >= ? AND rowid < ?',
      )
      .raw(true);
    this.#insert = db.prepare(
      `INSERT OR REPLACE INTO lift_blocks (block, lifts, first_started_ms, last_started_ms, body)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.#tags = db.prepare('SELECT tag_id, tag_no FROM lift_block_tags').raw(true);
    // Another connection may have numbered the tag since this one read the numbers.
    this.#addTag = db.prepare(
      'INSERT INTO lift_block_tags (tag_id) VALUES (?) ON CONFLICT (tag_id) DO NOTHING',
    );
    this.#tagNoOf = db.prepare('SELECT tag_no FROM lift_block_tags WHERE tag_id = ?').pluck();
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
    // A new encoder: the block reader keeps tag numbers per encoder it fed.
    this.#encoder = null;
  }

  /** Encodes block `block` from the table and stores it. */
  sealBlock(block: number): void {
    const from = block * BLOCK_ROWS;
    const to = from + BLOCK_ROWS;
    if (this.#encoder === null) {
      this.#encoder = new BlockEncoder(
        (tagId) => this.tagNo(tagId),
        (json) => this.flagBits(json),
      );
    }
    const encoder = this.#encoder;
    const [count, text] = this.#text.get(from, to) as [number, Buffer | null];
    if (count > 0 && text !== null && this.#block.parse(text, count)) {
      encoder.start(count);
      this.#block.feed(encoder);
    } else {
      const rows = this.#rows.all(from, to) as LiftRow[];
      encoder.start(rows.length);
      for (const row of rows) encoder.addRow(...row);
    }
    const body = encoder.finish();
    const n = encoder.length;
    if (body === null) this.#insert.run(block, n, null, null, null);
    else this.#insert.run(block, n, n > 0 ? encoder.first : null, n > 0 ? encoder.last : null, body);
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
      this.#addTag.run(tagId);
      no = this.#tagNoOf.get(tagId) as number;
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

/**
 * Writes one block's body, lift by lift: from a parsed block of records (as a
 * {@link LiftSink}: ids copied as bytes, each tag's number asked for once) or from rows.
 * {@link finish} gives null when a lift does not fit the binary form.
 */
class BlockEncoder implements LiftSink {
  length = 0;
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  private body = Buffer.alloc(BLOCK_HEADER);
  private view = new DataView(this.body.buffer, this.body.byteOffset, this.body.byteLength);
  private at = blockColumns(0);
  private capacity = 0;
  private odd = false;
  /** Flag lists (of a parsed block, shared objects) with their bits. */
  private readonly listBits = new Map<readonly string[], number>();

  constructor(
    private readonly tagNo: (tagId: string) => number,
    private readonly flagBits: (json: string) => number,
  ) {}

  /** Starts a body for `count` lifts. */
  start(count: number): void {
    this.body = Buffer.alloc(BLOCK_HEADER + BLOCK_RECORD * count);
    this.view = new DataView(this.body.buffer, this.body.byteOffset, this.body.byteLength);
    this.view.setUint32(0, BLOCK_MAGIC, true);
    this.view.setUint32(4, count, true);
    this.at = blockColumns(count);
    this.capacity = count;
    this.length = 0;
    this.first = Number.POSITIVE_INFINITY;
    this.last = Number.NEGATIVE_INFINITY;
    this.odd = false;
  }

  /** The body, or null when a lift did not fit. */
  finish(): Buffer | null {
    return this.odd || this.length !== this.capacity ? null : this.body;
  }

  tagKey(tagId: string): number {
    return this.tagNo(tagId);
  }

  addCanonicalBytes(
    source: Buffer,
    at: number,
    time: number,
    _tagId: string | null,
    tagKey: number,
    netWeightG: number | null,
    flags: readonly string[],
  ): void {
    let bits = flags.length === 0 ? 0 : this.listBits.get(flags);
    if (bits === undefined) {
      bits = this.flagBits(JSON.stringify(flags));
      if (this.listBits.size < 1024) this.listBits.set(flags, bits);
    }
    const i = this.put(time, tagKey, netWeightG, bits);
    if (i >= 0) source.copy(this.body, this.at.ids + ID_BYTES * i, at, at + ID_BYTES);
  }

  /** A lift as a row of the table gives it. */
  addRow(
    id: string,
    startedAt: string,
    tagId: string | null,
    netWeightG: number | null,
    flags: string,
  ): void {
    const time = Date.parse(startedAt);
    if (!canonical(startedAt, time) || !plainId(id)) {
      this.odd = true;
      return;
    }
    const i = this.put(time, tagId === null ? -1 : this.tagNo(tagId), netWeightG, this.flagBits(flags));
    if (i >= 0) this.body.write(id, this.at.ids + ID_BYTES * i, ID_BYTES, 'latin1');
  }

  /** Writes a lift's columns; its index, or -1 when it does not fit. */
  private put(time: number, tagNo: number, net: number | null, bits: number): number {
    if (
      this.odd ||
      this.length >= this.capacity ||
      bits < 0 ||
      (net !== null && !(Number.isInteger(net) && net > NO_NET && net <= 0x7fff_ffff))
    ) {
      this.odd = true;
      return -1;
    }
    const i = this.length++;
    if (time < this.first) this.first = time;
    if (time > this.last) this.last = time;
    const { view, at } = this;
    view.setFloat64(at.times + 8 * i, time, true);
    view.setInt32(at.nets + 4 * i, net ?? NO_NET, true);
    view.setUint32(at.tags + 4 * i, tagNo < 0 ? NO_TAG_NO : tagNo, true);
    this.body[at.flags + i] = bits;
    return i;
  }
}

/** True when `text` is exactly the canonical UTC form of `time`. */
function canonical(text: string, time: number): boolean {
  return text.length === 24 && !Number.isNaN(time) && new Date(time).toISOString() === text;
}
