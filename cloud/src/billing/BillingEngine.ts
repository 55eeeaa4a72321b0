import { CloudError, CloudErrorCode } from '../errors.js';
import { type BilledLifts, cmp } from './BilledLifts.js';
import {
  type BillingPeriod,
  dayNumber,
  dayString,
  daysBetween,
  daysInYear,
  intersect,
} from './BillingPeriod.js';
import {
  type BillingAccount,
  type BillingRegistry,
  type BinHolding,
  registryIssues,
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
import { type Holder, LiftClassifier, reviewItem } from './LiftClassifier.js';
import { flatText } from './flatText.js';
import { LiftIds, RowArena, type RowList } from './LiftIds.js';
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

/** What billing a period depends on, besides its lifts. */
export interface BillingSetting {
  period: BillingPeriod;
  tariff: TariffPlanFile;
  registry: BillingRegistry;
  /** Today's local day; a period not yet ended is refused unless `provisional`. */
  today: string;
  /** Compute an open period anyway (household statement projections); never for export. */
  provisional?: boolean;
}

export interface BillingInput extends BillingSetting {
  lifts: Iterable<BillableLift>;
}

/**
 * Refuses to bill what cannot be billed: an open period (unless provisional) or a registry
 * that would make a bill wrong. Cheap: callers with millions of lifts check before reading them.
 */
export function checkBillable(s: BillingSetting): void {
  if (s.provisional !== true && s.today < s.period.to) {
    throw refuse(CloudErrorCode.BillingPeriodOpen, [
      `period ${s.period.id} ends ${s.period.to}, today is ${s.today}: it is still open`,
    ]);
  }
  const issues = registryIssues(s.registry);
  if (issues.length) throw refuse(CloudErrorCode.BillingRegistry, issues);
}

/**
 * Computes every account's charge for a period. Pure: the same inputs give the same lines in
 * the same order, whatever the order of the lifts. Rules and worked examples: docs/billing.md.
 * A repeated lift id is billed once (its earliest copy) and the others reviewed as duplicates.
 */
export function computeCharges(input: BillingInput): BillingRun {
  checkBillable(input);
  const classifier = new LiftClassifier(input.period, input.tariff.timeZone, input.registry);
  for (const lift of withoutDuplicates(input.lifts, classifier.review)) classifier.add(lift);
  return priceClassified(input, classifier);
}

/**
 * Prices lifts already classified by a {@link LiftClassifier} of the same period, time zone
 * and registry (one that read the store, whose ids are unique, and merged other threads'
 * parts), for a setting {@link checkBillable} accepted.
 */
export function priceClassified(setting: BillingSetting, classifier: LiftClassifier): BillingRun {
  const { period, tariff, registry } = setting;
  const provisional = setting.provisional === true;
  const { holders, holderAt, billed, review, liftsInPeriod } = classifier;
  const periodFrom = dayNumber(period.from);
  const periodTo = dayNumber(period.to);
  const { start, rows } = billed.groupByHolding(registry.bins.length);
  // Lines keep their lifts as rows: of `rows`, or of `arena` for lists that are not one run of it.
  const grouped: RowList = { rows };
  const arena = new RowArena();
  const tierScratch = new TierScratch();
  const joinedRuns = (runs: [number, number][]) => {
    const at = arena.length;
    for (const [a, b] of runs) arena.append(rows.subarray(a, b));
    return LiftIds.ofRows(billed, arena, at, arena.length);
  };
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
  // The tariff version of each day of the period, per plan.
  const versionTables = new Map<PlanName, (TariffVersion | undefined)[]>();
  const versionTable = (plan: PlanName) => {
    let table = versionTables.get(plan);
    if (!table) {
      const versions = tariff.plans[plan].versions;
      table = Array.from({ length: periodTo - periodFrom }, (_, i) =>
        versionOn(versions, dayString(periodFrom + i)),
      );
      versionTables.set(plan, table);
    }
    return table;
  };
  for (const holder of holders.values()) {
    const versions = tariff.plans[holder.plan].versions;
    const versionOfDay = versionTable(holder.plan);
    const lines: ChargeLine[] = [];
    const base = { accountId: holder.accountId, accountName: holder.accountName, share: null };
    const weightParts: [number, number][] = [];
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
              subArticle: flatText(
                'bin ',
                h.binId,
                ' ',
                h.volumeL,
                ' L, ',
                versionLabel(seg.version),
                ', ',
                from,
                '…',
                end,
              ),
              quantity: String(days),
              unit: 'day',
              unitPriceCents: `${fixed}/${yearDays}`,
              amountCents: roundHalfUp(fixed * days, yearDays),
              liftIds: LiftIds.EMPTY,
            }),
          );
        }
        includedNum += seg.version.liftsIncludedPerPeriod * daysBetween(seg.from, seg.to);
      }
      const included = roundHalfUp(includedNum, periodDays);
      // This holding's billed lifts are rows[first…last), in time order.
      const first = start[hi]!;
      const last = start[hi + 1]!;
      const inc = LiftIds.ofRows(billed, grouped, first, Math.min(first + included, last));
      if (inc.length) {
        lines.push(
          chargeLine(base, {
            product: 'lifts',
            subArticle: flatText('bin ', h.binId, ' ', h.volumeL, ' L, included (', included, ')'),
            quantity: String(inc.length),
            unit: 'lift',
            unitPriceCents: '0',
            amountCents: 0,
            liftIds: inc,
          }),
        );
      }
      // The rows are in time order, so each tariff version's extra lifts are one run of them.
      const extraByVersion = new Map<TariffVersion, [number, number][]>();
      for (let a = first + inc.length; a < last; ) {
        const v = versionOfDay[billed.days[rows[a]!]! - periodFrom]!;
        let b = a + 1;
        while (b < last && versionOfDay[billed.days[rows[b]!]! - periodFrom] === v) b++;
        const runs = extraByVersion.get(v);
        if (runs) runs.push([a, b]);
        else extraByVersion.set(v, [[a, b]]);
        a = b;
      }
      for (const [v, runs] of extraByVersion) {
        const ids =
          runs.length === 1 ? LiftIds.ofRows(billed, grouped, runs[0]![0], runs[0]![1]) : joinedRuns(runs);
        const price = priced(v.extraLiftCents, h, v);
        lines.push(
          chargeLine(base, {
            product: 'lifts',
            subArticle: flatText('bin ', h.binId, ' ', h.volumeL, ' L, extra, ', versionLabel(v)),
            quantity: String(ids.length),
            unit: 'lift',
            unitPriceCents: String(price),
            amountCents: price * ids.length,
            liftIds: ids,
          }),
        );
      }
      weightParts.push([first, last]);
    }
    const weightRows = merged(weightParts, rows, billed);
    const versionOf = (row: number) => versionOfDay[billed.days[row]! - periodFrom]!;
    for (const l of weightLines(billed, weightRows, versionOf, base, arena, tierScratch)) lines.push(l);
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

