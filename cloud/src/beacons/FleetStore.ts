import type Database from 'better-sqlite3';
import type { AllowlistedBeacon } from '@releve/shared';
import { BatteryBuckets } from './BatteryBuckets.js';
import type { BeaconFacts, GatewayPlace, SightingFact, TelemetryFact } from './BeaconStatus.js';

/** A registered beacon. */
export interface BeaconRecord {
  beaconId: string;
  name: string;
  shop: string | null;
  address: string | null;
  lat: number;
  lon: number;
  registeredAt: string;
}

/** What the store knows about a gateway's connection and last health report. */
export interface GatewayRecord extends GatewayPlace {
  name: string;
  site: string | null;
  online: { state: 'online' | 'offline'; cause: string; since: string } | null;
  health: {
    ts: string;
    scanner: string;
    advRatePerS: number;
    scanRestarts: number;
    expectedBeacons: number;
    heardBeacons: number;
    outboxBacklog: number;
  } | null;
  /** Alerts the gateway itself raised since the given time, by kind. */
  alerts: Record<string, number>;
}

/** An alert the cloud raised on a status transition. */
export interface FleetAlert {
  alertId: number;
  raisedAt: string;
  deviceKind: 'beacon' | 'gateway';
  deviceId: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  fromStatus: string | null;
  toStatus: string;
  detail: string;
}

export type DeviceKind = 'beacon' | 'gateway';

/**
 * The beacon fleet's SQL over the cloud store: reads the registry and the gateways' series,
 * and keeps the fleet's own tables (`fleet_status`, `fleet_alerts`, migration 006). Every
 * per-beacon lookup runs on an index of `(beacon_id, time)`.
 */
