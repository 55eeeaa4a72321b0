import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import pino from 'pino';
import type { AllowlistRegistry } from './AllowlistPublisher.js';
import { countSlots, monthRange, owedSlots, SLOT_MS, type SlotCount } from './Availability.js';
import {
  assessBeacon,
  type BeaconAssessment,
  type BeaconFacts,
  type BeaconStatus,
  type GatewayPlace,
} from './BeaconStatus.js';
import { DEFAULT_FLEET_RULES, FleetRules } from './FleetRules.js';
import { type BeaconRecord, type FleetAlert, FleetStore } from './FleetStore.js';
import { assessGateway, type GatewayAssessment, type GatewayStatus } from './GatewayStatus.js';

/** A beacon's registration and its assessed status. */
export type BeaconFleetEntry = BeaconRecord & BeaconAssessment;

/** One beacon's line of the availability report. */
export interface AvailabilityLine extends SlotCount {
  beaconId: string;
  name: string;
  shop: string | null;
  registeredAt: string;
}

/** The monthly availability report for the authority. */
export interface AvailabilityReport {
  month: string;
  slotMinutes: 5;
  /** When the report was computed: slots ending after this are not counted. */
  computedAt: string;
  beacons: AvailabilityLine[];
  totals: SlotCount & { beacons: number };
}

const SEVERITY: Record<BeaconStatus | GatewayStatus, FleetAlert['severity']> = {
  'suspected-clone': 'critical',
  silent: 'warning',
  moved: 'warning',
  'low-battery': 'warning',
  ok: 'info',
  online: 'info',
  degraded: 'warning',
  offline: 'critical',
  'never-connected': 'info',
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The beacon operator's fleet view: a status per registered beacon (`ok`, `low-battery`,
 * `silent`, `moved`, `suspected-clone`) and per gateway (`online`, `degraded`, `offline`),
 * the alerts the cloud raises when a status changes, and the monthly availability report.
 * Reads the store's series (the ingest writes them); `evaluate()` is the only writer, to the
 * fleet's own tables. Rules: `FleetRules`, documented in `docs/beacon-operations.md`.
 */
export class BeaconFleet {
  readonly rules: FleetRules;
  readonly #store: FleetStore;
  readonly #log: Logger;

  constructor(db: Database.Database, options: { rules?: Partial<FleetRules>; logger?: Logger } = {}) {
    this.rules = FleetRules.parse({ ...DEFAULT_FLEET_RULES, ...options.rules });
    this.#store = new FleetStore(db);
    this.#log = (options.logger ?? pino({ level: 'info' })).child({ name: 'cloud:beacons:fleet' });
  }

