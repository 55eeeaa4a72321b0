// npm run bench:beacon-fleet — the beacon fleet on a synthetic network: BENCH_BEACONS beacons
// (default 20), each heard by 2 of 8 gateways in every 10 s batch window with one TLM report per
// beacon and window, over BENCH_DAYS days (default 7) ending now (about 3.6 M rows; seeding takes
// about a minute). Prints: the first evaluation (full battery reads), the following ones (what
// FleetWatch does every minute, cached), the status list, one beacon's detail, and the current
// month's availability report (JSON, then French Excel CSV), each the median of 5 runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { availabilityCsv } from '../cloud/src/beacons/AvailabilityExport.js';
import { BeaconFleet } from '../cloud/src/beacons/BeaconFleet.js';
import { Store } from '../cloud/src/store/Store.js';

const BEACONS = Number(process.env.BENCH_BEACONS ?? 20);
const DAYS = Number(process.env.BENCH_DAYS ?? 7);
const GATEWAYS = 8;
const WINDOW_MS = 10_000;
const now = Date.now();
const start = now - DAYS * 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'releve-bench-fleet-'));
const store = Store.open({ dataDir: dir, synchronous: 'normal', logger: pino({ level: 'silent' }) });
const db = store.db;
const iso = (ms: number) => new Date(ms).toISOString();
/** Sequential event ids: B-tree appends keep the seeding fast (devices send random UUIDs). */
let nextId = 0;
const eventId = () => `00000000-0000-4000-8000-${(nextId++).toString(16).padStart(12, '0')}`;
const bid = (i: number) => `eddystone:8b0ca750095477cb3e77:${String(i).padStart(12, '0')}`;

const t0 = performance.now();
const gw = db.prepare('INSERT INTO gateways (gateway_id, name, lat, lon) VALUES (?, ?, ?, ?)');
for (let g = 0; g < GATEWAYS; g++) gw.run(`gw-${g}`, `Gateway ${g}`, 43.65 + g * 0.0005, 3.54);
const bc = db.prepare(
  'INSERT INTO beacons (beacon_id, name, lat, lon, registered_at) VALUES (?, ?, ?, ?, ?)',
);
for (let i = 0; i < BEACONS; i++)
  bc.run(bid(i), `Beacon ${i}`, 43.65 + (i % GATEWAYS) * 0.0005 + 0.00002, 3.54, iso(start));
const batch = db.prepare(
  `INSERT INTO sighting_batches (event_id, gateway_id, seq, ts, window_start, window_end, beacon_count, received_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
);
const sighting = db.prepare(
  `INSERT INTO beacon_sightings (batch_event_id, beacon_id, gateway_id, window_end, address, frames, count,
     rssi_smoothed, rssi_min, rssi_max, tx_power_dbm, distance_m, zone, interval_ms, address_mismatch)
   VALUES (?, ?, ?, ?, 'C0:FF:EE:00:00:01', '["eddystone-uid"]', 9, ?, -80, -60, -59, ?, 'near', 1000, 0)`,
);
const tlm = db.prepare(
  `INSERT INTO beacon_telemetry (event_id, gateway_id, beacon_id, seq, ts, battery_mv, temperature_c, adv_count,
     uptime_s, rebooted, counter_anomaly, adv_rate_hz, received_at) VALUES (?, ?, ?, ?, ?, ?, 18, 1, 1, 0, 0, 1, ?)`,
);
const seq = new Array<number>(GATEWAYS).fill(0);
let rows = 0;
const fillDay = db.transaction((dayStart: number) => {
  for (let w = dayStart; w < Math.min(dayStart + 86_400_000, now); w += WINDOW_MS) {
    const end = iso(w + WINDOW_MS);
    for (let g = 0; g < GATEWAYS; g++) {
      const id = eventId();
      seq[g] = (seq[g] ?? 0) + 1;
      batch.run(id, `gw-${g}`, seq[g], end, iso(w), end, 0, end);
      for (let i = 0; i < BEACONS; i++) {
        const home = i % GATEWAYS;
        if (g !== home && g !== (home + 1) % GATEWAYS) continue;
        sighting.run(id, bid(i), `gw-${g}`, end, g === home ? -65 : -80, g === home ? 2 : 50);
        rows++;
        if (g === home) {
          tlm.run(
            eventId(),
            `gw-${g}`,
            bid(i),
            seq[g],
            end,
            3000 - Math.round(((w - start) / 86_400_000) * 5),
            end,
          );
          rows++;
        }
      }
    }
  }
});
for (let d = start; d < now; d += 86_400_000) fillDay(d);
const seedS = (performance.now() - t0) / 1000;

const fleet = new BeaconFleet(db, { logger: pino({ level: 'silent' }) });
function median(fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2] ?? 0;
}
const month = iso(now).slice(0, 7);
const tCold = performance.now();
fleet.evaluate(new Date(now));
const coldEvaluateMs = performance.now() - tCold;
const figures = {
  beacons: BEACONS,
  gateways: GATEWAYS,
  days: DAYS,
  rows,
  seedSeconds: Number(seedS.toFixed(1)),
  firstEvaluateMs: Number(coldEvaluateMs.toFixed(1)),
  evaluateMs: Number(median(() => fleet.evaluate(new Date(now))).toFixed(1)),
  statusListMs: Number(median(() => fleet.beacons(new Date(now))).toFixed(1)),
  beaconDetailMs: Number(median(() => fleet.beaconDetail(bid(0), new Date(now))).toFixed(1)),
  availabilityJsonMs: Number(median(() => fleet.availability(month, new Date(now))).toFixed(1)),
  // the alternative the fleet does not use: one pass over every sighting of the month
  availabilityScanMs: Number(
    median(() => {
      const st = db
        .prepare(
          `SELECT DISTINCT (CAST(substr(window_end, 9, 2) AS INTEGER) - 1) * 288
             + CAST(substr(window_end, 12, 2) AS INTEGER) * 12 + CAST(substr(window_end, 15, 2) AS INTEGER) / 5
           FROM beacon_sightings WHERE beacon_id = ? AND window_end >= ? AND window_end < ?`,
        )
        .pluck();
      for (let i = 0; i < BEACONS; i++) st.all(bid(i), `${month}-01T00:00:00.000Z`, iso(now));
    }).toFixed(1),
  ),
  availabilityCsvMs: Number(
    median(() => {
      const r = fleet.availability(month, new Date(now));
      if (r) availabilityCsv(r, 'excel-fr');
    }).toFixed(1),
  ),
};
console.log(JSON.stringify(figures, null, 2));
store.close();
rmSync(dir, { recursive: true, force: true });
