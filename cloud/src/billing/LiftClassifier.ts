import { BilledLifts } from './BilledLifts.js';
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
import { flatText } from './flatText.js';
import { ID_BYTES } from './LiftIds.js';
import type { PlanName } from './TariffPlan.js';

/** Flags that keep a lift from being billed, in the order their reason is given. */
const REFUSING_FLAGS: ReadonlyArray<ReviewItem['reason']> = [
  'unstable',
  'negative-net',
  'overload',
  'clock-unsynced',
];

/** Numbers per tag key in {@link LiftClassifier}'s facts (8: 32 bytes, half a cache line). */
const KEY_FACTS = 8;
/** A day number past any holding's end. */
const LAST_DAY = 0x7fff_ffff;

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
  /**
   * Per tag key, {@link KEY_FACTS} numbers side by side, so that classifying a lift of a tag
   * with one holding reads one place in memory (not the index, the holding and its holder,
   * each elsewhere): the holding (-1 when the tag has several: look them up), its days
   * `[from, to)` and its holder's presence `[from, to)` as day numbers.
   */
  private readonly keyFacts: Int32Array;
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
    this.keyFacts = new Int32Array(this.tags.size * KEY_FACTS);
    for (let key = 0; key < this.tags.size; key++) {
      const holdings = this.tags.holdingsOf(key);
      const at = key * KEY_FACTS;
      if (holdings.length !== 1) {
        this.keyFacts[at] = -1;
        continue;
      }
      const h = holdings[0]!;
      const days = this.tags.daysOf(h);
      const holder = this.holderAt[h];
      this.keyFacts[at] = h;
      this.keyFacts[at + 1] = days.from;
      this.keyFacts[at + 2] = Math.min(days.to, LAST_DAY);
      // A holding outside the period has no holder: no day of the period falls in it.
      this.keyFacts[at + 3] = holder ? holder.presentFrom : 0;
      this.keyFacts[at + 4] = holder ? holder.presentTo : 0;
    }
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

  /** The key of a tag for {@link addCanonicalBytes} ({@link TagIndex.keyOf}). */
  tagKey(tagId: string): number {
    return this.tags.keyOf(tagId);
  }

  /**
   * {@link addFields} from a start time already parsed, for a lift whose start was stored in
   * the canonical form `YYYY-MM-DDTHH:MM:SS.sssZ` (so its text is `toISOString()` of `time`,
   * made only if the lift goes to review), whose tag's {@link tagKey} is known (-1 when there
   * is no tag), and whose id is the {@link ID_BYTES} plain bytes at `source[at…]`
   * ({@link plainIdByte}): billed, it is kept as those bytes, never as a string.
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
    // The reason a lift is not billed, if any; the review item is made once, below.
    let reason: ReviewItem['reason'] | null = null;
    let detail = '';
    let holding = -1;
    if (day < this.periodFrom || day >= this.periodTo) {
      reason = 'outside-period';
      detail = flatText('local day ', dayString(day), ' is outside ', period.from, '…', period.to);
    } else {
      this.liftsInPeriod++;
      const flag = flags.length ? REFUSING_FLAGS.find((f) => flags.includes(f)) : undefined;
      if (flag) {
        reason = flag;
        detail = flatText('flagged ', flag, ' by the truck');
      } else if (tagId === null || flags.includes('no-tag')) {
        reason = 'no-tag';
        detail = 'no tag was read';
      } else if (netWeightG === null) {
        reason = 'unstable';
        detail = 'no net weight';
      } else if (netWeightG < 0) {
        reason = 'negative-net';
        detail = flatText('net weight ', netWeightG, ' g');
      } else {
        const facts = this.keyFacts;
        const at = tagKey * KEY_FACTS;
        let presentFrom = 0;
        let presentTo = 0;
        if (tagKey >= 0 && facts[at]! >= 0) {
          if (day >= facts[at + 1]! && day < facts[at + 2]!) {
            holding = facts[at]!;
            presentFrom = facts[at + 3]!;
            presentTo = facts[at + 4]!;
          }
        } else {
          holding = this.tags.indexOnKey(tagKey, day);
          if (holding >= 0) {
            const holder = this.holderAt[holding]!;
            presentFrom = holder.presentFrom;
            presentTo = holder.presentTo;
          }
        }
        if (holding < 0 && tagKey >= 0) {
          reason = 'no-holder';
          detail = flatText('tag ', tagId, ' held by nobody on ', dayString(day));
        } else if (holding < 0) {
          reason = 'unknown-tag';
          detail = flatText('tag ', tagId, ' is not registered');
        } else if (day < presentFrom || day >= presentTo) {
          reason = 'vacant';
          detail = flatText(
            'account ',
            this.holderAt[holding]!.accountId,
            ' did not occupy the premises on ',
            dayString(day),
          );
        }
      }
    }
    if (reason !== null) {
      this.reviewed(idText(id, idAt), text ?? isoText(time), tagId, reason, detail);
      return;
    }
    // Billed: a tag, a holder present that day and a net weight ≥ 0 (checked above).
    const net = netWeightG!;
    const belowMinimum = flags.length > 0 && flags.includes('below-minimum');
    if (typeof id === 'string') this.billed.push(id, time, day, net, belowMinimum, holding);
    else this.billed.pushBytes(id, idAt, time, day, net, belowMinimum, holding);
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