export class FleetStore {
  readonly #battery: BatteryBuckets;
  readonly #sightedIn: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.#battery = new BatteryBuckets(db);
    this.#sightedIn = db
      .prepare(
        'SELECT 1 FROM beacon_sightings WHERE beacon_id = ? AND window_end >= ? AND window_end < ? LIMIT 1',
      )
      .pluck();
  }

  beacons(): BeaconRecord[] {
    return this.db
      .prepare(
        `SELECT beacon_id AS beaconId, name, shop, address, lat, lon, registered_at AS registeredAt
         FROM beacons ORDER BY beacon_id`,
      )
      .all() as BeaconRecord[];
  }

  beacon(beaconId: string): BeaconRecord | null {
    return (
      (this.db
        .prepare(
          `SELECT beacon_id AS beaconId, name, shop, address, lat, lon, registered_at AS registeredAt
           FROM beacons WHERE beacon_id = ?`,
        )
        .get(beaconId) as BeaconRecord | undefined) ?? null
    );
  }

  /** Every registered beacon as the gateways' allowlist carries it (contract `AllowlistedBeacon`). */
  allowlist(): AllowlistedBeacon[] {
    const rows = this.db
      .prepare(
        `SELECT beacon_id, address, name, lat, lon, expected_interval_ms FROM beacons ORDER BY beacon_id`,
      )
      .all() as {
      beacon_id: string;
      address: string | null;
      name: string;
      lat: number;
      lon: number;
      expected_interval_ms: number | null;
    }[];
    return rows.map((r) => ({
      beaconId: r.beacon_id,
      address: r.address,
      name: r.name,
      lat: r.lat,
      lon: r.lon,
      ...(r.expected_interval_ms === null ? {} : { expectedIntervalMs: r.expected_interval_ms }),
    }));
  }

  gatewayPlaces(): GatewayPlace[] {
    return this.db
      .prepare('SELECT gateway_id AS gatewayId, lat, lon FROM gateways ORDER BY gateway_id')
      .all() as GatewayPlace[];
  }

  /** Facts about one beacon for the status rules, as of `now`. */
  facts(
    b: BeaconRecord,
    since: { sightings: string; telemetry: string; clone: string },
    now: string,
  ): BeaconFacts {
    const lastSeenAt = this.db
      .prepare(
        `SELECT window_end FROM beacon_sightings WHERE beacon_id = ? AND window_end <= ?
         ORDER BY window_end DESC LIMIT 1`,
      )
      .pluck()
      .get(b.beaconId, now) as string | undefined;
    const recentSightings = (
      this.db
        .prepare(
          `SELECT s.gateway_id, b.window_start, s.window_end, s.rssi_smoothed, s.distance_m, s.address_mismatch, s.address
           FROM beacon_sightings s JOIN sighting_batches b ON b.event_id = s.batch_event_id
           WHERE s.beacon_id = ? AND s.window_end > ? AND s.window_end <= ? ORDER BY s.window_end`,
        )
        .all(b.beaconId, since.sightings, now) as {
        gateway_id: string;
        window_start: string;
        window_end: string;
        rssi_smoothed: number;
        distance_m: number | null;
        address_mismatch: number;
        address: string;
      }[]
    ).map(
      (r): SightingFact => ({
        gatewayId: r.gateway_id,
        windowStart: r.window_start,
        windowEnd: r.window_end,
        rssiSmoothed: r.rssi_smoothed,
        distanceM: r.distance_m,
        addressMismatch: r.address_mismatch === 1,
        address: r.address,
      }),
    );
    // A gateway sends up to one TLM report per beacon and 10 s window (259,200 a month):
    // the trend takes 10-minute means, the reboot and clone rules only the flagged reports.
    const battery = this.#battery.points(b.beaconId, since.telemetry, new Date(now));
    const telemetry = (
      this.db
        .prepare(
          `SELECT gateway_id, ts, battery_mv, uptime_s, rebooted, counter_anomaly FROM beacon_telemetry
           WHERE beacon_id = ? AND ts > ? AND ts <= ? AND (rebooted = 1 OR counter_anomaly = 1) ORDER BY ts`,
        )
        .all(b.beaconId, since.telemetry, now) as {
        gateway_id: string;
        ts: string;
        battery_mv: number | null;
        uptime_s: number;
        rebooted: number;
        counter_anomaly: number;
      }[]
    ).map(
      (r): TelemetryFact => ({
        gatewayId: r.gateway_id,
        ts: r.ts,
        batteryMv: r.battery_mv,
        uptimeS: r.uptime_s,
        rebooted: r.rebooted === 1,
        counterAnomaly: r.counter_anomaly === 1,
      }),
    );
    const gatewayCloneAlerts = this.db
      .prepare(
        `SELECT count(*) FROM device_alerts
         WHERE beacon_id = ? AND kind = 'suspected-clone' AND device_class = 'gateways' AND ts > ? AND ts <= ?`,
      )
      .pluck()
      .get(b.beaconId, since.clone, now) as number;
    return {
      beaconId: b.beaconId,
      lat: b.lat,
      lon: b.lon,
      registeredAt: b.registeredAt,
      lastSeenAt: lastSeenAt ?? null,
      recentSightings,
      battery,
      telemetry,
      gatewayCloneAlerts,
    };
  }

  /** Registered gateways with their online state, latest health and own alerts since `alertsSince`. */
  gateways(alertsSince: string): GatewayRecord[] {
    const rows = this.db
      .prepare(
        `SELECT g.gateway_id, g.name, g.site, g.lat, g.lon, o.state, o.cause, o.since,
           h.ts AS h_ts, h.scanner, h.adv_rate_per_s, h.scan_restarts, h.expected_beacons, h.heard_beacons, h.outbox_backlog
         FROM gateways g
         LEFT JOIN device_online o ON o.device_id = g.gateway_id
         LEFT JOIN gateway_health h ON h.event_id = (
           SELECT event_id FROM gateway_health x WHERE x.gateway_id = g.gateway_id ORDER BY x.ts DESC, x.seq DESC LIMIT 1)
         ORDER BY g.gateway_id`,
      )
      .all() as Record<string, unknown>[];
    const alertRows = this.db
      .prepare(
        `SELECT device_id, kind, count(*) AS n FROM device_alerts
         WHERE device_class = 'gateways' AND ts > ? GROUP BY device_id, kind`,
      )
      .all(alertsSince) as { device_id: string; kind: string; n: number }[];
    return rows.map((r) => {
      const id = String(r.gateway_id);
      return {
        gatewayId: id,
        name: String(r.name),
        site: (r.site as string | null) ?? null,
        lat: Number(r.lat),
        lon: Number(r.lon),
        online: r.state
          ? { state: r.state as 'online' | 'offline', cause: String(r.cause), since: String(r.since) }
          : null,
        health: r.h_ts
          ? {
              ts: String(r.h_ts),
              scanner: String(r.scanner),
              advRatePerS: Number(r.adv_rate_per_s),
              scanRestarts: Number(r.scan_restarts),
              expectedBeacons: Number(r.expected_beacons),
              heardBeacons: Number(r.heard_beacons),
              outboxBacklog: Number(r.outbox_backlog),
            }
          : null,
        alerts: Object.fromEntries(alertRows.filter((a) => a.device_id === id).map((a) => [a.kind, a.n])),
      };
    });
  }

  /**
   * Which of the slots `[first, end)` saw the beacon: slot k is `[slotStarts[k], slotStarts[k+1])`
   * by window end. One index seek per slot (a month is at most 8,928 slots), so the cost does not
   * grow with the number of gateways or shorter windows as reading every sighting would (a month
   * of 10 s windows is 267,840 sightings per gateway; figures: `npm run bench:beacon-fleet`,
   * which also times the plain scan). Windows flagged `address_mismatch` count too: the gateway
   * sends one sighting per beacon and window, so it cannot say whether the genuine beacon was
   * heard beside the clone.
   */
  heardSlots(beaconId: string, slotStarts: readonly string[], first: number, end: number): number[] {
    const heard: number[] = [];
    for (let k = Math.max(0, first); k < end && k + 1 < slotStarts.length; k++) {
      if (this.#sightedIn.get(beaconId, slotStarts[k], slotStarts[k + 1]) !== undefined) heard.push(k);
    }
    return heard;
  }

  /** Last evaluated statuses of a kind of device. */
  statuses(kind: DeviceKind): Map<string, { status: string; since: string }> {
    const rows = this.db
      .prepare('SELECT device_id, status, since FROM fleet_status WHERE device_kind = ?')
      .all(kind) as { device_id: string; status: string; since: string }[];
    return new Map(rows.map((r) => [r.device_id, { status: r.status, since: r.since }]));
  }

  /** Records evaluated statuses and the alerts of their transitions in one transaction. */
  record(
    evaluated: { kind: DeviceKind; deviceId: string; status: string; changed: boolean }[],
    alerts: Omit<FleetAlert, 'alertId'>[],
    at: string,
  ): void {
    const upsert = this.db.prepare(
      `INSERT INTO fleet_status (device_kind, device_id, status, since, evaluated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (device_kind, device_id) DO UPDATE SET evaluated_at = excluded.evaluated_at,
         status = excluded.status, since = CASE WHEN fleet_status.status = excluded.status THEN fleet_status.since ELSE excluded.since END`,
    );
    const insert = this.db.prepare(
      `INSERT INTO fleet_alerts (raised_at, device_kind, device_id, kind, severity, from_status, to_status, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const e of evaluated) upsert.run(e.kind, e.deviceId, e.status, at, at);
      for (const a of alerts)
        insert.run(
          a.raisedAt,
          a.deviceKind,
          a.deviceId,
          a.kind,
          a.severity,
          a.fromStatus,
          a.toStatus,
          a.detail,
        );
    })();
  }

  /** Cloud alerts, newest first, optionally of one device, with ids below `beforeId`. */
  alerts(q: { limit: number; deviceId?: string; beforeId?: number }): FleetAlert[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.deviceId !== undefined) {
      where.push('device_id = ?');
      args.push(q.deviceId);
    }
    if (q.beforeId !== undefined) {
      where.push('alert_id < ?');
      args.push(q.beforeId);
    }
    return this.db
      .prepare(
        `SELECT alert_id AS alertId, raised_at AS raisedAt, device_kind AS deviceKind, device_id AS deviceId, kind,
           severity, from_status AS fromStatus, to_status AS toStatus, detail
         FROM fleet_alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY alert_id DESC LIMIT ?`,
      )
      .all(...args, q.limit) as FleetAlert[];
  }
}
