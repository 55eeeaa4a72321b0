import { ID_BYTES, type IdColumn, plainId } from './LiftIds.js';

/** 4-byte words of an id kept as bytes. */
const ID_WORDS = ID_BYTES / 4;

/**
 * The lifts to bill, in columns: a period holds up to millions of them, and objects per lift
 * cost the garbage collector more than the whole computation. Row `i` is one lift. Ids are
 * kept as bytes, {@link ID_BYTES} per row (a million ids as strings cost more time to make,
 * keep and collect than everything else done with them); an id of another shape is kept as
 * text in {@link oddIds}.
 */
export class BilledLifts implements IdColumn {
  length = 0;
  idBytes = Buffer.allocUnsafeSlow(1024 * ID_BYTES);
  /** Ids that are not {@link ID_BYTES} plain bytes, by row. */
  readonly oddIds = new Map<number, string>();
  days = new Int32Array(1024);
  times = new Float64Array(1024);
  nets = new Float64Array(1024);
  belowMinimum = new Uint8Array(1024);
  holdings = new Int32Array(1024);
  /** {@link idBytes} by 4-byte words. */
  private idWords = new Uint32Array(this.idBytes.buffer, this.idBytes.byteOffset, (1024 * ID_BYTES) >> 2);
  /** The source of the last {@link pushBytes}, and its words (null: not on a 4-byte boundary). */
  private source: Uint8Array | null = null;
  private sourceWords: Uint32Array | null = null;

  /** Sizes the columns for `rows` lifts in all, so they need not grow one doubling at a time. */
  reserve(rows: number): void {
    if (rows > this.times.length) this.grow(rows);
  }

  push(id: string, time: number, day: number, net: number, belowMinimum: boolean, holding: number): void {
    const i = this.row(time, day, net, belowMinimum, holding);
    if (plainId(id)) this.idBytes.write(id, i * ID_BYTES, ID_BYTES, 'latin1');
    else this.oddIds.set(i, id);
  }

  /** {@link push} for an id given as the {@link ID_BYTES} plain bytes at `source[at…]`. */
  pushBytes(
    source: Uint8Array,
    at: number,
    time: number,
    day: number,
    net: number,
    belowMinimum: boolean,
    holding: number,
  ): void {
    const i = this.row(time, day, net, belowMinimum, holding);
    // A loop: Buffer#subarray costs more than the copy itself. Nine 4-byte words when the
    // source allows (a sealed block's ids are aligned), else 36 bytes.
    if (source !== this.source) this.wordsOf(source);
    const words = this.sourceWords;
    if (words !== null && (at & 3) === 0) {
      const ids = this.idWords;
      const from = at >> 2;
      const to = i * ID_WORDS;
      for (let k = 0; k < ID_WORDS; k++) ids[to + k] = words[from + k]!;
      return;
    }
    const bytes = this.idBytes;
    const to = i * ID_BYTES;
    for (let k = 0; k < ID_BYTES; k++) bytes[to + k] = source[at + k]!;
  }

  /** Remembers `source` and, when it starts on a 4-byte boundary, a view of it by words. */
  private wordsOf(source: Uint8Array): void {
    this.source = source;
    this.sourceWords =
      (source.byteOffset & 3) === 0
        ? new Uint32Array(source.buffer, source.byteOffset, source.byteLength >> 2)
        : null;
  }

  /** The id of a row. */
  idOf(row: number): string {
    if (this.oddIds.size > 0) {
      const odd = this.oddIds.get(row);
      if (odd !== undefined) return odd;
    }
    return this.idBytes.toString('latin1', row * ID_BYTES, (row + 1) * ID_BYTES);
  }

  private row(time: number, day: number, net: number, belowMinimum: boolean, holding: number): number {
    const i = this.length++;
    if (i === this.times.length) this.grow();
    this.days[i] = day;
    this.times[i] = time;
    this.nets[i] = net;
    this.belowMinimum[i] = belowMinimum ? 1 : 0;
    this.holdings[i] = holding;
    return i;
  }

