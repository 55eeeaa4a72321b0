import type { BinTag, LiftEvent, LiftFlag, Position } from '@releve/shared';
import type Database from 'better-sqlite3';
import type { CloudFlag } from './records.js';

/** A stored lift: the contract's LiftEvent plus what the cloud recorded on reception. */
export interface StoredLift extends LiftEvent {
  receivedAt: string;
  unknownTag: boolean;
  cloudFlags: CloudFlag[];
  /** The bin the tag belonged to at `startedAt`, resolved at read time (null when none). */
  binId: string | null;
  /** Payer of that bin: an account, or a building (its manager pays). */
  accountId: string | null;
  buildingId: string | null;
  volumeL: number | null;
}

/** Latest known state of a truck or gateway. */
export interface DeviceState {
  deviceId: string;
  name: string;
  online: { state: 'online' | 'offline'; cause: string; since: string; receivedAt: string } | null;
}

/** A half-open period `[from, to)` of UTC ISO times. */
export interface Period {
  from: string;
  to: string;
}

/** A row of `lifts` joined with the bin (and payer) its tag belonged to at the lift. */
export interface LiftRow {
  event_id: string;
  truck_id: string;
  seq: number;
  ts: string;
  started_at: string;
  tag_scheme: string | null;
  tag_id: string | null;
  gross_weight_g: number | null;
  tare_weight_g: number | null;
  net_weight_g: number | null;
  scale_interval_g: number;
  minimum_g: number;
  flags: string;
  trip_seq: number;
  side: string | null;
  position: string | null;
  received_at: string;
  unknown_tag: number;
  cloud_flags: string;
  bin_id: string | null;
  account_id: string | null;
  building_id: string | null;
  volume_l: number | null;
}

const LIFT_SELECT = `
SELECT l.*, b.bin_id, b.account_id, b.building_id, b.volume_l
FROM lifts l
LEFT JOIN bins b ON b.tag_id = l.tag_id AND b.valid_from <= l.started_at
  AND (b.valid_to IS NULL OR b.valid_to > l.started_at)`;

/** The stored lift of a row (the API's lift pages use it too). */
export function toLift(r: LiftRow): StoredLift {
  const tag: BinTag | null =
    r.tag_id && r.tag_scheme ? { scheme: r.tag_scheme as BinTag['scheme'], id: r.tag_id } : null;
  const lift: StoredLift = {
    id: r.event_id,
    seq: r.seq,
    ts: r.ts,
    truckId: r.truck_id,
    startedAt: r.started_at,
    tag,
    grossWeightG: r.gross_weight_g,
    tareWeightG: r.tare_weight_g,
    netWeightG: r.net_weight_g,
    scaleIntervalG: r.scale_interval_g,
    minimumG: r.minimum_g,
    flags: JSON.parse(r.flags) as LiftFlag[],
    tripSeq: r.trip_seq,
    position: r.position ? (JSON.parse(r.position) as Position) : null,
    receivedAt: r.received_at,
    unknownTag: r.unknown_tag === 1,
    cloudFlags: JSON.parse(r.cloud_flags) as CloudFlag[],
    binId: r.bin_id,
    accountId: r.account_id,
    buildingId: r.building_id,
    volumeL: r.volume_l,
  };
  if (r.side) lift.side = r.side as NonNullable<LiftEvent['side']>;
  return lift;
}

/** Parses a JSON column of a row, leaving the other columns as they are. */
function withJson<T extends Record<string, unknown>>(row: T, ...columns: (keyof T)[]): T {
  const out: Record<string, unknown> = { ...row };
  for (const c of columns) {
    const v = row[c];
    if (typeof v === 'string') out[c as string] = JSON.parse(v);
  }
  return out as T;
}

/**
 * Read queries over the store, for the HTTP API and billing. Periods are half-open
 * `[from, to)` on the device time of the event (`startedAt` for lifts), results in time order.
 * Column names of plain rows are the table's (snake_case); lifts come back as `StoredLift`.
 */
export class StoreReads {
  constructor(private readonly db: Database.Database) {}

  /** Lifts of the bins an account paid for at lift time (not those of its buildings). */
  liftsByAccount(accountId: string, p: Period): StoredLift[] {
    return this.#lifts(`WHERE b.account_id = ? AND l.started_at >= ? AND l.started_at < ?`, accountId, p);
  }

  /** Lifts of a building's collective bins (billed to its manager). */
  liftsByBuilding(buildingId: string, p: Period): StoredLift[] {
    return this.#lifts(`WHERE b.building_id = ? AND l.started_at >= ? AND l.started_at < ?`, buildingId, p);
  }

  /** Lifts made by one truck. */
  liftsByTruck(truckId: string, p: Period): StoredLift[] {
    return this.#lifts(`WHERE l.truck_id = ? AND l.started_at >= ? AND l.started_at < ?`, truckId, p);
  }

