import type {
  BeaconTelemetry,
  GatewayHealth,
  OnlineState,
  TruckStatus,
} from '@releve/shared';
import type Database from 'better-sqlite3';
import type { Store } from '../store/Store.js';
import { type LiftRow, toLift } from '../store/StoreReads.js';
import type { ApiReadModel, DeadLetterQuery, LiftQuery } from './ApiReadModel.js';
import type { BeaconView, DeadLetterView, GatewayView, LiftRecord, TruckView } from './schemas.js';

interface OnlineRow {
  state: 'online' | 'offline' | null;
  cause: OnlineState['cause'] | null;
  since: string | null;
  agent_version: string | null;
}

interface DeviceRow extends OnlineRow {
  id: string;
  name: string | null;
  last_seen: string | null;
}

/**
 * The HTTP API's reads over the SQLite `Store` (read-only SQL on its tables, each lookup on an
 * index: "last seen" is the reception time of a device's latest message by device time). Lifts
 * are read a page at a time with a keyset on (started_at, event_id), with the bin and payer
 * resolved by the same join as the store's `reads.lift()`.
 */
export class StoreReadModel implements ApiReadModel {
  private readonly db: Database.Database;

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  listTrucks(): TruckView[] {
    return this.trucks(null);
  }

  getTruck(truckId: string): TruckView | null {
    return this.trucks(truckId)[0] ?? null;
  }

  private trucks(only: string | null): TruckView[] {
    const rows = this.db
      .prepare(
        `WITH ids AS (
           SELECT truck_id AS id FROM trucks
           UNION SELECT device_id FROM device_online WHERE device_class = 'trucks'
           UNION SELECT DISTINCT truck_id FROM truck_status)
         SELECT ids.id, t.name, o.state, o.cause, o.since, o.agent_version,
           (SELECT body FROM truck_status s WHERE s.truck_id = ids.id ORDER BY s.ts DESC, s.seq DESC LIMIT 1) AS body,
           max(coalesce(o.received_at, ''),
               coalesce((SELECT received_at FROM truck_status s WHERE s.truck_id = ids.id
                         ORDER BY s.ts DESC LIMIT 1), ''),
               coalesce((SELECT received_at FROM lifts l WHERE l.truck_id = ids.id
                         ORDER BY l.started_at DESC LIMIT 1), '')) AS last_seen
         FROM ids LEFT JOIN trucks t ON t.truck_id = ids.id LEFT JOIN device_online o ON o.device_id = ids.id
         WHERE ? IS NULL OR ids.id = ?
         ORDER BY ids.id`,
      )
      .all(only, only) as Array<DeviceRow & { body: string | null }>;
    return rows.map((r) => ({
      truckId: r.id,
      name: r.name,
      online: online(r),
      lastSeenAt: r.last_seen || null,
      status: r.body ? (JSON.parse(r.body) as TruckStatus) : null,
    }));
  }

