import type { Migration } from './Migration.js';

/**
 * Indexes for the beacon fleet (`cloud/src/beacons`), which reads 30 days of TLM telemetry per
 * beacon (up to 259,200 reports a month per beacon and gateway):
 * - a covering index for the battery trend (10-minute means of `battery_mv`), so SQLite reads
 *   the index alone instead of fetching every row (five times faster);
 * - a partial index of the reports flagged `rebooted` or `counter_anomaly`, the only ones the
 *   reboot count and the clone rule read.
 * Figures: `npm run bench:beacon-fleet`.
 */
export const beaconTelemetryIndexesMigration: Migration = {
  version: 7,
  name: 'beacon-telemetry-indexes',
  sql: `
CREATE INDEX beacon_telemetry_battery ON beacon_telemetry (beacon_id, ts, battery_mv);
CREATE INDEX beacon_telemetry_flagged ON beacon_telemetry (beacon_id, ts) WHERE rebooted = 1 OR counter_anomaly = 1;
`,
};
