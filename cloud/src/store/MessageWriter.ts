import { hash } from 'node:crypto';
import { MESSAGES, type MessageKind } from '@releve/shared';
import type Database from 'better-sqlite3';
import type { DeadLetterRecord, MessageRecord, WriteOutcome, WriteRecord } from './records.js';

/** Counter names kept in `store_counters`. */
export const StoreCounter = {
  Duplicates: 'duplicates',
  DeadLettersEvicted: 'dead_letters_evicted',
} as const;
export type StoreCounter = (typeof StoreCounter)[keyof typeof StoreCounter];

const CLOUD_TO_DEVICE: ReadonlySet<string> = new Set(
  (Object.keys(MESSAGES) as MessageKind[]).filter((k) => MESSAGES[k].direction === 'cloud-to-device'),
);

const json = (v: unknown): string => JSON.stringify(v);
const bool = (b: boolean): number => (b ? 1 : 0);

/**
 * Writes validated messages and dead letters, one call per record, inside the caller's
 * transaction. Idempotent: the device-made event id is the key of the `events` ledger, and a
 * lift's own row is its ledger row (migration 8; lifts stored before have theirs in `events`);
 * both are written with `INSERT … ON CONFLICT DO NOTHING` after checking the other place holds
 * no such id. A second copy with the same bytes is a duplicate, a second copy with other bytes
 * (whatever its kind) is dead-lettered as `id-conflict`.
 */
