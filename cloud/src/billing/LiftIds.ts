/** Bytes of a lift id kept as bytes: a UUID's 36 characters. */
export const ID_BYTES = 36;

/**
 * True for a byte a lift id may hold to be kept as bytes: printable ASCII other than space (the
 * ids' separator in a CSV field), `"`, `,` and `;` (which would make the field quoted).
 */
export function plainIdByte(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x2c && b !== 0x3b;
}

/** True for an id of exactly {@link ID_BYTES} {@link plainIdByte} characters: kept as bytes. */
export function plainId(id: string): boolean {
  if (id.length !== ID_BYTES) return false;
  for (let k = 0; k < ID_BYTES; k++) if (!plainIdByte(id.charCodeAt(k))) return false;
  return true;
}

/** A column of lift ids by row: {@link ID_BYTES} plain bytes per row, or text for the odd ones. */
export interface IdColumn {
  readonly idBytes: Buffer;
  /** Ids that are not kept as bytes, by row. */
  readonly oddIds: ReadonlyMap<number, string>;
  idOf(row: number): string;
}

/** Row numbers that lift id lists point into; `rows` may be replaced by a larger array as it grows. */
export interface RowList {
  readonly rows: Int32Array;
}

/** A {@link RowList} that grows as runs of rows are appended to it. */
export class RowArena implements RowList {
  rows = new Int32Array(1024);
  length = 0;

  /** Appends `from[0…count)`; returns where they start. */
  append(from: ArrayLike<number>, count = from.length): number {
    const start = this.length;
    this.room(count);
    for (let k = 0; k < count; k++) this.rows[start + k] = from[k]!;
    this.length = start + count;
    return start;
  }

  push(row: number): void {
    if (this.length === this.rows.length) this.room(1);
    this.rows[this.length++] = row;
  }

  private room(more: number): void {
    if (this.length + more <= this.rows.length) return;
    const rows = new Int32Array(Math.max(this.length + more, this.rows.length * 2));
    rows.set(this.rows.subarray(0, this.length));
    this.rows = rows;
  }
}

/**
 * The lifts a charge line bills, in the line's order. A billing run keeps them as rows of its
 * billed lifts, whose ids are bytes: a million-lift run makes no string per id unless someone
 * reads them ({@link at}, iteration, {@link toArray}, JSON), and its CSV export copies their
 * bytes ({@link copyJoined}). Equal lists compare equal in tests (they iterate alike and have
 * no other own properties); `JSON.stringify` gives the array of ids.
 */
export class LiftIds implements Iterable<string> {
  static readonly EMPTY = new LiftIds([], null, null, 0, 0);

  readonly #texts: readonly string[] | null;
  readonly #column: IdColumn | null;
  readonly #list: RowList | null;
  readonly #from: number;
  readonly #length: number;

  private constructor(
    texts: readonly string[] | null,
    column: IdColumn | null,
    list: RowList | null,
    from: number,
    length: number,
  ) {
    this.#texts = texts;
    this.#column = column;
    this.#list = list;
    this.#from = from;
    this.#length = length;
  }

  /** A list of ids given as text. */
  static of(ids: readonly string[]): LiftIds {
    return ids.length === 0 ? LiftIds.EMPTY : new LiftIds([...ids], null, null, 0, ids.length);
  }

  /** The ids of `list.rows[from…to)` in `column`. */
  static ofRows(column: IdColumn, list: RowList, from: number, to: number): LiftIds {
    return to <= from ? LiftIds.EMPTY : new LiftIds(null, column, list, from, to - from);
  }

  get length(): number {
    return this.#length;
  }

  /** The id at position `i` (0 ≤ i < length). */
  at(i: number): string {
    if (i < 0 || i >= this.#length) throw new RangeError(`no lift id at ${i} of ${this.#length}`);
    return this.#texts ? this.#texts[i]! : this.#column!.idOf(this.#list!.rows[this.#from + i]!);
  }

  toArray(): string[] {
    if (this.#texts) return [...this.#texts];
    const out = new Array<string>(this.#length);
    for (let i = 0; i < this.#length; i++) out[i] = this.at(i);
    return out;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.#length; i++) yield this.at(i);
  }

  join(separator = ','): string {
    return this.toArray().join(separator);
  }

  toJSON(): string[] {
    return this.toArray();
  }

  /** Bytes of the ids joined by single spaces; -1 when one of them is not kept as bytes. */
  joinedBytes(): number {
    const column = this.#column;
    if (!column) return -1;
    const rows = this.#list!.rows;
    const from = this.#from;
    const to = from + this.#length;
    if (column.oddIds.size > 0) for (let k = from; k < to; k++) if (column.oddIds.has(rows[k]!)) return -1;
    return this.#length * (ID_BYTES + 1) - 1;
  }

  /** Writes the ids joined by single spaces at `out[at…]` ({@link joinedBytes} ≥ 0); returns the bytes written. */
  copyJoined(out: Uint8Array, at: number): number {
    const bytes = this.#column!.idBytes;
    // Nine 4-byte words per id: half the time of a byte loop, and a native copy per id
    // (Buffer#copy, #set of a subarray) costs more in calls than it saves.
    const from32 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const to32 = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const rows = this.#list!.rows;
    const from = this.#from;
    const to = from + this.#length;
    let p = at;
    for (let k = from; k < to; k++) {
      if (k > from) out[p++] = 0x20;
      const a = rows[k]! * ID_BYTES;
      for (let b = 0; b < ID_BYTES; b += 4) to32.setUint32(p + b, from32.getUint32(a + b));
      p += ID_BYTES;
    }
    return p - at;
  }
}
