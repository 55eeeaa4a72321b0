import type Database from 'better-sqlite3';

/**
 * How long the store keeps what, in days counted on the cloud's reception time
 * (`received_at`, never the device clock). The reasons are in `docs/privacy.md`.
 */
export interface RetentionPolicy {
  /** Raw series: truck status, beacon sightings and telemetry, gateway health. */
  seriesDays: number;
  /** Anonymous footfall counts (no personal data; kept for the operator's yearly report). */
  footfallDays: number;
  /** Device alerts. */
  alertsDays: number;
  /** Dead letters (they may hold anything a device sent). */
  deadLettersDays: number;
  /** Lifts: the billing period plus the time a bill can be contested and recovered. */
  liftsDays: number;
}

/** Defaults; every value is configurable. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  seriesDays: 90,
  footfallDays: 400,
  alertsDays: 400,
  deadLettersDays: 30,
  liftsDays: 6 * 366,
};

/** Rows deleted per table by one purge. */
export type PurgeReport = Record<string, number>;

const DAY_MS = 86_400_000;
const CHUNK = 5_000;

/** Tables purged by reception time, with the policy field that sets their age. */
const TABLES: readonly {
  table: string;
  column: string;
  days: keyof RetentionPolicy;
  ledgerKinds?: string[];
}[] = [
  { table: 'truck_status', column: 'received_at', days: 'seriesDays', ledgerKinds: ['truckStatus'] },
  { table: 'sighting_batches', column: 'received_at', days: 'seriesDays', ledgerKinds: ['sightings'] },
  { table: 'beacon_telemetry', column: 'received_at', days: 'seriesDays', ledgerKinds: ['telemetry'] },
  { table: 'gateway_health', column: 'received_at', days: 'seriesDays', ledgerKinds: ['gatewayHealth'] },
  { table: 'footfall_counts', column: 'received_at', days: 'footfallDays', ledgerKinds: ['footfall'] },
  {
    table: 'device_alerts',
    column: 'received_at',
    days: 'alertsDays',
    ledgerKinds: ['truckAlert', 'gatewayAlert'],
  },
  { table: 'dead_letters', column: 'received_at', days: 'deadLettersDays' },
  // A lift's row is its own ledger row since migration 8; lifts stored before have one in events.
  { table: 'lifts', column: 'received_at', days: 'liftsDays', ledgerKinds: ['lift'] },
];

/**
 * Deletes expired rows in chunks of 5,000 (each its own short transaction, so the ingest is
 * never blocked for long). Ledger rows (`events`) of purged kinds go too: after that, a
 * very late redelivery of a purged event would be stored again, which is why series are kept
 * far longer than any device outbox.
 */
export function purgeExpired(db: Database.Database, policy: RetentionPolicy, now: Date): PurgeReport {
  const report: PurgeReport = {};
  for (const t of TABLES) {
    const cutoff = new Date(now.getTime() - policy[t.days] * DAY_MS).toISOString();
    const del = db.prepare(
      `DELETE FROM ${t.table} WHERE rowid IN (SELECT rowid FROM ${t.table} WHERE ${t.column} < ? LIMIT ${CHUNK})`,
    );
    let total = 0;
    for (;;) {
      const n = del.run(cutoff).changes;
      total += n;
      if (n < CHUNK) break;
    }
    if (t.ledgerKinds) {
      const kinds = t.ledgerKinds.map(() => '?').join(', ');
      const delLedger = db.prepare(
        `DELETE FROM events WHERE rowid IN
           (SELECT rowid FROM events WHERE kind IN (${kinds}) AND received_at < ? LIMIT ${CHUNK})`,
      );
      for (;;) {
        const n = delLedger.run(...t.ledgerKinds, cutoff).changes;
        if (n < CHUNK) break;
      }
    }
    report[t.table] = total;
  }
  return report;
}
