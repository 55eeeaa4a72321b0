import { CloudError, CloudErrorCode } from '../errors.js';
import {
  type BillingPeriod,
  contains,
  daysBetween,
  daysInYear,
  intersect,
  LocalDays,
  utcMillis,
} from './BillingPeriod.js';
import {
  type BillingAccount,
  type BillingRegistry,
  type BinHolding,
  registryIssues,
  TagIndex,
} from './BillingRegistry.js';
import {
  type BillingRun,
  type ChargeLine,
  centsText,
  kgText,
  type ReviewItem,
  roundHalfUp,
  splitCents,
} from './ChargeLine.js';
import {
  type PlanName,
  type TariffPlanFile,
  type TariffVersion,
  versionLabel,
  versionOn,
  versionsCovering,
} from './TariffPlan.js';

/** A stored lift as billing needs it. */
export interface BillableLift {
  id: string;
  ts: string;
  tagId: string | null;
  netWeightG: number | null;
  flags: readonly string[];
}

/** A billing refusal: a `CloudError` with every reason listed (the first ten in the message). */
function refuse(code: CloudErrorCode, details: string[]): CloudError {
  const err = new CloudError(
    code,
    `${details.slice(0, 10).join('; ')}${details.length > 10 ? ` (+${details.length - 10} more)` : ''}`,
  );
  return Object.assign(err, { details });
}

export interface BillingInput {
  period: BillingPeriod;
  tariff: TariffPlanFile;
  registry: BillingRegistry;
  lifts: Iterable<BillableLift>;
  /**
   * The source guarantees one lift per id (the store's primary key on `event_id`): the engine
   * then skips duplicate detection, which would otherwise hold every lift of the period at once.
   */
  uniqueIds?: boolean;
  /** Today's local day; a period not yet ended is refused unless `provisional`. */
  today: string;
  /** Compute an open period anyway (household statement projections); never for export. */
  provisional?: boolean;
}

const REFUSING_FLAGS: ReadonlyArray<ReviewItem['reason']> = [
  'unstable',
  'negative-net',
  'overload',
  'clock-unsynced',
];

/** A payer of a period: an account, or a building whose collective bins are billed together. */
interface Holder {
  key: string;
  plan: PlanName;
  /** Days the holder is present in the period, half-open. */
  presence: { from: string; to: string | null } | null;
  accountId: string;
  accountName: string;
  building: BillingRegistry['buildings'][number] | null;
}

/**
 * The lifts to bill, in columns: a period holds up to millions of them, and objects per lift
 * cost the garbage collector more than the whole computation. Row `i` is one lift.
 */
class BilledLifts {
  length = 0;
  readonly ids: string[] = [];
  readonly days: string[] = [];
  times = new Float64Array(1024);
  nets = new Float64Array(1024);
  belowMinimum = new Uint8Array(1024);
  holdings = new Int32Array(1024);

  push(id: string, time: number, day: string, net: number, belowMinimum: boolean, holding: number): void {
    const i = this.length++;
    if (i === this.times.length) this.grow();
    this.ids.push(id);
    this.days.push(day);
    this.times[i] = time;
    this.nets[i] = net;
    this.belowMinimum[i] = belowMinimum ? 1 : 0;
    this.holdings[i] = holding;
  }

  /** Time order, then id: a total order (ids are unique once duplicates are set aside). */
  readonly order = (a: number, b: number): number =>
    this.times[a]! - this.times[b]! || cmp(this.ids[a]!, this.ids[b]!);

  /**
   * Row numbers grouped by holding (`byHolding[start[h]…start[h+1])` are holding `h`'s), each
   * group in time order. A counting sort, then small sorts: no global sort of millions.
   */
  groupByHolding(holdings: number): { byHolding: Int32Array; start: Int32Array } {
    const start = new Int32Array(holdings + 1);
    for (let i = 0; i < this.length; i++) start[this.holdings[i]! + 1]! += 1;
    for (let h = 0; h < holdings; h++) start[h + 1]! += start[h]!;
    const next = start.slice(0, holdings);
    const byHolding = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) byHolding[next[this.holdings[i]!]!++] = i;
    for (let h = 0; h < holdings; h++) {
      if (start[h + 1]! - start[h]! > 1) byHolding.subarray(start[h]!, start[h + 1]!).sort(this.order);
    }
    return { byHolding, start };
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    times.set(this.times);
    this.times = times;
    const nets = new Float64Array(n);
    nets.set(this.nets);
    this.nets = nets;
    const below = new Uint8Array(n);
    below.set(this.belowMinimum);
    this.belowMinimum = below;
    const holdings = new Int32Array(n);
    holdings.set(this.holdings);
    this.holdings = holdings;
  }
}

