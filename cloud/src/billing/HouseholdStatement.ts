import type Database from 'better-sqlite3';
import { CloudError, CloudErrorCode } from '../errors.js';
import { computeCharges } from './BillingEngine.js';
import { daysBetween, localDay, periodContaining } from './BillingPeriod.js';
import type { BillingRegistry } from './BillingRegistry.js';
import type { ChargeLine } from './ChargeLine.js';
import { loadBillingRegistry, zonedDayStartUtc } from './StoreBillingSource.js';
import type { TariffPlanFile } from './TariffPlan.js';

/** What a household sees of its own waste: its lifts, totals, a comparison and its projected charge. */
export interface HouseholdStatement {
  householdId: string;
  name: string;
  persons: number | null;
  period: { id: string; from: string; to: string; elapsedDays: number; days: number };
  lifts: {
    liftId: string;
    day: string;
    binId: string;
    volumeL: number;
    netWeightKg: number | null;
    billed: boolean;
    note: string | null;
  }[];
  totals: { lifts: number; netWeightKg: number };
  /** Average of households with the same bin volume and number of persons, same period so far. */
  comparable: {
    households: number;
    averageNetWeightKg: number | null;
    averageLifts: number | null;
    binVolumeL: number | null;
  };
  charge: { soFarCents: number; projectedCents: number; lines: ChargeLine[] };
}

const r3 = (g: number) => Math.round(g) / 1000;

/**
 * Builds a household's statement for the billing period that contains `now`. The projection
 * keeps the fixed part of the whole period and scales the variable part (extra lifts, weight)
 * from the days elapsed to the whole period (docs/billing.md, "Household statement").
 */
export function householdStatement(
  db: Database.Database,
  householdId: string,
  tariff: TariffPlanFile,
  now: Date,
): HouseholdStatement {
  const tz = tariff.timeZone;
  const today = localDay(now.toISOString(), tz);
  const period = periodContaining(tariff.billingPeriods, today);
  const full = loadBillingRegistry(db, tariff.splitCollectiveByDwellings);
  const account = full.accounts.find((a) => a.id === householdId && a.kind === 'household');
  if (!account) throw new CloudError(CloudErrorCode.NotFound, `no household ${householdId}`);

  // The registry slice that decides this household's charge: its bins, and its building's.
  const building = account.buildingId ? full.buildings.find((b) => b.id === account.buildingId) : undefined;
  const bins = full.bins.filter(
    (b) => b.accountId === householdId || (building && b.buildingId === building.id),
  );
  const accountIds = new Set([householdId, ...(building ? [building.managerAccountId] : [])]);
  for (const a of full.accounts) if (building && a.buildingId === building.id) accountIds.add(a.id);
  const registry: BillingRegistry = {
    accounts: full.accounts.filter((a) => accountIds.has(a.id)),
    buildings: building ? [building] : [],
    bins,
  };
  const tags = new Set(bins.map((b) => b.tagId));
  const lifts = [...liftsOfTags(db, [...tags], period.from, period.to, tz)];
  const run = computeCharges({ period, tariff, registry, lifts, today, provisional: true });

  const mine = run.lines.filter((l) => l.accountId === householdId);
  const billedIds = new Set(mine.flatMap((l) => l.liftIds.toArray()));
  const reviewed = new Map(run.review.map((r) => [r.liftId, r.reason]));
  const binByTag = new Map(bins.map((b) => [b.tagId, b]));
  const ownLifts = lifts
    .filter(
      (l) => billedIds.has(l.id) || (l.tagId !== null && binByTag.get(l.tagId)?.accountId === householdId),
    )
    .sort((a, b) => (a.ts < b.ts ? -1 : 1))
    .map((l) => {
      const bin = binByTag.get(l.tagId!)!;
      return {
        liftId: l.id,
        day: localDay(l.ts, tz),
        binId: bin.binId,
        volumeL: bin.volumeL,
        netWeightKg: l.netWeightG === null ? null : r3(l.netWeightG),
        billed: billedIds.has(l.id),
        note: reviewed.get(l.id) ?? (l.flags.includes('below-minimum') ? 'below-minimum' : null),
      };
    });
  const soFar = mine.reduce((s, l) => s + l.amountCents, 0);
  const fixed = mine.filter((l) => l.product === 'fixed').reduce((s, l) => s + l.amountCents, 0);
  const days = daysBetween(period.from, period.to);
  const elapsed = Math.max(1, Math.min(days, daysBetween(period.from, today) + 1));
  const ownBin = bins.find((b) => b.accountId === householdId) ?? bins[0];
  return {
    householdId,
    name: account.name,
    persons: account.persons,
    period: { id: period.id, from: period.from, to: period.to, elapsedDays: elapsed, days },
    lifts: ownLifts,
    totals: {
      lifts: ownLifts.length,
      netWeightKg: r3(ownLifts.reduce((s, l) => s + (l.netWeightKg ?? 0) * 1000, 0)),
    },
    comparable: comparable(
      db,
      ownBin?.volumeL ?? null,
      account.persons,
      zonedDayStartUtc(period.from, tz),
      zonedDayStartUtc(period.to, tz),
    ),
    charge: {
      soFarCents: soFar,
      projectedCents: fixed + Math.round(((soFar - fixed) * days) / elapsed),
      lines: mine,
    },
  };
}

function* liftsOfTags(db: Database.Database, tags: string[], from: string, to: string, tz: string) {
  if (tags.length === 0) return;
  const stmt = db
    .prepare(
      `SELECT event_id, started_at, tag_id, net_weight_g, flags FROM lifts
       WHERE tag_id IN (SELECT value FROM json_each(?)) AND started_at >= ? AND started_at < ?`,
    )
    .raw(true);
  for (const [id, ts, tagId, netWeightG, flags] of stmt.iterate(
    JSON.stringify(tags),
    zonedDayStartUtc(from, tz),
    zonedDayStartUtc(to, tz),
  ) as Iterable<[string, string, string | null, number | null, string]>) {
    yield { id, ts, tagId, netWeightG, flags: JSON.parse(flags) as string[] };
  }
}

/** Average kg and lifts per household with the same bin volume and persons, over [fromUtc, toUtc). */
function comparable(
  db: Database.Database,
  volumeL: number | null,
  persons: number | null,
  fromUtc: string,
  toUtc: string,
): HouseholdStatement['comparable'] {
  if (volumeL === null || persons === null)
    return { households: 0, averageNetWeightKg: null, averageLifts: null, binVolumeL: volumeL };
  const row = db
    .prepare(
      `WITH peers AS (
         SELECT b.tag_id FROM households h JOIN bins b ON b.account_id = h.household_id
         WHERE h.persons = ? AND b.volume_l = ?)
       SELECT (SELECT count(*) FROM peers) AS households, count(l.event_id) AS lifts, coalesce(sum(max(l.net_weight_g, 0)), 0) AS grams
       FROM lifts l JOIN peers p ON p.tag_id = l.tag_id
       WHERE l.started_at >= ? AND l.started_at < ?`,
    )
    .get(persons, volumeL, fromUtc, toUtc) as { households: number; lifts: number; grams: number };
  if (row.households === 0)
    return { households: 0, averageNetWeightKg: null, averageLifts: null, binVolumeL: volumeL };
  return {
    households: row.households,
    averageNetWeightKg: r3(row.grams / row.households),
    averageLifts: Math.round((row.lifts / row.households) * 10) / 10,
    binVolumeL: volumeL,
  };
}
