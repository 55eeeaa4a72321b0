/**
 * Lift ids as bytes in one buffer: a billing run keeps up to millions of them from reading to
 * pricing, and as strings they were most of what the garbage collector copied, and what a
 * worker thread's result cost to clone. Here they cost nothing to the collector and cross
 * threads by transfer. Ids are UTF-8 (UUIDs, so ASCII, in practice); order is that of the
 * strings.
 */
export class LiftIdColumn {
  length = 0;
  /** Every id so far is ASCII (then byte order is string order, and Latin-1 decodes them). */
  ascii = true;
  private bytes: Buffer;
  /** End offset of id i in `bytes`; it starts where id i - 1 ends. */
  private ends: Int32Array<ArrayBuffer>;

  constructor(capacity = 1024) {
    this.bytes = Buffer.from(new ArrayBuffer(capacity * 36));
    this.ends = new Int32Array(capacity);
  }

  /** Appends the `length` bytes at `at` of `source`, known to be ASCII. */
  pushAscii(source: Uint8Array, at: number, length: number): void {
    const start = this.end(this.length);
    this.reserve(start + length);
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) bytes[start + i] = source[at + i]!;
    this.ends[this.length++] = start + length;
  }

  /** Appends an id given as a string. */
  pushText(id: string): void {
    const start = this.end(this.length);
    let ascii = true;
    for (let i = 0; i < id.length && ascii; i++) ascii = id.charCodeAt(i) < 0x80;
    this.ascii &&= ascii;
    const length = ascii ? id.length : Buffer.byteLength(id, 'utf8');
    this.reserve(start + length);
    this.bytes.write(id, start, length, ascii ? 'latin1' : 'utf8');
    this.ends[this.length++] = start + length;
  }

  /** Id i as a string. */
  text(i: number): string {
    return this.bytes.toString(this.ascii ? 'latin1' : 'utf8', this.end(i), this.ends[i]!);
  }

  /** Compares ids i and j as strings compare. */
  compare(i: number, j: number): number {
    if (!this.ascii) {
      const a = this.text(i);
      const b = this.text(j);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    let p = this.end(i);
    const pEnd = this.ends[i]!;
    let q = this.end(j);
    const qEnd = this.ends[j]!;
    for (; p < pEnd && q < qEnd; p++, q++) {
      const d = this.bytes[p]! - this.bytes[q]!;
      if (d !== 0) return d;
    }
    return pEnd - p - (qEnd - q);
  }

  /** The ids as strings, in the given order of rows. */
  texts(order: Int32Array): string[] {
    const out = new Array<string>(order.length);
    const encoding = this.ascii ? 'latin1' : 'utf8';
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      out[k] = this.bytes.toString(encoding, this.end(i), this.ends[i]!);
    }
    return out;
  }

  /** The column as transferable parts, trimmed to its length. */
  parts(): LiftIdParts {
    const used = this.end(this.length);
    return {
      bytes: new Uint8Array(this.bytes.buffer.slice(0, used) as ArrayBuffer),
      ends: this.ends.slice(0, this.length),
      ascii: this.ascii,
    };
  }

  /** Appends another column's parts. */
  append(part: LiftIdParts): void {
    const start = this.end(this.length);
    const n = part.ends.length;
    this.reserve(start + part.bytes.length, this.length + n);
    this.bytes.set(part.bytes, start);
    for (let i = 0; i < n; i++) this.ends[this.length + i] = start + part.ends[i]!;
    this.length += n;
    this.ascii &&= part.ascii;
  }

  /** Where id i starts. */
  private end(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  private reserve(bytes: number, ids = this.length + 1): void {
    if (bytes > this.bytes.length) {
      const more = Buffer.from(new ArrayBuffer(Math.max(bytes, this.bytes.length * 2)));
      more.set(this.bytes);
      this.bytes = more;
    }
    if (ids > this.ends.length) {
      const more = new Int32Array(Math.max(ids, this.ends.length * 2));
      more.set(this.ends);
      this.ends = more;
    }
  }
}

/** A {@link LiftIdColumn} as it crosses threads. */
export interface LiftIdParts {
  bytes: Uint8Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  ascii: boolean;
}

/** The ids of parts as strings, in their order. */
export function liftIdTexts(part: LiftIdParts): string[] {
  const column = new LiftIdColumn(part.ends.length);
  column.append(part);
  return column.texts(Int32Array.from({ length: part.ends.length }, (_, i) => i));
}
