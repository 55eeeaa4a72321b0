import type Database from 'better-sqlite3';

/** A 10-minute mean of a beacon's battery readings (every gateway). */
export interface BatteryBucket {
  /** Middle of the 10-minute bucket, UTC ISO-8601. */
  at: string;
  batteryMv: number;
  /** TLM reports averaged. */
  readings: number;
}

interface Cached {
  /** The latest `now` read up to. */
  untilMs: number;
  /** When the next full read is due. */
  refreshAtMs: number;
  points: (BatteryBucket & { key: string })[];
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The bucket of a UTC ISO time: its first 15 characters, `2026-11-28T08:1`. */
const keyOf = (t: string) => t.slice(0, 15);

/**
 * The battery series of the trend, as 10-minute means computed in SQL (on the covering index
 * of migration 007), cached per beacon: between full reads (daily) an evaluation re-reads only
 * the buckets of the last `overlapMs` (6 h), which also catches reports a gateway delivers late
 * from its outbox; older late reports wait for the next full read. A month of 10 s TLM from
 * one gateway is 259,200 rows per beacon: a full read takes about 300 ms per beacon, the
 * incremental one a few (`npm run bench:beacon-fleet`). The full reads of different beacons
 * are spread over the day (an offset from the beacon id) so that no single evaluation, which
 * holds the event loop, reads them all after the first.
 */
export class BatteryBuckets {
  readonly #cache = new Map<string, Cached>();
  readonly #query: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly refreshMs = 86_400_000,
    private readonly overlapMs = 6 * 3_600_000,
  ) {
    this.#query = db.prepare(
      `SELECT substr(ts, 1, 15) AS key, substr(ts, 1, 15) || '5:00.000Z' AS at,
         CAST(round(avg(battery_mv)) AS INTEGER) AS batteryMv, count(*) AS readings
       FROM beacon_telemetry WHERE beacon_id = ? AND ts > ? AND ts <= ? AND battery_mv IS NOT NULL
       GROUP BY key ORDER BY key`,
    );
  }

  /** A stable share of `refreshMs` (up to a half) from the beacon id, to spread the full reads. */
  #offset(beaconId: string): number {
    let h = 0;
    for (let i = 0; i < beaconId.length; i++) h = (h * 31 + beaconId.charCodeAt(i)) >>> 0;
    return h % Math.floor(this.refreshMs / 2);
  }

  /** The 10-minute means of `(since, now]`, oldest first. */
  points(beaconId: string, since: string, now: Date): BatteryBucket[] {
    const nowMs = now.getTime();
    const nowIso = now.toISOString();
    const c = this.#cache.get(beaconId);
    let points: Cached['points'];
    if (c && nowMs >= c.untilMs && nowMs < c.refreshAtMs) {
      const fromKey = keyOf(iso(Math.min(nowMs - this.overlapMs, c.untilMs - this.overlapMs)));
      // `ts > '2026-11-28T08:1'` takes the whole bucket: every time in it sorts after its key.
      const fresh = this.#query.all(beaconId, fromKey, nowIso) as Cached['points'];
      points = [...c.points.filter((p) => p.key < fromKey), ...fresh];
      c.points = points;
      c.untilMs = nowMs;
    } else {
      points = this.#query.all(beaconId, since, nowIso) as Cached['points'];
      // A question about the past (before what the cache holds) is answered without caching.
      if (!c || nowMs >= c.untilMs) {
        this.#cache.set(beaconId, {
          untilMs: nowMs,
          refreshAtMs: nowMs + this.refreshMs - this.#offset(beaconId),
          points,
        });
      }
    }
    const sinceKey = keyOf(since);
    return points
      .filter((p) => p.key >= sinceKey)
      .map(({ at, batteryMv, readings }) => ({ at, batteryMv, readings }));
  }
}
