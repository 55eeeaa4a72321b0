import {
  BLOCK_FLAGS,
  BLOCK_HEADER,
  BLOCK_MAGIC,
  BLOCK_RECORD,
  blockColumns,
  NO_NET,
  NO_TAG_NO,
} from '../store/liftBlockFormat.js';
import { canonicalUtcMillis } from './BillingPeriod.js';
import type { LiftClassifier } from './LiftClassifier.js';
import { ID_BYTES, plainIdByte } from './LiftIds.js';

/** Field separator in a block: ASCII unit separator. */
const FIELD = 0x1f;
/** Record separator in a block: ASCII record separator. */
const RECORD = 0x1e;
/** The tag field of a lift without a tag (ASCII DEL; no tag id holds it). */
const NO_TAG = 0x7f;
const TS_LENGTH = 24;

/**
 * One stored lift as a record of a block, in SQL over the `lifts` table: id, start time, tag
 * (DEL when none), net grams (empty when none), flags (JSON), separated by ASCII US and ended
 * by ASCII RS. Those separators appear in no field the contract lets in (ids are UUIDs, times
 * ISO-8601, tags `[0-9A-F-]`, flags JSON, which escapes control characters); a block that
 * breaks the shape anyway is read again row by row ({@link LiftBlock.parse} says so).
 */
export const LIFT_RECORD_SQL = `printf('%s\u001f%s\u001f%s\u001f%s\u001f%s\u001e', event_id, started_at, ifnull(tag_id, char(127)), net_weight_g, flags)`;

/**
 * What {@link LiftBlock.feed} hands lifts to: a {@link LiftClassifier}, or the store's sealer
 * of blocks. Each distinct tag's key is asked for once per sink.
 */
export interface LiftSink {
  tagKey(tagId: string): number;
  addCanonicalBytes(
    source: Buffer,
    at: number,
    time: number,
    tagId: string | null,
    tagKey: number,
    netWeightG: number | null,
    flags: readonly string[],
  ): void;
}

/** The flags of a lift without any (shared: most lifts have none). */
export const NO_FLAGS: readonly string[] = Object.freeze([]);

/**
 * Lifts read from the store a block at a time: a single SQL row carries thousands of lifts as
 * one byte string, parsed here without a string per field. Reading a million lifts as rows
 * costs about a microsecond each in the driver, more than the whole classification; as blocks
 * it costs a third of that. Only what the classifier keeps becomes a string: the id, and the
 * tag for its look-up.
 */
