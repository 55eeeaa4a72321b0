import type { BatteryBucket } from './BatteryBuckets.js';
import { type BatteryTrend, batteryTrend } from './BatteryTrend.js';
import type { FleetRules } from './FleetRules.js';
import { distanceM, type LatLon } from './geo.js';

/** Status of a beacon, by priority (the first that applies wins; all are listed in `conditions`). */
export const BEACON_STATUSES = ['suspected-clone', 'silent', 'moved', 'low-battery', 'ok'] as const;
export type BeaconStatus = (typeof BEACON_STATUSES)[number];

/** A registered gateway with its position. */
export interface GatewayPlace extends LatLon {
  gatewayId: string;
}

/** One sighting of the beacon by one gateway in one batch window. */
export interface SightingFact {
  gatewayId: string;
  windowStart: string;
  windowEnd: string;
  rssiSmoothed: number;
  distanceM: number | null;
  addressMismatch: boolean;
  address: string;
}

/** A TLM report of the beacon that says something happened: a reboot or a counter anomaly. */
export interface TelemetryFact {
  gatewayId: string;
  ts: string;
  batteryMv: number | null;
  uptimeS: number;
  rebooted: boolean;
  counterAnomaly: boolean;
}

/** What the store knows about one beacon, as the rules need it. */
export interface BeaconFacts extends LatLon {
  beaconId: string;
  registeredAt: string;
  /** Latest window end of a sighting, flagged or not (null: never heard). */
  lastSeenAt: string | null;
  /** Sightings of the last `positionWindowMin`, any address. */
  recentSightings: SightingFact[];
  /** Battery readings of the last `trendDays`, as 10-minute means over every gateway. */
  battery: BatteryBucket[];
  /** TLM reports of the last `trendDays` flagged `rebooted` or `counterAnomaly`. */
  telemetry: TelemetryFact[];
  /** Gateway `suspected-clone` alerts about this beacon in the last `cloneEvidenceMin`. */
  gatewayCloneAlerts: number;
}

/** Why the beacon is suspected of being cloned. */
export type CloneEvidence =
  | { kind: 'address-mismatch'; gatewayId: string; at: string }
  | { kind: 'counter-anomaly'; gatewayId: string; at: string }
  | { kind: 'gateway-alert'; count: number }
  | {
      kind: 'distant-gateways';
      gatewayIds: [string, string];
      separationM: number;
      distancesM: [number, number];
      at: string;
    };

/** Where the beacon seems to be compared to its registration. */
export interface PlacementCheck {
  /** Gateway with the strongest mean smoothed RSSI in the window. */
  strongestGatewayId: string;
  strongestRegisteredDistanceM: number;
  /** Registered gateway nearest to the beacon's registered position. */
  nearestGatewayId: string;
  nearestRegisteredDistanceM: number;
  /** Median estimated distance reported by the nearest gateway (null: not enough sightings). */
  nearestEstimatedDistanceM: number | null;
  /** Why it counts as moved (null: it does not). */
  movedBecause: 'strongest-gateway-far' | 'distance-inconsistent' | null;
}

/** The evaluation of one beacon at one time. */
export interface BeaconAssessment {
  beaconId: string;
  status: BeaconStatus;
  conditions: BeaconStatus[];
  lastSeenAt: string | null;
  silentForMin: number | null;
  lastBatteryMv: number | null;
  battery: BatteryTrend;
  reboots: { count: number; lastAt: string | null };
  clone: CloneEvidence[];
  placement: PlacementCheck | null;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * Distinct reboots: each TLM report flagged `rebooted` gives a boot time (`ts − uptimeS`);
 * reports from several gateways of the same reboot give boot times within `clusterS` of
 * each other and count once.
 */
export function countReboots(
  telemetry: readonly TelemetryFact[],
  clusterS: number,
): { count: number; lastAt: string | null } {
  const boots = telemetry
    .filter((t) => t.rebooted)
    .map((t) => Date.parse(t.ts) - t.uptimeS * 1000)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  let count = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const b of boots) {
    if (b - last > clusterS * 1000) count++;
    last = b;
  }
  const lastBoot = boots.at(-1);
  return { count, lastAt: lastBoot === undefined ? null : new Date(lastBoot).toISOString() };
}

/** Cloud-side clone rule: two gateways farther apart than `separationM` both hear it closer than `nearM` in overlapping windows. */
export function distantStrongPairs(
  sightings: readonly SightingFact[],
  gateways: ReadonlyMap<string, LatLon>,
  rules: Pick<FleetRules, 'cloneNearM' | 'cloneSeparationM'>,
): CloneEvidence[] {
  const near = sightings.filter((s) => s.distanceM !== null && s.distanceM < rules.cloneNearM);
  for (let i = 0; i < near.length; i++) {
    for (let j = i + 1; j < near.length; j++) {
      const a = near[i] as SightingFact;
      const b = near[j] as SightingFact;
      if (a.gatewayId === b.gatewayId) continue;
      const overlap = a.windowStart <= b.windowEnd && b.windowStart <= a.windowEnd;
      const ga = gateways.get(a.gatewayId);
      const gb = gateways.get(b.gatewayId);
      if (!overlap || !ga || !gb) continue;
      const sep = distanceM(ga, gb);
      if (sep > rules.cloneSeparationM) {
        return [
          {
            kind: 'distant-gateways',
            gatewayIds: [a.gatewayId, b.gatewayId],
            separationM: Math.round(sep),
            distancesM: [a.distanceM as number, b.distanceM as number],
            at: a.windowEnd > b.windowEnd ? a.windowEnd : b.windowEnd,
          },
        ];
      }
    }
  }
  return [];
}