export class MessageWriter {
  readonly #ledger: Database.Statement;
  readonly #ledgerDigest: Database.Statement;
  readonly #lift: Database.Statement;
  readonly #liftDigest: Database.Statement;
  readonly #status: Database.Statement;
  readonly #alert: Database.Statement;
  readonly #online: Database.Statement;
  readonly #batch: Database.Statement;
  readonly #sighting: Database.Statement;
  readonly #telemetry: Database.Statement;
  readonly #health: Database.Statement;
  readonly #footfall: Database.Statement;
  readonly #deadLetter: Database.Statement;
  readonly #evict: Database.Statement;
  readonly #counter: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly deadLetterLimit: number,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.#ledger = p(
      `INSERT INTO events (event_id, kind, device_id, seq, digest, received_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    );
    this.#ledgerDigest = p('SELECT digest FROM events WHERE event_id = ?').pluck();
    this.#lift = p(
      `INSERT INTO lifts (event_id, truck_id, seq, ts, started_at, tag_scheme, tag_id, gross_weight_g,
         tare_weight_g, net_weight_g, scale_interval_g, minimum_g, flags, trip_seq, side, lat, lon, position,
         received_at, unknown_tag, cloud_flags, digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    );
    this.#liftDigest = p('SELECT digest FROM lifts WHERE event_id = ?').pluck();
    this.#status = p(
      `INSERT INTO truck_status (event_id, truck_id, seq, ts, trip_seq, lifts_this_trip, payload_g,
         max_payload_g, weight_fill, volume_fill, advice_action, advice_reason, bins_until_full, lat, lon,
         outbox_backlog, body, received_at, cloud_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#alert = p(
      `INSERT INTO device_alerts (event_id, device_id, device_class, seq, ts, kind, severity, beacon_id,
         detail, received_at, cloud_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#online = p(
      `INSERT INTO device_online (device_id, device_class, state, cause, since, agent_version, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, cause = excluded.cause,
         since = excluded.since, agent_version = excluded.agent_version, received_at = excluded.received_at
       WHERE excluded.since > device_online.since
          OR (excluded.since = device_online.since
              AND (excluded.state <> device_online.state OR excluded.cause <> device_online.cause))`,
    );
    this.#batch = p(
      `INSERT INTO sighting_batches (event_id, gateway_id, seq, ts, window_start, window_end, beacon_count,
         received_at, cloud_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#sighting = p(
      `INSERT INTO beacon_sightings (batch_event_id, beacon_id, gateway_id, window_end, address, frames, count,
         rssi_smoothed, rssi_min, rssi_max, tx_power_dbm, distance_m, zone, interval_ms, address_mismatch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#telemetry = p(
      `INSERT INTO beacon_telemetry (event_id, gateway_id, beacon_id, seq, ts, battery_mv, temperature_c,
         adv_count, uptime_s, rebooted, counter_anomaly, adv_rate_hz, received_at, cloud_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#health = p(
      `INSERT INTO gateway_health (event_id, gateway_id, seq, ts, scanner, adv_rate_per_s, adv_total,
         scan_restarts, expected_beacons, heard_beacons, outbox_backlog, uptime_s, rss_bytes, received_at,
         cloud_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#footfall = p(
      `INSERT INTO footfall_counts (event_id, gateway_id, seq, ts, window_start, window_end, count,
         suppressed, k, received_at, cloud_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#deadLetter = p(
      `INSERT INTO dead_letters (received_at, topic, client_id, reason_code, reason, payload, payload_size)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    // Ids only grow (AUTOINCREMENT) and rows only go from the oldest end (this bound,
    // retention by age), so "id ≤ newest id − limit" is exactly the rows beyond the limit,
    // whichever connection or thread deleted rows before.
    this.#evict = p(
      `DELETE FROM dead_letters WHERE dead_letter_id <= (SELECT max(dead_letter_id) FROM dead_letters) - ?`,
    );
    this.#counter = p(
      `INSERT INTO store_counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
    );
  }

  /** Writes one record; call inside a transaction. */
  write(r: WriteRecord): WriteOutcome {
    if (r.type === 'dead-letter') {
      this.#writeDeadLetter(r);
      return 'dead-lettered';
    }
    if (r.kind === 'truckOnline' || r.kind === 'gatewayOnline') {
      const m = r.message;
      const changed = this.#online.run(
        m.deviceId,
        r.deviceClass,
        m.state,
        m.cause,
        m.since,
        m.agentVersion ?? null,
        r.receivedAt,
      ).changes;
      if (changed === 0) this.addToCounter(StoreCounter.Duplicates, 1);
      return changed === 1 ? 'stored' : 'duplicate';
    }
    if (CLOUD_TO_DEVICE.has(r.kind)) {
      this.#writeDeadLetter({
        type: 'dead-letter',
        topic: r.topic,
        clientId: r.deviceId,
        reasonCode: 'unexpected-kind',
        reason: `${r.kind} is a cloud → device message`,
        payload: r.payload,
        receivedAt: r.receivedAt,
      });
      return 'dead-lettered';
    }
    const header = r.message as { id: string; seq: number };
    const digest = hash('sha1', r.payload, 'buffer');
    if (r.kind === 'lift') {
      const other = this.#ledgerDigest.get(header.id);
      if (other === undefined && this.#writeLift(r, digest)) return 'stored';
      return this.#repeated(r, header.id, other ?? this.#liftDigest.get(header.id), digest);
    }
    const lift = this.#liftDigest.get(header.id);
    if (
      lift === undefined &&
      this.#ledger.run(header.id, r.kind, r.deviceId, header.seq, digest, r.receivedAt).changes === 1
    ) {
      this.#writeEvent(r);
      return 'stored';
    }
    return this.#repeated(r, header.id, lift ?? this.#ledgerDigest.get(header.id), digest);
  }

  /** An event id already stored with `stored` (its digest): a duplicate when the bytes match. */
  #repeated(r: MessageRecord, id: string, stored: unknown, digest: Buffer): WriteOutcome {
    if (Buffer.isBuffer(stored) && Buffer.compare(stored, digest) === 0) {
      this.addToCounter(StoreCounter.Duplicates, 1);
      return 'duplicate';
    }
    this.#writeDeadLetter({
      type: 'dead-letter',
      topic: r.topic,
      clientId: r.deviceId,
      reasonCode: 'id-conflict',
      reason: `event id ${id} was already stored with other content`,
      payload: r.payload,
      receivedAt: r.receivedAt,
    });
    return 'dead-lettered';
  }

  /** Adds to a persistent counter. */
  addToCounter(name: StoreCounter, by: number): void {
    if (by !== 0) this.#counter.run(name, by);
  }

  #writeDeadLetter(d: DeadLetterRecord): void {
    this.#deadLetter.run(
      d.receivedAt,
      d.topic,
      d.clientId,
      d.reasonCode,
      d.reason,
      Buffer.from(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength),
      d.payload.byteLength,
    );
    const evicted = this.#evict.run(this.deadLetterLimit).changes;
    this.addToCounter(StoreCounter.DeadLettersEvicted, evicted);
  }

  /** Inserts a lift, its own ledger row; false when its id is there already. */
  #writeLift(r: MessageRecord & { kind: 'lift' }, digest: Buffer): boolean {
    const m = r.message;
    return (
      this.#lift.run(
        m.id,
        m.truckId,
        m.seq,
        m.ts,
        m.startedAt,
        m.tag?.scheme ?? null,
        m.tag?.id ?? null,
        m.grossWeightG,
        m.tareWeightG,
        m.netWeightG,
        m.scaleIntervalG,
        m.minimumG,
        json(m.flags),
        m.tripSeq,
        m.side ?? null,
        m.position?.lat ?? null,
        m.position?.lon ?? null,
        m.position ? json(m.position) : null,
        r.receivedAt,
        bool(r.cloudFlags.includes('unknown-tag')),
        json(r.cloudFlags),
        digest,
      ).changes === 1
    );
  }

  #writeEvent(r: MessageRecord): void {
    const flags = json(r.cloudFlags);
    const at = r.receivedAt;
    switch (r.kind) {
      case 'truckStatus': {
        const m = r.message;
        this.#status.run(
          m.id,
          m.truckId,
          m.seq,
          m.ts,
          m.tripSeq,
          m.liftsThisTrip,
          m.payloadG,
          m.maxPayloadG,
          m.weightFill,
          m.volumeFill,
          m.advice.action,
          m.advice.reason,
          m.advice.binsUntilFull,
          m.position?.lat ?? null,
          m.position?.lon ?? null,
          m.outboxBacklog,
          json(m),
          at,
          flags,
        );
        return;
      }
      case 'truckAlert':
      case 'gatewayAlert': {
        const m = r.message;
        this.#alert.run(
          m.id,
          m.deviceId,
          r.deviceClass,
          m.seq,
          m.ts,
          m.kind,
          m.severity,
          m.beaconId ?? null,
          m.detail,
          at,
          flags,
        );
        return;
      }
      case 'sightings': {
        const m = r.message;
        this.#batch.run(
          m.id,
          m.gatewayId,
          m.seq,
          m.ts,
          m.windowStart,
          m.windowEnd,
          m.beacons.length,
          at,
          flags,
        );
        for (const b of m.beacons) {
          this.#sighting.run(
            m.id,
            b.beaconId,
            m.gatewayId,
            m.windowEnd,
            b.address,
            json(b.frames),
            b.count,
            b.rssiDbm.smoothed,
            b.rssiDbm.min,
            b.rssiDbm.max,
            b.txPowerDbm,
            b.distanceM,
            b.zone,
            b.intervalMs,
            bool(b.addressMismatch),
          );
        }
        return;
      }
      case 'telemetry': {
        const m = r.message;
        this.#telemetry.run(
          m.id,
          m.gatewayId,
          m.beaconId,
          m.seq,
          m.ts,
          m.batteryMv,
          m.temperatureC,
          m.advCount,
          m.uptimeS,
          bool(m.rebooted),
          bool(m.counterAnomaly),
          m.advRateHz,
          at,
          flags,
        );
        return;
      }
      case 'gatewayHealth': {
        const m = r.message;
        this.#health.run(
          m.id,
          m.gatewayId,
          m.seq,
          m.ts,
          m.scanner,
          m.advRatePerS,
          m.advTotal,
          m.scanRestarts,
          m.expectedBeacons,
          m.heardBeacons,
          m.outboxBacklog,
          m.uptimeS,
          m.rssBytes,
          at,
          flags,
        );
        return;
      }
      case 'footfall': {
        const m = r.message;
        this.#footfall.run(
          m.id,
          m.gatewayId,
          m.seq,
          m.ts,
          m.windowStart,
          m.windowEnd,
          m.count,
          bool(m.suppressed),
          m.k,
          at,
          flags,
        );
        return;
      }
      case 'lift':
      case 'truckOnline':
      case 'gatewayOnline':
      case 'truckConfig':
      case 'route':
      case 'gatewayConfig':
      case 'allowlist':
        // Lifts and online states are written above; cloud → device kinds are refused by the
        // ingest before they get here (dead letter `unexpected-kind`).
        return;
      default: {
        const never: never = r;
        throw new Error(`unhandled message kind ${JSON.stringify(never)}`);
      }
    }
  }
}