/**
 * Computes every account's charge for a period. Pure: the same inputs give the same lines in
 * the same order, whatever the order of the lifts. Rules and worked examples: docs/billing.md.
 */
export function computeCharges(input: BillingInput): BillingRun {
  const { period, tariff, registry } = input;
  const provisional = input.provisional === true;
  if (!provisional && input.today < period.to) {
    throw refuse(CloudErrorCode.BillingPeriodOpen, [
      `period ${period.id} ends ${period.to}, today is ${input.today}: it is still open`,
    ]);
  }
  const issues = registryIssues(registry);
  if (issues.length) throw refuse(CloudErrorCode.BillingRegistry, issues);

  const accounts = new Map(registry.accounts.map((a) => [a.id, a]));
  const buildings = new Map(registry.buildings.map((b) => [b.id, b]));
  const holders = new Map<string, Holder>();
  const holderOf = (h: BinHolding): Holder => {
    const key = h.accountId ? `a:${h.accountId}` : `b:${h.buildingId}`;
    let holder = holders.get(key);
    if (!holder) {
      if (h.accountId) {
        const a = accounts.get(h.accountId)!;
        holder = {
          key,
          plan: a.plan,
          presence: intersect({ from: a.occupiedFrom, to: a.occupiedTo }, period),
          accountId: a.id,
          accountName: a.name,
          building: null,
        };
      } else {
        const b = buildings.get(h.buildingId!)!;
        const m = accounts.get(b.managerAccountId)!;
        holder = {
          key,
          plan: b.plan,
          presence: { from: period.from, to: period.to },
          accountId: m.id,
          accountName: m.name,
          building: b,
        };
      }
      holders.set(key, holder);
    }
    return holder;
  };
  // The holder of each bin holding that overlaps the period (by index in registry.bins).
  const holderAt: (Holder | undefined)[] = registry.bins.map((h) =>
    intersect(h, period) ? holderOf(h) : undefined,
  );

  // 1. Classify each lift: billed (to the bin holding its tag belonged to that day) or
  //    reviewed. There is no global sort: each holding's lifts are put in time order below,
  //    and a repeated id keeps its earliest copy, so the order of the input never matters.
  //    Lifts stream through: only the billed ones are kept, in columns.
  const tags = new TagIndex(registry.bins);
  const localDays = new LocalDays(tariff.timeZone, period.from, period.to);
  const review: ReviewItem[] = [];
  const billed = new BilledLifts();
  const lifts = input.uniqueIds ? input.lifts : withoutDuplicates(input.lifts, review);
  let liftsInPeriod = 0;
  for (const lift of lifts) {
    const time = utcMillis(lift.ts);
    if (Number.isNaN(time)) {
      review.push(reviewItem(lift, 'outside-period', `time ${lift.ts} is not an ISO-8601 instant`));
      continue;
    }
    const day = localDays.dayOf(lift.ts, time);
    if (!contains(period, day)) {
      review.push(
        reviewItem(lift, 'outside-period', `local day ${day} is outside ${period.from}…${period.to}`),
      );
      continue;
    }
    liftsInPeriod++;
    const flag = lift.flags.length ? REFUSING_FLAGS.find((f) => lift.flags.includes(f)) : undefined;
    if (flag) {
      review.push(reviewItem(lift, flag, `flagged ${flag} by the truck`));
    } else if (lift.tagId === null || lift.flags.includes('no-tag')) {
      review.push(reviewItem(lift, 'no-tag', 'no tag was read'));
    } else if (lift.netWeightG === null) {
      review.push(reviewItem(lift, 'unstable', 'no net weight'));
    } else if (lift.netWeightG < 0) {
      review.push(reviewItem(lift, 'negative-net', `net weight ${lift.netWeightG} g`));
    } else {
      const holding = tags.indexOn(lift.tagId, day);
      if (holding < 0) {
        review.push(
          tags.known(lift.tagId)
            ? reviewItem(lift, 'no-holder', `tag ${lift.tagId} held by nobody on ${day}`)
            : reviewItem(lift, 'unknown-tag', `tag ${lift.tagId} is not registered`),
        );
        continue;
      }
      const holder = holderAt[holding]!;
      if (!holder.presence || !contains(holder.presence, day)) {
        review.push(
          reviewItem(lift, 'vacant', `account ${holder.accountId} did not occupy the premises on ${day}`),
        );
        continue;
      }
      const belowMinimum = lift.flags.length > 0 && lift.flags.includes('below-minimum');
      billed.push(lift.id, time, day, lift.netWeightG, belowMinimum, holding);
    }
  }
  const { byHolding, start } = billed.groupByHolding(registry.bins.length);
  review.sort((a, b) => cmp(a.ts, b.ts) || cmp(a.liftId, b.liftId) || cmp(a.reason, b.reason));

  // 2. Lines per holder: fixed part and lifts per bin holding, weight over the holder's total.
  const linesByHolder = new Map<string, ChargeLine[]>();
  const periodDays = daysBetween(period.from, period.to);
  const holdingsByHolder = new Map<Holder, number[]>();
  holderAt.forEach((holder, h) => {
    if (!holder) return;
    const list = holdingsByHolder.get(holder);
    if (list) list.push(h);
    else holdingsByHolder.set(holder, [h]);
  });
  for (const holder of holders.values()) {
    const versions = tariff.plans[holder.plan].versions;
    const lines: ChargeLine[] = [];
    const base = { accountId: holder.accountId, accountName: holder.accountName, share: null };
    const weightRows: number[] = [];
    let bins = 0;
    for (const hi of holdingsByHolder.get(holder) ?? []) {
      const h = registry.bins[hi]!;
      const range = holder.presence ? intersect(h, holder.presence) : null;
      if (!range) continue;
      const to = range.to ?? period.to;
      const segments = versionsCovering(versions, range.from, to);
      if (segments.length === 0)
        throw refuse(CloudErrorCode.BillingUnpriced, [`no ${holder.plan} tariff covers ${range.from}…${to}`]);
      let includedNum = 0;
      for (const seg of segments) {
        const fixed = priced(seg.version.fixedPerYearCents, h, seg.version);
        for (const [from, end] of splitAtYears(seg.from, seg.to)) {
          const days = daysBetween(from, end);
          const yearDays = daysInYear(Number(from.slice(0, 4)));
          lines.push(
            chargeLine(base, {
              product: 'fixed',
              subArticle: `bin ${h.binId} ${h.volumeL} L, ${versionLabel(seg.version)}, ${from}…${end}`,
              quantity: String(days),
              unit: 'day',
              unitPriceCents: `${fixed}/${yearDays}`,
              amountCents: roundHalfUp(fixed * days, yearDays),
              liftIds: [],
            }),
          );
        }
        includedNum += seg.version.liftsIncludedPerPeriod * daysBetween(seg.from, seg.to);
      }
      const included = roundHalfUp(includedNum, periodDays);
      const rows = byHolding.subarray(start[hi]!, start[hi + 1]!);
      const inc = rows.subarray(0, included);
      if (inc.length) {
        lines.push(
          chargeLine(base, {
            product: 'lifts',
            subArticle: `bin ${h.binId} ${h.volumeL} L, included (${included})`,
            quantity: String(inc.length),
            unit: 'lift',
            unitPriceCents: '0',
            amountCents: 0,
            liftIds: idsOf(billed, inc),
          }),
        );
      }
      const extraByVersion = new Map<TariffVersion, string[]>();
      for (const row of rows.subarray(included)) {
        const v = versionOn(versions, billed.days[row]!)!;
        const list = extraByVersion.get(v);
        if (list) list.push(billed.ids[row]!);
        else extraByVersion.set(v, [billed.ids[row]!]);
      }
      for (const [v, ids] of extraByVersion) {
        const price = priced(v.extraLiftCents, h, v);
        lines.push(
          chargeLine(base, {
            product: 'lifts',
            subArticle: `bin ${h.binId} ${h.volumeL} L, extra, ${versionLabel(v)}`,
            quantity: String(ids.length),
            unit: 'lift',
            unitPriceCents: String(price),
            amountCents: price * ids.length,
            liftIds: ids,
          }),
        );
      }
      for (const row of rows) weightRows.push(row);
      bins++;
    }
    // One bin's lifts are in time order already; several bins' are merged.
    if (bins > 1) weightRows.sort(billed.order);
    for (const l of weightLines(billed, weightRows, versions, base)) lines.push(l);
    if (lines.length) linesByHolder.set(holder.key, lines);
  }

  // 3. Collective bins split by dwellings, then a stable order: by account, then within it.
  const byAccount = new Map<string, ChargeLine[]>();
  const add = (l: ChargeLine) => {
    const list = byAccount.get(l.accountId);
    if (list) list.push(l);
    else byAccount.set(l.accountId, [l]);
  };
  for (const holder of holders.values()) {
    const own = linesByHolder.get(holder.key) ?? [];
    if (holder.building?.splitByDwellings) {
      for (const l of splitCollective(own, holder, registry.accounts, period, periodDays)) add(l);
    } else for (const l of own) add(l);
  }
  const productOrder = { fixed: 0, lifts: 1, weight: 2 };
  const lines: ChargeLine[] = [];
  for (const accountId of [...byAccount.keys()].sort(cmp)) {
    const list = byAccount.get(accountId)!;
    list.sort(
      (a, b) =>
        productOrder[a.product] - productOrder[b.product] ||
        cmp(a.subArticle, b.subArticle) ||
        cmp(a.share ?? '', b.share ?? ''),
    );
    for (const l of list) lines.push(l);
  }

  const excludedInPeriod = review.filter(
    (r) => r.reason !== 'outside-period' && r.reason !== 'duplicate',
  ).length;
  return {
    periodId: period.id,
    from: period.from,
    to: period.to,
    provisional,
    lines,
    review,
    totals: {
      lines: lines.length,
      accounts: new Set(lines.map((l) => l.accountId)).size,
      amountCents: lines.reduce((s, l) => s + l.amountCents, 0),
      liftsInPeriod,
      liftsBilled: billed.length,
      liftsExcluded: excludedInPeriod,
    },
  };
}

