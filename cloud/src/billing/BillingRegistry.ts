import { dayNumber, intersect } from './BillingPeriod.js';
import type { PlanName } from './TariffPlan.js';

/** Who pays: a household, a business, or a building manager (syndic) for collective bins. */
export interface BillingAccount {
  id: string;
  kind: 'household' | 'business' | 'building-manager';
  name: string;
  plan: PlanName;
  /** Occupancy of the dwelling or premises, half-open [from, to); to null = still there. */
  occupiedFrom: string;
  occupiedTo: string | null;
  /** A household living in a building with collective bins. */
  buildingId: string | null;
  persons: number | null;
}

/** A building whose collective bins are billed to its manager, optionally split by dwellings. */
export interface BillingBuilding {
  id: string;
  managerAccountId: string;
  dwellings: number;
  /** Split each collective charge among the dwellings' households by occupied days. */
  splitByDwellings: boolean;
  plan: PlanName;
}

/** A bin held by an account or a building over [from, to) (a swap ends one holding, starts another). */
export interface BinHolding {
  binId: string;
  tagId: string;
  volumeL: number;
  accountId: string | null;
  buildingId: string | null;
  from: string;
  to: string | null;
}

/** The registry as billing sees it. */
export interface BillingRegistry {
  accounts: BillingAccount[];
  buildings: BillingBuilding[];
  bins: BinHolding[];
}

/** Every inconsistency that would make a bill wrong, as sentences. Empty when the registry is sound. */
export function registryIssues(reg: BillingRegistry): string[] {
  const issues: string[] = [];
  const accounts = new Map(reg.accounts.map((a) => [a.id, a]));
  const buildings = new Map(reg.buildings.map((b) => [b.id, b]));
  for (const b of reg.buildings) {
    if (!accounts.has(b.managerAccountId))
      issues.push(`building ${b.id}: manager account ${b.managerAccountId} is not registered`);
    if (b.dwellings < 1) issues.push(`building ${b.id}: dwellings must be at least 1`);
  }
  for (const a of reg.accounts) {
    if (a.occupiedTo !== null && a.occupiedTo <= a.occupiedFrom)
      issues.push(`account ${a.id}: moved out ${a.occupiedTo} before moving in ${a.occupiedFrom}`);
    if (a.buildingId && !buildings.has(a.buildingId))
      issues.push(`account ${a.id}: building ${a.buildingId} is not registered`);
  }
  const byBin = new Map<string, BinHolding[]>();
  const byTag = new Map<string, BinHolding[]>();
  for (const h of reg.bins) {
    if ((h.accountId === null) === (h.buildingId === null))
      issues.push(`bin ${h.binId}: held by exactly one account or one building`);
    if (h.accountId && !accounts.has(h.accountId))
      issues.push(`bin ${h.binId}: account ${h.accountId} is not registered`);
    if (h.buildingId && !buildings.has(h.buildingId))
      issues.push(`bin ${h.binId}: building ${h.buildingId} is not registered`);
    if (h.to !== null && h.to <= h.from)
      issues.push(`bin ${h.binId}: holding ends ${h.to} before it starts ${h.from}`);
    const sameBin = byBin.get(h.binId);
    if (sameBin) sameBin.push(h);
    else byBin.set(h.binId, [h]);
    const sameTag = byTag.get(h.tagId);
    if (sameTag) sameTag.push(h);
    else byTag.set(h.tagId, [h]);
  }
  const overlapping = (list: BinHolding[], what: string) => {
    if (list.length < 2) return;
    const sorted = [...list].sort((x, y) => (x.from < y.from ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (intersect(prev, cur)) {
        issues.push(
          `${what}: held by ${prev.accountId ?? prev.buildingId} and ${cur.accountId ?? cur.buildingId} at once from ${cur.from}`,
        );
      }
    }
  };
  for (const [bin, list] of byBin) overlapping(list, `bin ${bin}`);
  for (const [tag, list] of byTag) overlapping(list, `tag ${tag}`);
  return issues;
}

/**
 * Fast look-up of who held a tag on a given day. Each registered tag has a key (0, 1, …) and
 * its holdings sit in one run of a flat array, so a lift whose tag key is known (a billing run
 * resolves each distinct tag once) costs no hashing.
 */
export class TagIndex {
  private readonly keys = new Map<string, number>();
  /** Holdings (indexes in `bins`) of key k: `holdings[start[k]…start[k + 1])`. */
  private readonly start: Int32Array;
  private readonly holdings: Int32Array;
  /** Day numbers of each holding's [from, to); to is +∞ while it lasts. */
  private readonly from: Float64Array;
  private readonly to: Float64Array;

  constructor(bins: BinHolding[]) {
    this.from = new Float64Array(bins.length);
    this.to = new Float64Array(bins.length);
    const byTag: number[][] = [];
    bins.forEach((h, i) => {
      this.from[i] = dayNumber(h.from);
      this.to[i] = h.to === null ? Number.POSITIVE_INFINITY : dayNumber(h.to);
      let key = this.keys.get(h.tagId);
      if (key === undefined) {
        key = byTag.length;
        this.keys.set(h.tagId, key);
        byTag.push([]);
      }
      byTag[key]!.push(i);
    });
    this.start = new Int32Array(byTag.length + 1);
    this.holdings = new Int32Array(bins.length);
    let at = 0;
    byTag.forEach((list, key) => {
      this.start[key] = at;
      for (const i of list) this.holdings[at++] = i;
    });
    this.start[byTag.length] = at;
  }

  /** The key of a registered tag, -1 for a tag never registered. */
  keyOf(tagId: string): number {
    return this.keys.get(tagId) ?? -1;
  }

  /** How many tags were ever registered: keys are 0 … size − 1. */
  get size(): number {
    return this.start.length - 1;
  }

  /** The holdings of a key: indexes in `bins`. */
  holdingsOf(key: number): Int32Array {
    return this.holdings.subarray(this.start[key]!, this.start[key + 1]!);
  }

  /** The day numbers of a holding, half-open (`to` is +∞ while it lasts). */
  daysOf(i: number): { from: number; to: number } {
    return { from: this.from[i]!, to: this.to[i]! };
  }

  /** Whether the tag was ever registered. */
  known(tagId: string): boolean {
    return this.keys.has(tagId);
  }

  /** The index in `bins` of the holding of a tag on a day number, -1 when nobody held it. */
  indexOn(tagId: string, day: number): number {
    return this.indexOnKey(this.keyOf(tagId), day);
  }

  /** {@link indexOn} by the tag's {@link keyOf}. */
  indexOnKey(key: number, day: number): number {
    if (key < 0) return -1;
    for (let j = this.start[key]!; j < this.start[key + 1]!; j++) {
      const i = this.holdings[j]!;
      if (day >= this.from[i]! && day < this.to[i]!) return i;
    }
    return -1;
  }
}
