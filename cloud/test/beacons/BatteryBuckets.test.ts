import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatteryBuckets } from '../../src/beacons/BatteryBuckets.js';
import { Store } from '../../src/store/Store.js';

const BEACON = 'eddystone:8b0ca750095477cb3e77:000000000001';
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const MIN = 60_000;

describe('battery buckets (10-minute means, cached per beacon)', () => {
  let dir = '';
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'releve-buckets-'));
    store = Store.open({ dataDir: dir, synchronous: 'normal', logger: pino({ level: 'silent' }) });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (tsMs: number, mv: number | null) =>
    store.db
      .prepare(
        `INSERT INTO beacon_telemetry (event_id, gateway_id, beacon_id, seq, ts, battery_mv, adv_count, uptime_s,
           rebooted, counter_anomaly, received_at) VALUES (?, 'gw-a', ?, 1, ?, ?, 1, 1, 0, 0, ?)`,
      )
      .run(randomUUID(), BEACON, new Date(tsMs).toISOString(), mv, new Date(tsMs).toISOString());

  it('averages per 10 minutes, placed at the middle, readings counted, nulls ignored', () => {
    store.db.exec('DELETE FROM beacon_telemetry');
    insert(T0 + 1 * MIN, 3000);
    insert(T0 + 9 * MIN, 2991);
    insert(T0 + 9.5 * MIN, null);
    insert(T0 + 10 * MIN, 2990);
    const b = new BatteryBuckets(store.db);
    expect(b.points(BEACON, new Date(T0 - MIN).toISOString(), new Date(T0 + 20 * MIN))).toEqual([
      { at: '2026-11-01T00:05:00.000Z', batteryMv: 2996, readings: 2 },
      { at: '2026-11-01T00:15:00.000Z', batteryMv: 2990, readings: 1 },
    ]);
  });

  it('the incremental reads give what a full read gives, however readings and evaluations interleave', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ atMin: fc.integer({ min: 0, max: 900 }), mv: fc.integer({ min: 2000, max: 3300 }) }),
          {
            maxLength: 80,
          },
        ),
        // mostly forward in time, sometimes a question about the past; long gaps included
        fc.array(fc.integer({ min: -60, max: 500 }), { minLength: 1, maxLength: 20 }),
        (readings, steps) => {
          store.db.exec('DELETE FROM beacon_telemetry');
          const cached = new BatteryBuckets(store.db, 3 * 3_600_000, 3_600_000);
          const inserted = new Set<number>();
          let nowMin = 0;
          let latest = 0;
          const since = new Date(T0 - MIN).toISOString();
          for (const step of steps) {
            nowMin = Math.max(0, nowMin + step);
            latest = Math.max(latest, nowMin);
            // readings reach the store up to the latest time seen (a gateway delivering live)
            readings.forEach((r, i) => {
              if (r.atMin <= latest && !inserted.has(i)) {
                inserted.add(i);
                insert(T0 + r.atMin * MIN, r.mv);
              }
            });
            const now = new Date(T0 + nowMin * MIN);
            expect(cached.points(BEACON, since, now)).toEqual(
              new BatteryBuckets(store.db).points(BEACON, since, now),
            );
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
