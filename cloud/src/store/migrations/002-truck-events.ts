import type { Migration } from './Migration.js';

/**
 * Device events from trucks, and the ledger every device event goes through.
 *
 * `events` is the deduplication key (the device-made UUID) and the record of `(device, seq)`
 * used to find gaps. `cloud_flags` columns hold what the cloud noticed on reception as a JSON
 * array (`unknown-device`, `clock-skew`, `unknown-tag`); the device's own flags stay apart.
 */
export const truckEventsMigration: Migration = {
  version: 2,
  name: 'truck-events',
  sql: `
CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  digest BLOB NOT NULL,
  received_at TEXT NOT NULL
) STRICT;
CREATE INDEX events_device_seq ON events (device_id, seq);
CREATE INDEX events_received ON events (received_at);

CREATE TABLE lifts (
  event_id TEXT PRIMARY KEY,
  truck_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  started_at TEXT NOT NULL,
  tag_scheme TEXT,
  tag_id TEXT,
  gross_weight_g INTEGER,
  tare_weight_g INTEGER,
  net_weight_g INTEGER,
  scale_interval_g INTEGER NOT NULL,
  minimum_g INTEGER NOT NULL,
  flags TEXT NOT NULL,
  trip_seq INTEGER NOT NULL,
  side TEXT,
  lat REAL,
  lon REAL,
  position TEXT,
  received_at TEXT NOT NULL,
  unknown_tag INTEGER NOT NULL DEFAULT 0,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX lifts_truck_started ON lifts (truck_id, started_at);
CREATE INDEX lifts_tag_started ON lifts (tag_id, started_at);
CREATE INDEX lifts_started ON lifts (started_at);

CREATE TABLE truck_status (
  event_id TEXT PRIMARY KEY,
  truck_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  trip_seq INTEGER NOT NULL,
  lifts_this_trip INTEGER NOT NULL,
  payload_g INTEGER NOT NULL,
  max_payload_g INTEGER NOT NULL,
  weight_fill REAL NOT NULL,
  volume_fill REAL,
  advice_action TEXT NOT NULL,
  advice_reason TEXT NOT NULL,
  bins_until_full INTEGER,
  lat REAL,
  lon REAL,
  outbox_backlog INTEGER NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX truck_status_truck_ts ON truck_status (truck_id, ts);
CREATE INDEX truck_status_received ON truck_status (received_at);

CREATE TABLE device_alerts (
  event_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  device_class TEXT NOT NULL CHECK (device_class IN ('trucks', 'gateways')),
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  beacon_id TEXT,
  detail TEXT NOT NULL,
  received_at TEXT NOT NULL,
  cloud_flags TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX device_alerts_device_ts ON device_alerts (device_id, ts);
CREATE INDEX device_alerts_received ON device_alerts (received_at);

-- Latest connection state per device (retained online/will messages carry no event id).
CREATE TABLE device_online (
  device_id TEXT PRIMARY KEY,
  device_class TEXT NOT NULL CHECK (device_class IN ('trucks', 'gateways')),
  state TEXT NOT NULL,
  cause TEXT NOT NULL,
  since TEXT NOT NULL,
  agent_version TEXT,
  received_at TEXT NOT NULL
) STRICT;
`,
};