type LineOwner = Pick<ChargeLine, 'accountId' | 'accountName' | 'share'>;
type LineBody = Omit<ChargeLine, 'accountId' | 'accountName' | 'share'>;

/**
 * Builds a line as one literal: V8 (Node 20) builds `{ ...base, …more }` about 100 times
 * slower than a literal, which mattered at 20,000 accounts.
 */
function chargeLine(o: LineOwner, b: LineBody): ChargeLine {
  return {
    accountId: o.accountId,
    accountName: o.accountName,
    product: b.product,
    subArticle: b.subArticle,
    quantity: b.quantity,
    unit: b.unit,
    unitPriceCents: b.unitPriceCents,
    amountCents: b.amountCents,
    liftIds: b.liftIds,
    share: o.share,
  };
}

function withAmount(line: ChargeLine, amountCents: number): LineBody {
  return {
    product: line.product,
    subArticle: line.subArticle,
    quantity: line.quantity,
    unit: line.unit,
    unitPriceCents: line.unitPriceCents,
    amountCents,
    liftIds: line.liftIds,
  };
}

/**
 * The lifts of a source that may repeat an id: each id's earliest copy (in {@link liftOrder}),
 * the others to the review queue as duplicates. Holds the whole input: for small sources
 * (tests, one household's statement); the store's lifts are unique by construction.
 */
