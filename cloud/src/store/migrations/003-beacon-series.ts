import type { Migration } from './Migration.js';

/** Series from the beacon gateways: sightings, TLM telemetry, gateway health, footfall counts. */
export const beaconSeriesMigration: Migration = {
  version: 3,
  name: 'beacon-series',
  sql: `
CREATE TABLE sighting_batches (
  event_id TEXT PRIMARY KEY,
  gateway_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  beacon_count INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX sighting_batches_gateway ON sighting_batches (gateway_id, window_end);
CREATE INDEX sighting_batches_received ON sighting_batches (received_at);

-- One row per beacon of a batch; deleted with its batch.
CREATE TABLE beacon_sightings (
  batch_event_id TEXT NOT NULL REFERENCES sighting_batches (event_id) ON DELETE CASCADE,
  beacon_id TEXT NOT NULL,
  gateway_id TEXT NOT NULL,
  window_end TEXT NOT NULL,
  address TEXT NOT NULL,
  frames TEXT NOT NULL,
  count INTEGER NOT NULL,
  rssi_smoothed REAL NOT NULL,
  rssi_min INTEGER NOT NULL,
  rssi_max INTEGER NOT NULL,
  tx_power_dbm INTEGER,
  distance_m REAL,
  zone TEXT,
  interval_ms REAL,
  address_mismatch INTEGER NOT NULL,
  PRIMARY KEY (batch_event_id, beacon_id)
) STRICT;
CREATE INDEX beacon_sightings_beacon ON beacon_sightings (beacon_id, window_end);

CREATE TABLE beacon_telemetry (
  event_id TEXT PRIMARY KEY,
  gateway_id TEXT NOT NULL,
  beacon_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  battery_mv INTEGER,
  temperature_c REAL,
  adv_count INTEGER NOT NULL,
  uptime_s REAL NOT NULL,
  rebooted INTEGER NOT NULL,
  counter_anomaly INTEGER NOT NULL,
  adv_rate_hz REAL,
  received_at TEXT NOT NULL,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX beacon_telemetry_beacon ON beacon_telemetry (beacon_id, ts);
CREATE INDEX beacon_telemetry_received ON beacon_telemetry (received_at);

CREATE TABLE gateway_health (
  event_id TEXT PRIMARY KEY,
  gateway_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  scanner TEXT NOT NULL,
  adv_rate_per_s REAL NOT NULL,
  adv_total INTEGER NOT NULL,
  scan_restarts INTEGER NOT NULL,
  expected_beacons INTEGER NOT NULL,
  heard_beacons INTEGER NOT NULL,
  outbox_backlog INTEGER NOT NULL,
  uptime_s REAL NOT NULL,
  rss_bytes INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX gateway_health_gateway_ts ON gateway_health (gateway_id, ts);
CREATE INDEX gateway_health_received ON gateway_health (received_at);

CREATE TABLE footfall_counts (
  event_id TEXT PRIMARY KEY,
  gateway_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  count INTEGER,
  suppressed INTEGER NOT NULL,
  k INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX footfall_counts_gateway ON footfall_counts (gateway_id, window_start);
CREATE INDEX footfall_counts_received ON footfall_counts (received_at);
`,
};