export class LiftBlock {
  length = 0;
  /** The block parsed last, and where each lift's id is in it (kept as bytes, never a string). */
  private source: Buffer = Buffer.alloc(0);
  private readonly idAt: Int32Array;
  private readonly times: Float64Array;
  private readonly tags: (string | null)[] = [];
  private readonly nets: Float64Array;
  /** 1 where the net weight is null. */
  private readonly noNet: Uint8Array;
  private readonly flags: (readonly string[])[] = [];
  /** Tag ids and flag lists repeat: each distinct one is made once, not once per lift. */
  private readonly tagTexts = new InternedTexts();
  private readonly flagTexts = new InternedTexts();
  private readonly flagListOf = new Map<string, readonly string[] | null>();
  /** Per lift, the tag's entry in {@link tagTexts}, -1 when it has none there. */
  private readonly tagEntries: Int32Array;
  /** Per tag entry, its key in the classifier fed last (-2: not looked up yet). */
  private tagKeys = new Int32Array(1024).fill(-2);
  private keysOf: { classifier: LiftSink; generation: number } | null = null;
  private flagsGeneration = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.nets = new Float64Array(capacity);
    this.noNet = new Uint8Array(capacity);
    this.tagEntries = new Int32Array(capacity);
    this.idAt = new Int32Array(capacity);
  }

  /**
   * Reads `count` records of {@link LIFT_RECORD_SQL}. False, keeping nothing, when the block
   * does not hold exactly that many records of the expected shape, or holds a time that is not
   * in the canonical form: the caller then reads those lifts row by row.
   */
  parse(block: Buffer, count: number): boolean {
    if (count > this.times.length) return false;
    this.tagTexts.trim();
    this.flagTexts.trim();
    if (this.flagTexts.generation !== this.flagsGeneration) {
      this.flagListOf.clear();
      this.flagsGeneration = this.flagTexts.generation;
    }
    const end = block.length;
    let p = 0;
    let n = 0;
    while (p < end) {
      if (n === count) return false;
      // Id: a UUID's 36 ASCII characters.
      const idEnd = p + ID_BYTES;
      if (idEnd >= end || block[idEnd] !== FIELD) return false;
      for (let i = p; i < idEnd; i++) if (!plainIdByte(block[i]!)) return false;
      this.idAt[n] = p;
      // Start time, canonical UTC.
      p = idEnd + 1;
      if (p + TS_LENGTH >= end || block[p + TS_LENGTH] !== FIELD) return false;
      const time = canonicalUtcMillis(block, p);
      if (Number.isNaN(time)) return false;
      this.times[n] = time;
      p += TS_LENGTH + 1;
      // Tag.
      let q = p;
      let ascii = true;
      for (; q < end; q++) {
        const b = block[q]!;
        if (b === FIELD) break;
        if (b === RECORD) return false;
        if (b >= 0x7f) ascii = false;
      }
      if (q === end) return false;
      if (q === p + 1 && block[p] === NO_TAG) {
        this.tags[n] = null;
        this.tagEntries[n] = -1;
      } else if (ascii) {
        const entry = this.tagTexts.entryOf(block, p, q);
        this.tags[n] = this.tagTexts.text(entry);
        this.tagEntries[n] = entry;
      } else {
        this.tags[n] = block.toString('utf8', p, q);
        this.tagEntries[n] = -1;
      }
      p = q + 1;
      // Net grams: an optional minus sign and digits, or nothing.
      let negative = false;
      if (block[p] === 45) {
        negative = true;
        p++;
      }
      let net = 0;
      let digits = 0;
      for (; p < end; p++) {
        const d = block[p]! - 48;
        if (d < 0 || d > 9) break;
        net = net * 10 + d;
        digits++;
      }
      // More than 15 digits may exceed 2^53: the row path reads those.
      if (block[p] !== FIELD || (negative && digits === 0) || digits > 15) return false;
      this.nets[n] = negative ? -net : net;
      this.noNet[n] = digits === 0 ? 1 : 0;
      p++;
      // Flags: JSON, nearly always `[]`.
      if (block[p] === 91 && block[p + 1] === 93 && block[p + 2] === RECORD) {
        this.flags[n] = NO_FLAGS;
        p += 3;
      } else {
        let r = p;
        let asciiFlags = true;
        for (; r < end; r++) {
          const b = block[r]!;
          if (b === RECORD) break;
          if (b === FIELD) return false;
          if (b >= 0x80) asciiFlags = false;
        }
        if (r === end) return false;
        const flags = this.flagLists(block, p, r, asciiFlags);
        if (flags === null) return false;
        this.flags[n] = flags;
        p = r + 1;
      }
      n++;
    }
    if (n !== count) return false;
    this.length = n;
    this.source = block;
    return true;
  }

  /** The flag list of a JSON text, null when it is not JSON. */
  private flagLists(block: Buffer, from: number, to: number, ascii: boolean): readonly string[] | null {
    const text = ascii ? this.flagTexts.intern(block, from, to) : block.toString('utf8', from, to);
    let list = this.flagListOf.get(text);
    if (list === undefined) {
      try {
        list = Object.freeze(JSON.parse(text) as string[]);
      } catch {
        list = null;
      }
      this.flagListOf.set(text, list);
    }
    return list;
  }

  /** Hands the parsed lifts to a classifier (or another sink: the sealer of blocks). */
  feed(classifier: LiftSink): void {
    const generation = this.tagTexts.generation;
    if (this.keysOf?.classifier !== classifier || this.keysOf.generation !== generation) {
      this.tagKeys.fill(-2);
      this.keysOf = { classifier, generation };
    }
    for (let i = 0; i < this.length; i++) {
      const tag = this.tags[i] ?? null;
      const entry = this.tagEntries[i]!;
      let key: number;
      if (entry < 0) key = tag === null ? -1 : classifier.tagKey(tag);
      else {
        if (entry >= this.tagKeys.length) {
          const more = new Int32Array(Math.max(entry + 1, this.tagKeys.length * 2)).fill(-2);
          more.set(this.tagKeys);
          this.tagKeys = more;
        }
        key = this.tagKeys[entry]!;
        if (key === -2) {
          key = classifier.tagKey(tag!);
          this.tagKeys[entry] = key;
        }
      }
      classifier.addCanonicalBytes(
        this.source,
        this.idAt[i]!,
        this.times[i]!,
        tag,
        key,
        this.noNet[i] === 1 ? null : this.nets[i]!,
        this.flags[i]!,
      );
    }
    this.length = 0;
    this.source = Buffer.alloc(0);
  }
}