  listLifts(q: LiftQuery): LiftRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    // An account's lifts are found from its bins (few tags, index on lifts.tag_id), not by
    // testing every lift of the table.
    const from = q.accountId
      ? `bins b JOIN lifts l ON l.tag_id = b.tag_id AND l.started_at >= b.valid_from
           AND (b.valid_to IS NULL OR l.started_at < b.valid_to)`
      : 'lifts l';
    if (q.accountId) {
      where.push('b.account_id = ?');
      args.push(q.accountId);
    }
    if (q.truckId) {
      where.push('l.truck_id = ?');
      args.push(q.truckId);
    }
    if (q.from) {
      where.push('l.started_at >= ?');
      args.push(q.from);
    }
    if (q.to) {
      where.push('l.started_at < ?');
      args.push(q.to);
    }
    if (q.after) {
      where.push('(l.started_at, l.event_id) > (?, ?)');
      args.push(q.after.startedAt, q.after.id);
    }
    // CROSS JOIN fixes the join order (the page first, then each lift by key): left to itself
    // the planner may scan the whole table for the outer join.
    const rows = this.db
      .prepare(
        `WITH page AS (
           SELECT l.event_id FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY l.started_at, l.event_id LIMIT ?)
         SELECT l.*, pb.bin_id, pb.account_id, pb.building_id, pb.volume_l
         FROM page CROSS JOIN lifts l ON l.event_id = page.event_id
         LEFT JOIN bins pb ON pb.tag_id = l.tag_id AND pb.valid_from <= l.started_at
           AND (pb.valid_to IS NULL OR pb.valid_to > l.started_at)
         ORDER BY l.started_at, l.event_id`,
      )
      .all(...args, q.limit) as LiftRow[];
    return rows.map(toLift);
  }

  listBeacons(): BeaconView[] {
    const latest = this.db.prepare(
      'SELECT * FROM beacon_telemetry WHERE beacon_id = ? ORDER BY ts DESC, seq DESC LIMIT 1',
    );
    return this.store.reads.beacons().map((b) => {
      const t = latest.get(b.beacon_id) as Record<string, unknown> | undefined;
      return {
        beaconId: String(b.beacon_id),
        name: (b.name as string | null) ?? null,
        lat: (b.lat as number | null) ?? null,
        lon: (b.lon as number | null) ?? null,
        lastSeenAt: (b.last_seen as string | null) ?? null,
        lastGatewayId: (b.last_gateway_id as string | null) ?? null,
        telemetry: t ? telemetry(t) : null,
      };
    });
  }

  listGateways(): GatewayView[] {
    const rows = this.db
      .prepare(
        `WITH ids AS (
           SELECT gateway_id AS id FROM gateways
           UNION SELECT device_id FROM device_online WHERE device_class = 'gateways'
           UNION SELECT DISTINCT gateway_id FROM gateway_health)
         SELECT ids.id, g.name, o.state, o.cause, o.since, o.agent_version,
           max(coalesce(o.received_at, ''),
               coalesce((SELECT received_at FROM gateway_health h WHERE h.gateway_id = ids.id
                         ORDER BY h.ts DESC LIMIT 1), ''),
               coalesce((SELECT received_at FROM sighting_batches s WHERE s.gateway_id = ids.id
                         ORDER BY s.window_end DESC LIMIT 1), '')) AS last_seen
         FROM ids LEFT JOIN gateways g ON g.gateway_id = ids.id LEFT JOIN device_online o ON o.device_id = ids.id
         ORDER BY ids.id`,
      )
      .all() as DeviceRow[];
    const latest = this.db.prepare(
      'SELECT * FROM gateway_health WHERE gateway_id = ? ORDER BY ts DESC, seq DESC LIMIT 1',
    );
    return rows.map((r) => {
      const h = latest.get(r.id) as Record<string, unknown> | undefined;
      return {
        gatewayId: r.id,
        name: r.name,
        online: online(r),
        lastSeenAt: r.last_seen || null,
        health: h ? health(h) : null,
      };
    });
  }

  listDeadLetters(q: DeadLetterQuery): DeadLetterView[] {
    const rows = this.db
      .prepare(
        `SELECT dead_letter_id, received_at, topic, reason_code, reason, payload FROM dead_letters
         WHERE (? IS NULL OR reason_code = ?) AND (? IS NULL OR dead_letter_id < ?)
         ORDER BY dead_letter_id DESC LIMIT ?`,
      )
      .all(q.code ?? null, q.code ?? null, q.beforeId ?? null, q.beforeId ?? null, q.limit) as Array<{
      dead_letter_id: number;
      received_at: string;
      topic: string;
      reason_code: string;
      reason: string;
      payload: Buffer;
    }>;
    return rows.map((r) => {
      const text = utf8(r.payload);
      return {
        id: r.dead_letter_id,
        receivedAt: r.received_at,
        topic: r.topic,
        code: r.reason_code,
        reason: r.reason,
        payload: text ?? r.payload.toString('base64'),
        payloadEncoding: text === null ? 'base64' : 'utf8',
      };
    });
  }
}

/** A row of `lifts` with its bin resolved at lift time (the join `StoreReads` uses for billing). */
function online(r: DeviceRow): OnlineState | null {
  if (!r.state || !r.cause || !r.since) return null;
  return {
    deviceId: r.id,
    state: r.state,
    cause: r.cause,
    since: r.since,
    ...(r.agent_version ? { agentVersion: r.agent_version } : {}),
  };
}

function utf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function telemetry(t: Record<string, unknown>): BeaconTelemetry {
  return {
    id: String(t.event_id),
    seq: Number(t.seq),
    ts: String(t.ts),
    gatewayId: String(t.gateway_id),
    beaconId: String(t.beacon_id),
    batteryMv: (t.battery_mv as number | null) ?? null,
    temperatureC: (t.temperature_c as number | null) ?? null,
    advCount: Number(t.adv_count),
    uptimeS: Number(t.uptime_s),
    rebooted: t.rebooted === 1,
    counterAnomaly: t.counter_anomaly === 1,
    advRateHz: (t.adv_rate_hz as number | null) ?? null,
  };
}

function health(h: Record<string, unknown>): GatewayHealth {
  return {
    id: String(h.event_id),
    seq: Number(h.seq),
    ts: String(h.ts),
    gatewayId: String(h.gateway_id),
    scanner: h.scanner as GatewayHealth['scanner'],
    advRatePerS: Number(h.adv_rate_per_s),
    advTotal: Number(h.adv_total),
    scanRestarts: Number(h.scan_restarts),
    expectedBeacons: Number(h.expected_beacons),
    heardBeacons: Number(h.heard_beacons),
    outboxBacklog: Number(h.outbox_backlog),
    uptimeS: Number(h.uptime_s),
    rssBytes: Number(h.rss_bytes),
  };
}