function withoutDuplicates(lifts: Iterable<BillableLift>, review: ReviewItem[]): Iterable<BillableLift> {
  const byId = new Map<string, BillableLift>();
  for (const lift of lifts) {
    const other = byId.get(lift.id);
    if (other === undefined) {
      byId.set(lift.id, lift);
      continue;
    }
    const [keep, drop] = liftOrder(lift, other) < 0 ? [lift, other] : [other, lift];
    byId.set(lift.id, keep);
    review.push(reviewItem(drop, 'duplicate', 'the same lift id was given twice'));
  }
  return byId.values();
}

/** The ids of some rows of the billed lifts. */
function idsOf(billed: BilledLifts, rows: Int32Array): string[] {
  const ids = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) ids[i] = billed.ids[rows[i]!]!;
  return ids;
}

/** Time order of lifts, then id, then content: a total order whatever the input order. */
function liftOrder(a: BillableLift, b: BillableLift): number {
  return (
    cmp(a.ts, b.ts) ||
    cmp(a.id, b.id) ||
    cmp(a.tagId ?? '', b.tagId ?? '') ||
    (a.netWeightG ?? -Infinity) - (b.netWeightG ?? -Infinity) ||
    cmp(a.flags.join(','), b.flags.join(','))
  );
}

function reviewItem(lift: BillableLift, reason: ReviewItem['reason'], detail: string): ReviewItem {
  return { liftId: lift.id, ts: lift.ts, tagId: lift.tagId, reason, detail };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function priced(prices: Record<string, number>, h: BinHolding, v: TariffVersion): number {
  const p = prices[String(h.volumeL)];
  if (p === undefined)
    throw refuse(CloudErrorCode.BillingUnpriced, [
      `bin ${h.binId}: ${h.volumeL} L is not priced in ${versionLabel(v)}`,
    ]);
  return p;
}

/** [from, to) cut at 1 January, so each piece is prorated over its own year's length. */
function splitAtYears(from: string, to: string): [string, string][] {
  const out: [string, string][] = [];
  let cur = from;
  while (cur < to) {
    const nextYear = `${Number(cur.slice(0, 4)) + 1}-01-01`;
    const end = nextYear < to ? nextYear : to;
    out.push([cur, end]);
    cur = end;
  }
  return out;
}

/** Weight lines: progressive tiers over the holder's chronological total, per tariff version. */
function weightLines(
  billed: BilledLifts,
  rows: readonly number[],
  versions: TariffVersion[],
  base: LineOwner,
): ChargeLine[] {
  const acc = new Map<TariffVersion, { grams: number; ids: string[] }[]>();
  let cumulative = 0;
  for (const row of rows) {
    const v = versionOn(versions, billed.days[row]!)!;
    const net = billed.nets[row]!;
    if (net < v.minimumBillableG || billed.belowMinimum[row] === 1) continue;
    const id = billed.ids[row]!;
    let tiers = acc.get(v);
    if (tiers === undefined) {
      tiers = [];
      acc.set(v, tiers);
    }
    let left = net;
    for (let t = 0; t < v.weightTiers.length && left > 0; t++) {
      const start = v.weightTiers[t]!.fromKg * 1000;
      const next = v.weightTiers[t + 1];
      const end = next ? next.fromKg * 1000 : Number.POSITIVE_INFINITY;
      if (cumulative >= end) continue;
      const take = Math.min(left, end - Math.max(cumulative, start));
      if (take <= 0) continue;
      let a = tiers[t];
      if (a === undefined) {
        a = { grams: 0, ids: [] };
        tiers[t] = a;
      }
      a.grams += take;
      if (a.ids[a.ids.length - 1] !== id) a.ids.push(id);
      cumulative += take;
      left -= take;
    }
  }
  const lines: ChargeLine[] = [];
  for (const [v, tiers] of acc) {
    tiers.forEach(({ grams, ids }, tier) => {
      const t = v.weightTiers[tier]!;
      const next = v.weightTiers[tier + 1];
      lines.push(
        chargeLine(base, {
          product: 'weight',
          subArticle: `${versionLabel(v)}, tier ${t.fromKg}${next ? `–${next.fromKg}` : '+'} kg`,
          quantity: kgText(grams),
          unit: 'kg',
          unitPriceCents: centsText(t.centsPerKg),
          amountCents: roundHalfUp(grams * t.centsPerKg, 1_000_000),
          liftIds: ids,
        }),
      );
    });
  }
  return lines;
}

/** Splits a building's lines among its dwellings' households by occupied days; vacancy stays with the manager. */
function splitCollective(
  lines: ChargeLine[],
  holder: Holder,
  accounts: BillingAccount[],
  period: BillingPeriod,
  periodDays: number,
): ChargeLine[] {
  const b = holder.building!;
  const residents = accounts
    .filter((a) => a.buildingId === b.id)
    .map((a) => {
      const r = intersect({ from: a.occupiedFrom, to: a.occupiedTo }, period);
      return { a, days: r ? daysBetween(r.from, r.to ?? period.to) : 0 };
    })
    .filter((x) => x.days > 0)
    .sort((x, y) => cmp(x.a.id, y.a.id));
  const capacity = b.dwellings * periodDays;
  const vacancy = Math.max(0, capacity - residents.reduce((s, r) => s + r.days, 0));
  const out: ChargeLine[] = [];
  for (const line of lines) {
    const parts = splitCents(line.amountCents, [...residents.map((r) => r.days), vacancy]);
    residents.forEach((r, i) => {
      out.push(
        chargeLine(
          {
            accountId: r.a.id,
            accountName: r.a.name,
            share: `share ${r.days}/${capacity} dwelling-days of building ${b.id}`,
          },
          withAmount(line, parts[i]!),
        ),
      );
    });
    out.push(
      chargeLine(
        {
          accountId: line.accountId,
          accountName: line.accountName,
          share: `vacancy ${vacancy}/${capacity} dwelling-days of building ${b.id}`,
        },
        withAmount(line, parts[residents.length]!),
      ),
    );
  }
  return out;
}
