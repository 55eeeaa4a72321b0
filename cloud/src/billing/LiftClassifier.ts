import type { BillableLift } from './BillingEngine.js';
import {
  type BillingPeriod,
  dayNumber,
  dayString,
  intersect,
  LocalDays,
  utcMillis,
} from './BillingPeriod.js';
import { type BillingRegistry, type BinHolding, TagIndex } from './BillingRegistry.js';
import type { ReviewItem } from './ChargeLine.js';
import { ID_BYTES, type IdColumn, plainIdByte } from './LiftIds.js';
import type { PlanName } from './TariffPlan.js';

/** Flags that keep a lift from being billed, in the order their reason is given. */
const REFUSING_FLAGS: ReadonlyArray<ReviewItem['reason']> = [
  'unstable',
  'negative-net',
  'overload',
  'clock-unsynced',
];

/** A payer of a period: an account, or a building whose collective bins are billed together. */
export interface Holder {
  key: string;
  plan: PlanName;
  /** Days the holder is present in the period, half-open. */
  presence: { from: string; to: string | null } | null;
  /** The same as day numbers (an empty range when absent). */
  presentFrom: number;
  presentTo: number;
  accountId: string;
  accountName: string;
  building: BillingRegistry['buildings'][number] | null;
}

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

  /** Sizes the columns for `rows` lifts in all, so they need not grow one doubling at a time. */
  reserve(rows: number): void {
    if (rows > this.times.length) this.grow(rows);
  }

  push(id: string, time: number, day: number, net: number, belowMinimum: boolean, holding: number): void {
    const i = this.row(time, day, net, belowMinimum, holding);
    let plain = id.length === ID_BYTES;
    for (let k = 0; plain && k < ID_BYTES; k++) plain = plainIdByte(id.charCodeAt(k));
    if (plain) this.idBytes.write(id, i * ID_BYTES, ID_BYTES, 'latin1');
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
    // A loop: Buffer#subarray costs more than the copy itself.
    const bytes = this.idBytes;
    const to = i * ID_BYTES;
    for (let k = 0; k < ID_BYTES; k++) bytes[to + k] = source[at + k]!;
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

/** The part of a period's lifts a {@link LiftClassifier} classified, as it crosses threads. */
export interface ClassifiedLifts {
  /** {@link ID_BYTES} per row; rows in `oddIds` hold their id there instead. */
  idBytes: Uint8Array<ArrayBuffer>;
  oddIds: [number, string][];
  days: Int32Array<ArrayBuffer>;
  times: Float64Array<ArrayBuffer>;
  nets: Float64Array<ArrayBuffer>;
  belowMinimum: Uint8Array<ArrayBuffer>;
  holdings: Int32Array<ArrayBuffer>;
  review: ReviewItem[];
  liftsInPeriod: number;
}

/**
 * Step 1 of billing: each lift is billed (to the bin holding its tag belonged to that local
 * day) or set aside for review with its reason. Lifts stream through and only the billed ones
 * are kept, in columns; the order of the lifts never matters (each holding's lifts are put in
 * time order afterwards). Deterministic from the period, time zone and registry, so several
 * classifiers (threads) can each take part of the lifts and {@link merge} their results.
 */
export class LiftClassifier {
  /** The payers of the period, by key. */
  readonly holders = new Map<string, Holder>();
  /** The holder of each bin holding that overlaps the period (by index in registry.bins). */
  readonly holderAt: (Holder | undefined)[];
  readonly billed = new BilledLifts();
  readonly review: ReviewItem[] = [];
  liftsInPeriod = 0;
  private readonly tags: TagIndex;
  private readonly localDays: LocalDays;
  private readonly periodFrom: number;
  private readonly periodTo: number;

  constructor(
    private readonly period: BillingPeriod,
    timeZone: string,
    registry: BillingRegistry,
  ) {
    const accounts = new Map(registry.accounts.map((a) => [a.id, a]));
    const buildings = new Map(registry.buildings.map((b) => [b.id, b]));
    const holderOf = (h: BinHolding): Holder => {
      const key = h.accountId ? `a:${h.accountId}` : `b:${h.buildingId}`;
      let holder = this.holders.get(key);
      if (!holder) {
        const a = h.accountId ? accounts.get(h.accountId)! : undefined;
        const b = a ? null : buildings.get(h.buildingId!)!;
        const payer = a ?? accounts.get(b!.managerAccountId)!;
        const presence = a
          ? intersect({ from: a.occupiedFrom, to: a.occupiedTo }, period)
          : { from: period.from, to: period.to };
        holder = {
          key,
          plan: a ? a.plan : b!.plan,
          presence,
          presentFrom: presence ? dayNumber(presence.from) : 0,
          presentTo: presence ? dayNumber(presence.to ?? period.to) : 0,
          accountId: payer.id,
          accountName: payer.name,
          building: b,
        };
        this.holders.set(key, holder);
      }
      return holder;
    };
    this.holderAt = registry.bins.map((h) => (intersect(h, period) ? holderOf(h) : undefined));
    this.tags = new TagIndex(registry.bins);
    this.localDays = new LocalDays(timeZone, period.from, period.to);
    this.periodFrom = dayNumber(period.from);
    this.periodTo = dayNumber(period.to);
  }

  /** Classifies one lift. Keeps nothing of the object itself. */
  add(lift: BillableLift): void {
    this.addFields(lift.id, lift.ts, lift.tagId, lift.netWeightG, lift.flags);
  }

  /** {@link add} from the lift's fields, as a store row gives them (no object per lift). */
  addFields(
    id: string,
    ts: string,
    tagId: string | null,
    netWeightG: number | null,
    flags: readonly string[],
  ): void {
    const time = utcMillis(ts);
    if (Number.isNaN(time)) {
      this.reviewed(id, ts, tagId, 'outside-period', `time ${ts} is not an ISO-8601 instant`);
      return;
    }
    this.classify(id, 0, ts, time, tagId, tagId === null ? -1 : this.tags.keyOf(tagId), netWeightG, flags);
  }

  /** The key of a tag for {@link addCanonical} ({@link TagIndex.keyOf}). */
  tagKey(tagId: string): number {
    return this.tags.keyOf(tagId);
  }

  /**
   * {@link addFields} from a start time already parsed, for a lift whose start was stored in
   * the canonical form `YYYY-MM-DDTHH:MM:SS.sssZ` (so its text is `toISOString()` of `time`,
   * made only if the lift goes to review), and whose tag's {@link tagKey} is known (-1 when
   * there is no tag).
   */
  addCanonical(
    id: string,
    time: number,
    tagId: string | null,
    tagKey: number,
    netWeightG: number | null,
    flags: readonly string[],
  ): void {
    this.classify(id, 0, null, time, tagId, tagKey, netWeightG, flags);
  }

  /**
   * {@link addCanonical} for a lift whose id is the {@link ID_BYTES} plain bytes at
   * `source[at…]` ({@link plainIdByte}): billed, it is kept as those bytes, never as a string.
   */
  addCanonicalBytes(
    source: Buffer,
    at: number,
    time: number,
    tagId: string | null,
    tagKey: number,
    netWeightG: number | null,
    flags: readonly string[],
  ): void {
    this.classify(source, at, null, time, tagId, tagKey, netWeightG, flags);
  }

  /**
   * `id` is the lift id, or the bytes that hold it at `idAt` ({@link ID_BYTES} plain bytes,
   * {@link plainIdByte}), made a string only when the lift goes to review.
   */
  private classify(
    id: string | Buffer,
    idAt: number,
    text: string | null,
    time: number,
    tagId: string | null,
    tagKey: number,
    netWeightG: number | null,
    flags: readonly string[],
  ): void {
    const { period } = this;
    const day = this.localDays.dayOf(text, time);
    if (day < this.periodFrom || day >= this.periodTo) {
      this.reviewed(
        idText(id, idAt),
        text ?? isoText(time),
        tagId,
        'outside-period',
        `local day ${dayString(day)} is outside ${period.from}…${period.to}`,
      );
      return;
    }
    this.liftsInPeriod++;
    const flag = flags.length ? REFUSING_FLAGS.find((f) => flags.includes(f)) : undefined;
    if (flag) {
      this.reviewed(idText(id, idAt), text ?? isoText(time), tagId, flag, `flagged ${flag} by the truck`);
    } else if (tagId === null || flags.includes('no-tag')) {
      this.reviewed(idText(id, idAt), text ?? isoText(time), tagId, 'no-tag', 'no tag was read');
    } else if (netWeightG === null) {
      this.reviewed(idText(id, idAt), text ?? isoText(time), tagId, 'unstable', 'no net weight');
    } else if (netWeightG < 0) {
      this.reviewed(
        idText(id, idAt),
        text ?? isoText(time),
        tagId,
        'negative-net',
        `net weight ${netWeightG} g`,
      );
    } else {
      const holding = this.tags.indexOnKey(tagKey, day);
      if (holding < 0) {
        if (tagKey >= 0) {
          this.reviewed(
            idText(id, idAt),
            text ?? isoText(time),
            tagId,
            'no-holder',
            `tag ${tagId} held by nobody on ${dayString(day)}`,
          );
        } else
          this.reviewed(
            idText(id, idAt),
            text ?? isoText(time),
            tagId,
            'unknown-tag',
            `tag ${tagId} is not registered`,
          );
        return;
      }
      const holder = this.holderAt[holding]!;
      if (day < holder.presentFrom || day >= holder.presentTo) {
        this.reviewed(
          idText(id, idAt),
          text ?? isoText(time),
          tagId,
          'vacant',
          `account ${holder.accountId} did not occupy the premises on ${dayString(day)}`,
        );
        return;
      }
      const belowMinimum = flags.length > 0 && flags.includes('below-minimum');
      if (typeof id === 'string') this.billed.push(id, time, day, netWeightG, belowMinimum, holding);
      else this.billed.pushBytes(id, idAt, time, day, netWeightG, belowMinimum, holding);
    }
  }

  private reviewed(
    liftId: string,
    ts: string,
    tagId: string | null,
    reason: ReviewItem['reason'],
    detail: string,
  ): void {
    this.review.push({ liftId, ts, tagId, reason, detail });
  }

  /** What this classifier found, typed arrays trimmed to their length (transferable). */
  result(): ClassifiedLifts {
    const b = this.billed;
    const n = b.length;
    return {
      idBytes: new Uint8Array(b.idBytes.subarray(0, n * ID_BYTES)),
      oddIds: [...b.oddIds],
      days: b.days.slice(0, n),
      times: b.times.slice(0, n),
      nets: b.nets.slice(0, n),
      belowMinimum: b.belowMinimum.slice(0, n),
      holdings: b.holdings.slice(0, n),
      review: this.review,
      liftsInPeriod: this.liftsInPeriod,
    };
  }

  /** Adds what another classifier of the same period and registry found. */
  merge(part: ClassifiedLifts): void {
    const odd = new Map(part.oddIds);
    for (let i = 0; i < part.days.length; i++) {
      const id = odd.get(i);
      if (id === undefined) {
        this.billed.pushBytes(
          part.idBytes,
          i * ID_BYTES,
          part.times[i]!,
          part.days[i]!,
          part.nets[i]!,
          part.belowMinimum[i] === 1,
          part.holdings[i]!,
        );
        continue;
      }
      this.billed.push(
        id,
        part.times[i]!,
        part.days[i]!,
        part.nets[i]!,
        part.belowMinimum[i] === 1,
        part.holdings[i]!,
      );
    }
    for (const r of part.review) this.review.push(r);
    this.liftsInPeriod += part.liftsInPeriod;
  }
}

/** The ids of a classified part, row by row. */
export function classifiedIds(part: ClassifiedLifts): string[] {
  const odd = new Map(part.oddIds);
  const bytes = Buffer.from(part.idBytes.buffer, part.idBytes.byteOffset, part.idBytes.byteLength);
  return Array.from(
    { length: part.days.length },
    (_, i) => odd.get(i) ?? bytes.toString('latin1', i * ID_BYTES, (i + 1) * ID_BYTES),
  );
}

export function reviewItem(lift: BillableLift, reason: ReviewItem['reason'], detail: string): ReviewItem {
  return { liftId: lift.id, ts: lift.ts, tagId: lift.tagId, reason, detail };
}

/** A lift id given as text, or as {@link ID_BYTES} bytes at `at`. */
function idText(id: string | Buffer, at: number): string {
  return typeof id === 'string' ? id : id.toString('latin1', at, at + ID_BYTES);
}

/** The canonical UTC text of an instant (`YYYY-MM-DDTHH:MM:SS.sssZ`). */
function isoText(time: number): string {
  return new Date(time).toISOString();
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