/**
 * Strings of byte ranges, each distinct one made once: an open-addressing table keyed by an
 * FNV-1a hash of the bytes. Several times cheaper than a new string per lift and the hashing
 * of it by a `Map` look-up; the same string object comes back for the same bytes, and each has
 * an entry number (0, 1, …) for callers to keep facts about it. Bytes are read as Latin-1
 * (callers pass ASCII). Bounded by {@link trim}, which starts afresh past 1 << 16 entries.
 */
export class InternedTexts {
  /** Changes whenever entry numbers are reset. */
  generation = 0;
  /** Per slot: its entry (-1: empty) and that entry's hash, so a probe reads one array pair. */
  private slots = new Int32Array(1024).fill(-1);
  private slotHashes = new Int32Array(1024);
  private texts: string[] = [];
  /** Every entry's bytes, one after the other: entry e is `pool[starts[e]…starts[e + 1])`. */
  private pool = new Uint8Array(1 << 16);
  private starts = new Int32Array(1025);

  /** The entry number of the bytes `block[from…to)`. */
  entryOf(block: Buffer, from: number, to: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = from; i < to; i++) h = Math.imul(h ^ block[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry < 0) return this.add(slot, h, block, from, to);
      if (this.slotHashes[slot] === h && this.same(entry, block, from, to)) return entry;
    }
  }

  /** The string of an entry. */
  text(entry: number): string {
    return this.texts[entry]!;
  }

  /** The string of the bytes `block[from…to)`. */
  intern(block: Buffer, from: number, to: number): string {
    return this.texts[this.entryOf(block, from, to)]!;
  }

  /** Starts afresh when it holds 1 << 16 entries or more (entry numbers are then reset). */
  trim(): void {
    if (this.texts.length < 1 << 16) return;
    this.slots = new Int32Array(1024).fill(-1);
    this.slotHashes = new Int32Array(1024);
    this.texts = [];
    this.starts = new Int32Array(1025);
    this.generation++;
  }

  private add(slot: number, h: number, block: Buffer, from: number, to: number): number {
    const entry = this.texts.length;
    this.texts.push(block.toString('latin1', from, to));
    const start = this.starts[entry]!;
    const end = start + (to - from);
    if (end > this.pool.length) {
      const more = new Uint8Array(Math.max(end, this.pool.length * 2));
      more.set(this.pool.subarray(0, start));
      this.pool = more;
    }
    this.pool.set(block.subarray(from, to), start);
    if (entry + 2 > this.starts.length) {
      const more = new Int32Array(this.starts.length * 2);
      more.set(this.starts);
      this.starts = more;
    }
    this.starts[entry + 1] = end;
    this.slots[slot] = entry;
    this.slotHashes[slot] = h;
    if (2 * this.texts.length > this.slots.length) this.grow();
    return entry;
  }

  private same(entry: number, block: Buffer, from: number, to: number): boolean {
    const start = this.starts[entry]!;
    if (this.starts[entry + 1]! - start !== to - from) return false;
    const pool = this.pool;
    for (let i = 0; i < to - from; i++) if (pool[start + i] !== block[from + i]) return false;
    return true;
  }

  private grow(): void {
    const { slots, slotHashes } = this;
    this.slots = new Int32Array(slots.length * 2).fill(-1);
    this.slotHashes = new Int32Array(slots.length * 2);
    const mask = this.slots.length - 1;
    for (let i = 0; i < slots.length; i++) {
      const entry = slots[i]!;
      if (entry < 0) continue;
      let slot = slotHashes[i]! & mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & mask;
      this.slots[slot] = entry;
      this.slotHashes[slot] = slotHashes[i]!;
    }
  }
}