  /** Every lift of a period, with the bin and payer resolved (billing input). */
  liftsInPeriod(p: Period): StoredLift[] {
    const rows = this.db
      .prepare(
        `${LIFT_SELECT} WHERE l.started_at >= ? AND l.started_at < ? ORDER BY l.started_at, l.event_id`,
      )
      .all(p.from, p.to) as LiftRow[];
    return rows.map(toLift);
  }

  /** Lifts whose tag matched no bin when they were received. */
  unknownTagLifts(p: Period): StoredLift[] {
    return this.#lifts(`WHERE l.unknown_tag = 1 AND l.started_at >= ? AND l.started_at < ?`, null, p);
  }

  /** One lift by event id. */
  lift(eventId: string): StoredLift | null {
    const r = this.db.prepare(`${LIFT_SELECT} WHERE l.event_id = ?`).get(eventId) as LiftRow | undefined;
    return r ? toLift(r) : null;
  }

  #lifts(where: string, key: string | null, p: Period): StoredLift[] {
    const args = key === null ? [p.from, p.to] : [key, p.from, p.to];
    const rows = this.db
      .prepare(`${LIFT_SELECT} ${where} ORDER BY l.started_at, l.event_id`)
      .all(...args) as LiftRow[];
    return rows.map(toLift);
  }

  /** The last truck status of each truck (by device time), with its full message in `body`. */
  latestTruckStatuses(): Record<string, unknown>[] {
    const rows = this.db
      .prepare(
        `SELECT s.* FROM truck_status s
         JOIN (SELECT truck_id, max(ts) AS ts FROM truck_status GROUP BY truck_id) last
           ON last.truck_id = s.truck_id AND last.ts = s.ts
         GROUP BY s.truck_id ORDER BY s.truck_id`,
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => withJson(r, 'body', 'cloud_flags'));
  }

  /** The last status of one truck, or null. */
  latestTruckStatus(truckId: string): Record<string, unknown> | null {
    const r = this.db
      .prepare('SELECT * FROM truck_status WHERE truck_id = ? ORDER BY ts DESC, seq DESC LIMIT 1')
      .get(truckId) as Record<string, unknown> | undefined;
    return r ? withJson(r, 'body', 'cloud_flags') : null;
  }

  /** Status series of one truck over a period (by device time). */
  truckStatusSeries(truckId: string, p: Period): Record<string, unknown>[] {
    return (
      this.db
        .prepare('SELECT * FROM truck_status WHERE truck_id = ? AND ts >= ? AND ts < ? ORDER BY ts')
        .all(truckId, p.from, p.to) as Record<string, unknown>[]
    ).map((r) => withJson(r, 'body', 'cloud_flags'));
  }

  /** Registered trucks with their online state. */
  fleet(): (DeviceState & Record<string, unknown>)[] {
    return this.#devices('trucks', 'truck_id');
  }

  /** Registered gateways with their online state. */
  gateways(): (DeviceState & Record<string, unknown>)[] {
    return this.#devices('gateways', 'gateway_id');
  }

  #devices(table: 'trucks' | 'gateways', key: string): (DeviceState & Record<string, unknown>)[] {
    const rows = this.db
      .prepare(
        `SELECT d.*, o.state, o.cause, o.since, o.received_at AS online_received_at
         FROM ${table} d LEFT JOIN device_online o ON o.device_id = d.${key} ORDER BY d.${key}`,
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => {
      const { state, cause, since, online_received_at, ...device } = r;
      return {
        ...device,
        deviceId: String(r[key]),
        name: String(r.name),
        online: state
          ? {
              state: state as 'online' | 'offline',
              cause: String(cause),
              since: String(since),
              receivedAt: String(online_received_at),
            }
          : null,
      };
    });
  }

  /** Online state of every device that ever sent one (registered or not). */
  onlineStates(): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM device_online ORDER BY device_id').all() as Record<
      string,
      unknown
    >[];
  }

  /** The latest health report of each gateway. */
  latestGatewayHealth(): Record<string, unknown>[] {
    return (
      this.db
        .prepare(
          `SELECT h.* FROM gateway_health h
           JOIN (SELECT gateway_id, max(ts) AS ts FROM gateway_health GROUP BY gateway_id) last
             ON last.gateway_id = h.gateway_id AND last.ts = h.ts
           GROUP BY h.gateway_id ORDER BY h.gateway_id`,
        )
        .all() as Record<string, unknown>[]
    ).map((r) => withJson(r, 'cloud_flags'));
  }

  /** Registered beacons (allowlist fields) with when and by whom they were last heard, and last TLM. */
  beacons(): Record<string, unknown>[] {
    return this.db
      .prepare(
        `SELECT b.*,
           (SELECT max(s.window_end) FROM beacon_sightings s WHERE s.beacon_id = b.beacon_id) AS last_seen,
           (SELECT s.gateway_id FROM beacon_sightings s WHERE s.beacon_id = b.beacon_id
              ORDER BY s.window_end DESC LIMIT 1) AS last_gateway_id,
           (SELECT t.battery_mv FROM beacon_telemetry t WHERE t.beacon_id = b.beacon_id
              ORDER BY t.ts DESC LIMIT 1) AS battery_mv,
           (SELECT t.ts FROM beacon_telemetry t WHERE t.beacon_id = b.beacon_id
              ORDER BY t.ts DESC LIMIT 1) AS telemetry_ts
         FROM beacons b ORDER BY b.beacon_id`,
      )
      .all() as Record<string, unknown>[];
  }

  /** Sightings of one beacon over a period (by window end). */
  beaconSightings(beaconId: string, p: Period): Record<string, unknown>[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM beacon_sightings WHERE beacon_id = ? AND window_end >= ? AND window_end < ? ORDER BY window_end',
        )
        .all(beaconId, p.from, p.to) as Record<string, unknown>[]
    ).map((r) => withJson(r, 'frames'));
  }

  /** TLM telemetry of one beacon over a period. */
  beaconTelemetry(beaconId: string, p: Period): Record<string, unknown>[] {
    return this.db
      .prepare('SELECT * FROM beacon_telemetry WHERE beacon_id = ? AND ts >= ? AND ts < ? ORDER BY ts')
      .all(beaconId, p.from, p.to) as Record<string, unknown>[];
  }

  /** Footfall counts over a period, for one gateway or all. */
  footfall(p: Period, gatewayId?: string): Record<string, unknown>[] {
    const sql = `SELECT * FROM footfall_counts WHERE window_start >= ? AND window_start < ?
      ${gatewayId ? 'AND gateway_id = ?' : ''} ORDER BY window_start, gateway_id`;
    const args = gatewayId ? [p.from, p.to, gatewayId] : [p.from, p.to];
    return this.db.prepare(sql).all(...args) as Record<string, unknown>[];
  }

  /** Device alerts, newest first. */
  alerts(limit = 100, deviceId?: string): Record<string, unknown>[] {
    const sql = `SELECT * FROM device_alerts ${deviceId ? 'WHERE device_id = ?' : ''} ORDER BY ts DESC LIMIT ?`;
    const args = deviceId ? [deviceId, limit] : [limit];
    return this.db.prepare(sql).all(...args) as Record<string, unknown>[];
  }

  /** Dead letters, newest first (payload as a Buffer). */
  deadLetters(limit = 100, reasonCode?: string): Record<string, unknown>[] {
    const sql = `SELECT * FROM dead_letters ${reasonCode ? 'WHERE reason_code = ?' : ''}
      ORDER BY dead_letter_id DESC LIMIT ?`;
    const args = reasonCode ? [reasonCode, limit] : [limit];
    return this.db.prepare(sql).all(...args) as Record<string, unknown>[];
  }

  /** Dead letters kept, by reason code. */
  deadLetterCounts(): Record<string, number> {
    const rows = this.db
      .prepare('SELECT reason_code, count(*) AS n FROM dead_letters GROUP BY reason_code')
      .all() as { reason_code: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason_code, r.n]));
  }

  /** Rows of a table (for tests, the API's counts and the CLI). */
  count(table: string): number {
    if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
    return this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  }

  /**
   * Missing sequence numbers of a device, as `[first, last]` ranges between the lowest and
   * highest sequence stored (a gap is lost or not yet delivered events). Lifts are their own
   * ledger rows (migration 8), so their sequence numbers come from `lifts`.
   */
  sequenceGaps(deviceId: string): [number, number][] {
    const rows = this.db
      .prepare(
        `SELECT seq + 1 AS first, next - 1 AS last FROM (
           SELECT seq, lead(seq) OVER (ORDER BY seq) AS next FROM (
             SELECT seq FROM events WHERE device_id = ? UNION SELECT seq FROM lifts WHERE truck_id = ?
           )
         ) WHERE next > seq + 1 ORDER BY seq`,
      )
      .all(deviceId, deviceId) as { first: number; last: number }[];
    return rows.map((r) => [r.first, r.last]);
  }

  /** Registry listings. */
  accounts(): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM accounts ORDER BY account_id').all() as Record<string, unknown>[];
  }

  households(): Record<string, unknown>[] {
    return this.db
      .prepare(
        `SELECT h.*, a.name, a.address, a.email FROM households h JOIN accounts a ON a.account_id = h.household_id
         ORDER BY h.household_id`,
      )
      .all() as Record<string, unknown>[];
  }

  buildings(): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM buildings ORDER BY building_id').all() as Record<string, unknown>[];
  }

  bins(): Record<string, unknown>[] {
    return this.db.prepare('SELECT * FROM bins ORDER BY bin_id').all() as Record<string, unknown>[];
  }
}