  /** The registry as the gateways' allowlists need it (`AllowlistPublisher`). */
  get registry(): AllowlistRegistry {
    return { gateways: () => this.#store.gatewayPlaces(), allowlist: () => this.#store.allowlist() };
  }

  /** Every registered beacon with its status at `now`. */
  beacons(now: Date = new Date()): BeaconFleetEntry[] {
    const places = this.#store.gatewayPlaces();
    return this.#store.beacons().map((b) => this.#assess(b, places, now));
  }

  /** One beacon with its status (null when not registered). */
  beacon(beaconId: string, now: Date = new Date()): BeaconFleetEntry | null {
    const b = this.#store.beacon(beaconId);
    return b ? this.#assess(b, this.#store.gatewayPlaces(), now) : null;
  }

  /** One beacon with the battery points of the trend period (10-minute means; null when not registered). */
  beaconDetail(
    beaconId: string,
    now: Date = new Date(),
  ): (BeaconFleetEntry & { batteryReadings: BeaconFacts['battery'] }) | null {
    const b = this.#store.beacon(beaconId);
    if (!b) return null;
    const { entry, facts } = this.#evaluateOne(b, this.#store.gatewayPlaces(), now);
    return { ...entry, batteryReadings: facts.battery };
  }

  /** Every registered gateway with its status; its own alerts counted over the last 24 h. */
  gateways(now: Date = new Date()): GatewayAssessment[] {
    return this.#store
      .gateways(iso(now.getTime() - 86_400_000))
      .map((g) => assessGateway(g, this.rules, now));
  }

  /** Alerts the cloud raised, newest first. */
  alerts(q: { limit: number; deviceId?: string; beforeId?: number }): FleetAlert[] {
    return this.#store.alerts(q);
  }

  /**
   * Evaluates every beacon and gateway, records each status, and raises an alert for every
   * change since the previous evaluation (a first evaluation raises one only when the status
   * is not healthy). Returns the alerts raised.
   */
  evaluate(now: Date = new Date()): FleetAlert[] {
    const at = now.toISOString();
    const evaluated: { kind: 'beacon' | 'gateway'; deviceId: string; status: string; changed: boolean }[] =
      [];
    const alerts: Omit<FleetAlert, 'alertId'>[] = [];
    const previousBeacons = this.#store.statuses('beacon');
    for (const b of this.beacons(now)) {
      const before = previousBeacons.get(b.beaconId)?.status ?? null;
      const changed = before !== b.status;
      evaluated.push({ kind: 'beacon', deviceId: b.beaconId, status: b.status, changed });
      if (changed && !(before === null && b.status === 'ok')) {
        alerts.push({
          raisedAt: at,
          deviceKind: 'beacon',
          deviceId: b.beaconId,
          kind: `beacon-${b.status}`,
          severity: SEVERITY[b.status],
          fromStatus: before,
          toStatus: b.status,
          detail: describeBeacon(b),
        });
      }
    }
    const previousGateways = this.#store.statuses('gateway');
    for (const g of this.gateways(now)) {
      const before = previousGateways.get(g.gatewayId)?.status ?? null;
      const changed = before !== g.status;
      evaluated.push({ kind: 'gateway', deviceId: g.gatewayId, status: g.status, changed });
      if (changed && !(before === null && (g.status === 'online' || g.status === 'never-connected'))) {
        alerts.push({
          raisedAt: at,
          deviceKind: 'gateway',
          deviceId: g.gatewayId,
          kind: `gateway-${g.status}`,
          severity: SEVERITY[g.status],
          fromStatus: before,
          toStatus: g.status,
          detail: g.problems.length
            ? `problems: ${g.problems.join(', ')}`
            : `connection ${g.online?.cause ?? 'none'}`,
        });
      }
    }
    this.#store.record(evaluated, alerts, at);
    for (const a of alerts) this.#log.info({ ...a }, 'fleet status changed');
    return this.#store.alerts({ limit: alerts.length }).reverse();
  }

  /** Availability of every registered beacon over a UTC month `YYYY-MM` (null: not a month). */
  availability(month: string, now: Date = new Date()): AvailabilityReport | null {
    const range = monthRange(month);
    if (!range) return null;
    const nowMs = now.getTime();
    const slotStarts = Array.from({ length: (range.toMs - range.fromMs) / SLOT_MS + 1 }, (_, k) =>
      iso(range.fromMs + k * SLOT_MS),
    );
    const lines: AvailabilityLine[] = this.#store.beacons().map((b) => {
      const registeredMs = Date.parse(b.registeredAt);
      const { first, end } = owedSlots(range.fromMs, range.toMs, registeredMs, nowMs);
      const slots = this.#store.heardSlots(b.beaconId, slotStarts, first, end);
      return {
        beaconId: b.beaconId,
        name: b.name,
        shop: b.shop,
        registeredAt: b.registeredAt,
        ...countSlots(range.fromMs, range.toMs, registeredMs, nowMs, slots),
      };
    });
    const eligible = lines.reduce((s, l) => s + l.eligible, 0);
    const heard = lines.reduce((s, l) => s + l.heard, 0);
    return {
      month,
      slotMinutes: 5,
      computedAt: now.toISOString(),
      beacons: lines,
      totals: {
        beacons: lines.length,
        eligible,
        heard,
        availability: eligible === 0 ? null : heard / eligible,
      },
    };
  }

  #assess(b: BeaconRecord, places: GatewayPlace[], now: Date): BeaconFleetEntry {
    return this.#evaluateOne(b, places, now).entry;
  }

  #evaluateOne(
    b: BeaconRecord,
    places: GatewayPlace[],
    now: Date,
  ): { entry: BeaconFleetEntry; facts: BeaconFacts } {
    const n = now.getTime();
    const r = this.rules;
    const facts = this.#store.facts(
      b,
      {
        sightings: iso(n - r.positionWindowMin * 60_000),
        telemetry: iso(n - r.trendDays * 86_400_000),
        clone: iso(n - r.cloneEvidenceMin * 60_000),
      },
      now.toISOString(),
    );
    return { entry: { ...b, ...assessBeacon(facts, places, r, now) }, facts };
  }
}

function describeBeacon(b: BeaconFleetEntry): string {
  switch (b.status) {
    case 'suspected-clone':
      return `clone evidence: ${b.clone.map((c) => c.kind).join(', ')}`;
    case 'silent':
      return `not heard for ${b.silentForMin ?? '?'} min (last seen ${b.lastSeenAt ?? 'never'})`;
    case 'moved':
      return `placement: ${b.placement?.movedBecause ?? '?'} (strongest ${b.placement?.strongestGatewayId ?? '?'}, nearest ${b.placement?.nearestGatewayId ?? '?'})`;
    case 'low-battery':
      return `battery ${b.lastBatteryMv ?? '?'} mV, estimated flat ${b.battery.lowBatteryAt ?? 'unknown'} (${b.battery.points} points over ${b.battery.spanHours.toFixed(1)} h)`;
    case 'ok':
      return 'back to normal';
    default: {
      const never: never = b.status;
      return never;
    }
  }
}