  /** Time order, then id: a total order (ids are unique once duplicates are set aside). */
  readonly order = (a: number, b: number): number =>
    this.times[a]! - this.times[b]! || cmp(this.idOf(a), this.idOf(b));

  /**
   * The rows in holding order, each holding's in time order, and where each holding's rows
   * start: `rows[start[h]…start[h+1])` are holding `h`'s. Linear whatever the number of
   * lifts: a radix sort of all rows by second, a stable counting sort by holding, then an
   * insertion pass per holding that orders lifts of the same second by millisecond and id
   * (almost nothing left to move). The columns stay where they are: pricing reads them
   * through `rows` (a million-lift period read each column once; permuting them all cost more).
   */
  groupByHolding(holdings: number): { start: Int32Array; rows: Int32Array } {
    const n = this.length;
    const bySecond = this.rowsBySecond();
    const start = new Int32Array(holdings + 1);
    for (let i = 0; i < n; i++) start[this.holdings[i]! + 1]! += 1;
    for (let h = 0; h < holdings; h++) start[h + 1]! += start[h]!;
    const next = start.slice(0, holdings);
    const rows = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const i = bySecond[k]!;
      rows[next[this.holdings[i]!]!++] = i;
    }
    for (let h = 0; h < holdings; h++) {
      if (start[h + 1]! - start[h]! > 1) this.insertionSort(rows, start[h]!, start[h + 1]!);
    }
    return { start, rows };
  }

  /** All rows ordered by whole second since the earliest lift: LSD radix sort, two 16-bit digits. */
  private rowsBySecond(): Int32Array {
    const n = this.length;
    let first = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) if (this.times[i]! < first) first = this.times[i]!;
    const keys = new Uint32Array(n);
    for (let i = 0; i < n; i++) keys[i] = Math.min(0xffff_ffff, Math.floor((this.times[i]! - first) / 1000));
    let rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    let out = new Int32Array(n);
    const count = new Int32Array(0x1_0000);
    for (const shift of [0, 16]) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[(keys[i]! >>> shift) & 0xffff]! += 1;
      let sum = 0;
      for (let d = 0; d < 0x1_0000; d++) {
        const c = count[d]!;
        count[d] = sum;
        sum += c;
      }
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        out[count[(keys[row]! >>> shift) & 0xffff]!++] = row;
      }
      [rows, out] = [out, rows];
    }
    return rows;
  }

  /**
   * Sorts `rows[from…to)` in place by {@link order}, inline: linear on rows that are in order
   * but for lifts of the same second.
   */
  private insertionSort(rows: Int32Array, from: number, to: number): void {
    const { times } = this;
    for (let i = from + 1; i < to; i++) {
      const row = rows[i]!;
      const t = times[row]!;
      let j = i - 1;
      while (j >= from) {
        const other = rows[j]!;
        const dt = times[other]! - t;
        if (dt < 0 || (dt === 0 && this.idOf(other) < this.idOf(row))) break;
        rows[j + 1] = other;
        j--;
      }
      rows[j + 1] = row;
    }
  }

  /** Widens every column to `n` rows (at least twice the current size). */
  private grow(n = this.times.length * 2): void {
    const idBytes = Buffer.allocUnsafeSlow(n * ID_BYTES);
    idBytes.set(this.idBytes.subarray(0, this.length * ID_BYTES));
    this.idBytes = idBytes;
    this.idWords = new Uint32Array(idBytes.buffer, idBytes.byteOffset, (n * ID_BYTES) >> 2);
    this.times = widened(this.times, new Float64Array(n));
    this.days = widened(this.days, new Int32Array(n));
    this.nets = widened(this.nets, new Float64Array(n));
    this.belowMinimum = widened(this.belowMinimum, new Uint8Array(n));
    this.holdings = widened(this.holdings, new Int32Array(n));
  }
}

/** `into`, a larger column of the same kind, holding `from`'s values first. */
function widened<T extends Int32Array | Float64Array | Uint8Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

/** Code-unit order of two strings (the order of `<`). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