/** The rows of some holdings' ranges of `grouped`, in one time order. */
function merged(ranges: [number, number][], grouped: Int32Array, billed: BilledLifts): Int32Array {
  if (ranges.length === 1) return grouped.subarray(ranges[0]![0], ranges[0]![1]);
  const rows = new Int32Array(ranges.reduce((n, [a, b]) => n + b - a, 0));
  let at = 0;
  for (const [a, b] of ranges) for (let k = a; k < b; k++) rows[at++] = grouped[k]!;
  // One bin's lifts are in time order already; several bins' are merged.
  return rows.sort(billed.order);
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
  rows: Int32Array,
  versionOf: (row: number) => TariffVersion,
  base: LineOwner,
  arena: RowArena,
  scratch: TierScratch,
): ChargeLine[] {
  // Per tariff version, its tiers' totals; each (tier, lift) it takes weight from goes to the
  // scratch columns, so no list grows per lift.
  const acc = new Map<TariffVersion, { grams: number; key: number }[]>();
  let keys = 0;
  scratch.length = 0;
  let cumulative = 0;
  let lastVersion: TariffVersion | undefined;
  let tiers: { grams: number; key: number }[] = [];
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    const v = versionOf(row);
    const net = billed.nets[row]!;
    if (net < v.minimumBillableG || billed.belowMinimum[row] === 1) continue;
    if (v !== lastVersion) {
      lastVersion = v;
      tiers = acc.get(v) ?? [];
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
        a = { grams: 0, key: keys++ };
        tiers[t] = a;
      }
      a.grams += take;
      scratch.add(a.key, row);
      cumulative += take;
      left -= take;
    }
  }
  const lines: ChargeLine[] = [];
  for (const [v, tiers] of acc) {
    tiers.forEach(({ grams, key }, tier) => {
      const t = v.weightTiers[tier]!;
      const next = v.weightTiers[tier + 1];
      const from = arena.length;
      for (let e = 0; e < scratch.length; e++) if (scratch.keys[e] === key) arena.push(scratch.rows[e]!);
      lines.push(
        chargeLine(base, {
          product: 'weight',
          subArticle: flatText(versionLabel(v), ', tier ', t.fromKg, next ? `–${next.fromKg}` : '+', ' kg'),
          quantity: kgText(grams),
          unit: 'kg',
          unitPriceCents: centsText(t.centsPerKg),
          amountCents: roundHalfUp(grams * t.centsPerKg, 1_000_000),
          liftIds: LiftIds.ofRows(billed, arena, from, arena.length),
        }),
      );
    });
  }
  return lines;
}

/** (tier, lift) pairs of one holder's weight lines, in columns reused from holder to holder. */
class TierScratch {
  keys = new Int32Array(1024);
  rows = new Int32Array(1024);
  length = 0;

  add(key: number, row: number): void {
    if (this.length === this.keys.length) {
      const keys = new Int32Array(this.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const rows = new Int32Array(this.length * 2);
      rows.set(this.rows);
      this.rows = rows;
    }
    this.keys[this.length] = key;
    this.rows[this.length++] = row;
  }
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
            share: flatText('share ', r.days, '/', capacity, ' dwelling-days of building ', b.id),
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
          share: flatText('vacancy ', vacancy, '/', capacity, ' dwelling-days of building ', b.id),
        },
        withAmount(line, parts[residents.length]!),
      ),
    );
  }
  return out;
}