/** Compares where the beacon is heard with where it is registered (null: not heard in the window or no gateway). */
export function checkPlacement(
  beacon: LatLon,
  sightings: readonly SightingFact[],
  gateways: readonly GatewayPlace[],
  rules: Pick<FleetRules, 'movedMarginM' | 'movedDistanceFactor' | 'movedMinSightings'>,
): PlacementCheck | null {
  const own = sightings.filter((s) => !s.addressMismatch);
  if (own.length === 0 || gateways.length === 0) return null;
  const byGateway = new Map<string, number[]>();
  for (const s of own) byGateway.set(s.gatewayId, [...(byGateway.get(s.gatewayId) ?? []), s.rssiSmoothed]);
  let strongest: { id: string; rssi: number } | null = null;
  for (const [id, rssis] of byGateway) {
    const mean = rssis.reduce((a, b) => a + b, 0) / rssis.length;
    if (!strongest || mean > strongest.rssi) strongest = { id, rssi: mean };
  }
  const registered = new Map(gateways.map((g) => [g.gatewayId, distanceM(beacon, g)]));
  let nearest: { id: string; d: number } | null = null;
  for (const [id, d] of registered) if (!nearest || d < nearest.d) nearest = { id, d };
  const strongestD = strongest ? registered.get(strongest.id) : undefined;
  if (!strongest || !nearest || strongestD === undefined) return null;
  const estimates = own
    .filter((s) => s.gatewayId === nearest.id && s.distanceM !== null)
    .map((s) => s.distanceM as number);
  const est = estimates.length >= rules.movedMinSightings ? median(estimates) : null;
  let movedBecause: PlacementCheck['movedBecause'] = null;
  if (strongest.id !== nearest.id && strongestD - nearest.d > rules.movedMarginM) {
    movedBecause = 'strongest-gateway-far';
  } else if (
    est !== null &&
    Math.abs(est - nearest.d) > rules.movedMarginM &&
    (est > nearest.d * rules.movedDistanceFactor || est < nearest.d / rules.movedDistanceFactor)
  ) {
    movedBecause = 'distance-inconsistent';
  }
  return {
    strongestGatewayId: strongest.id,
    strongestRegisteredDistanceM: Math.round(strongestD * 10) / 10,
    nearestGatewayId: nearest.id,
    nearestRegisteredDistanceM: Math.round(nearest.d * 10) / 10,
    nearestEstimatedDistanceM: est,
    movedBecause,
  };
}

/**
 * The status of one beacon at `now` from its facts (pure: the same facts give the same
 * answer). Rules and their order are documented in `docs/beacon-operations.md`.
 */
export function assessBeacon(
  facts: BeaconFacts,
  gateways: readonly GatewayPlace[],
  rules: FleetRules,
  now: Date,
): BeaconAssessment {
  const nowMs = now.getTime();
  const cloneSince = new Date(nowMs - rules.cloneEvidenceMin * 60_000).toISOString();
  const clone: CloneEvidence[] = [];
  const mismatch = facts.recentSightings.filter((s) => s.addressMismatch).at(-1);
  if (mismatch)
    clone.push({ kind: 'address-mismatch', gatewayId: mismatch.gatewayId, at: mismatch.windowEnd });
  const anomaly = facts.telemetry.filter((t) => t.counterAnomaly && t.ts >= cloneSince).at(-1);
  if (anomaly) clone.push({ kind: 'counter-anomaly', gatewayId: anomaly.gatewayId, at: anomaly.ts });
  if (facts.gatewayCloneAlerts > 0) clone.push({ kind: 'gateway-alert', count: facts.gatewayCloneAlerts });
  const places = new Map(gateways.map((g) => [g.gatewayId, g] as const));
  clone.push(...distantStrongPairs(facts.recentSightings, places, rules));

  const heardMs = Date.parse(facts.lastSeenAt ?? facts.registeredAt);
  const silentForMin = Number.isFinite(heardMs) ? Math.max(0, (nowMs - heardMs) / 60_000) : null;
  const silent = silentForMin !== null && silentForMin > rules.silentAfterMin;

  const battery = batteryTrend(facts.battery, {
    thresholdMv: rules.lowBatteryMv,
    minPoints: rules.trendMinPoints,
    minSpanHours: rules.trendMinSpanHours,
    changeRiseMv: rules.batteryChangeRiseMv,
  });
  const horizon = new Date(nowMs + rules.lowBatteryHorizonDays * 86_400_000).toISOString();
  const lowBattery =
    (battery.lastMv !== null && battery.lastMv <= rules.lowBatteryMv) ||
    (battery.lowBatteryAt !== null && battery.lowBatteryAt <= horizon);

  const placement = checkPlacement(facts, facts.recentSightings, gateways, rules);
  const conditions: BeaconStatus[] = [];
  if (clone.length > 0) conditions.push('suspected-clone');
  if (silent) conditions.push('silent');
  if (placement?.movedBecause) conditions.push('moved');
  if (lowBattery) conditions.push('low-battery');
  return {
    beaconId: facts.beaconId,
    status: conditions[0] ?? 'ok',
    conditions,
    lastSeenAt: facts.lastSeenAt,
    silentForMin: silentForMin === null ? null : Math.round(silentForMin * 10) / 10,
    lastBatteryMv: battery.lastMv,
    battery,
    reboots: countReboots(facts.telemetry, rules.rebootClusterS),
    clone,
    placement,
  };
}