/** The flag list of each flag byte of a sealed block (bit i: {@link BLOCK_FLAGS}[i]). */
const FLAG_LISTS: readonly (readonly string[])[] = Array.from(
  { length: 1 << BLOCK_FLAGS.length },
  (_, bits) => (bits === 0 ? NO_FLAGS : Object.freeze(BLOCK_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0))),
);

/**
 * Reads sealed blocks of lifts ({@link LiftBlockSealer}): a block's columns are read in place
 * (typed arrays over the value SQLite returned), and each tag number is resolved once to its
 * key in the classifier fed. No string is made per lift: the ids are handed over as bytes.
 */
export class SealedBlockReader {
  /** Lifts in the block read last (in the period or not). */
  lastLength = 0;
  /** Tag ids by number, from `lift_block_tags`. */
  private readonly texts: string[] = [];
  /** Per tag number, its key in the classifier fed last (-2: not looked up yet). */
  private keys: Int32Array;
  private keysOf: LiftClassifier | null = null;
  /** An 8-byte aligned copy of a body whose bytes SQLite gave unaligned. */
  private aligned = Buffer.alloc(0);

  constructor(tags: Iterable<[number, string]>) {
    for (const [no, id] of tags) this.texts[no] = id;
    this.keys = new Int32Array(this.texts.length).fill(-2);
  }

  /**
   * Feeds the lifts of a block that start in `[fromMs, toMs)`; returns how many. -1, feeding
   * nothing, when the body is not a sealed block this reader can read whole (not the format,
   * or a tag number it was not given): the caller then reads those lifts from the table.
   */
  feed(body: Buffer, classifier: LiftClassifier, fromMs: number, toMs: number): number {
    if (body.length < BLOCK_HEADER || body.readUInt32LE(0) !== BLOCK_MAGIC) return -1;
    const n = body.readUInt32LE(4);
    if (body.length !== BLOCK_HEADER + BLOCK_RECORD * n) return -1;
    let src = body;
    if (body.byteOffset % 8 !== 0) {
      if (this.aligned.length < body.length) this.aligned = Buffer.allocUnsafeSlow(body.length);
      body.copy(this.aligned);
      src = this.aligned;
    }
    const at = blockColumns(n);
    const times = new Float64Array(src.buffer, src.byteOffset + at.times, n);
    const nets = new Int32Array(src.buffer, src.byteOffset + at.nets, n);
    const tags = new Uint32Array(src.buffer, src.byteOffset + at.tags, n);
    const texts = this.texts;
    for (let i = 0; i < n; i++) {
      const no = tags[i]!;
      if (no !== NO_TAG_NO && texts[no] === undefined) return -1;
      if (src[at.flags + i]! >= FLAG_LISTS.length) return -1;
    }
    if (this.keysOf !== classifier) {
      this.keys.fill(-2);
      this.keysOf = classifier;
    }
    const keys = this.keys;
    let fed = 0;
    for (let i = 0; i < n; i++) {
      const time = times[i]!;
      if (!(time >= fromMs && time < toMs)) continue;
      const no = tags[i]!;
      let tag: string | null = null;
      let key = -1;
      if (no !== NO_TAG_NO) {
        tag = texts[no]!;
        key = keys[no]!;
        if (key === -2) {
          key = classifier.tagKey(tag);
          keys[no] = key;
        }
      }
      const net = nets[i]!;
      classifier.addCanonicalBytes(
        src,
        at.ids + ID_BYTES * i,
        time,
        tag,
        key,
        net === NO_NET ? null : net,
        FLAG_LISTS[src[at.flags + i]!]!,
      );
      fed++;
    }
    this.lastLength = n;
    return fed;
  }
}
