import type { Migration } from './Migration.js';

/**
 * What the cloud itself concludes about the beacon network (`cloud/src/beacons`):
 *
 * - `beacons.registered_at`: when the beacon entered the registry, the start of its
 *   availability obligation. Filled by a trigger on insert (the registry import does not
 *   know the column); rows already there get their first sighting or telemetry time, else
 *   the migration time. An operator may correct it by hand (`UPDATE beacons SET …`).
 * - `fleet_status`: the last status the fleet watch evaluated per beacon and gateway, so a
 *   change of status is noticed once (a transition), even across restarts.
 * - `fleet_alerts`: alerts the cloud raised on those transitions, kept for the operator.
 */
export const beaconFleetMigration: Migration = {
  version: 6,
  name: 'beacon-fleet',
  sql: `
ALTER TABLE beacons ADD COLUMN registered_at TEXT;
UPDATE beacons SET registered_at = coalesce(
  (SELECT min(s.window_end) FROM beacon_sightings s WHERE s.beacon_id = beacons.beacon_id),
  (SELECT min(t.ts) FROM beacon_telemetry t WHERE t.beacon_id = beacons.beacon_id),
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
CREATE TRIGGER beacons_registered_at AFTER INSERT ON beacons
  WHEN NEW.registered_at IS NULL
BEGIN
  UPDATE beacons SET registered_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE beacon_id = NEW.beacon_id;
END;

CREATE TABLE fleet_status (
  device_kind TEXT NOT NULL CHECK (device_kind IN ('beacon', 'gateway')),
  device_id TEXT NOT NULL,
  status TEXT NOT NULL,
  since TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  PRIMARY KEY (device_kind, device_id)
) STRICT;

CREATE TABLE fleet_alerts (
  alert_id INTEGER PRIMARY KEY AUTOINCREMENT,
  raised_at TEXT NOT NULL,
  device_kind TEXT NOT NULL CHECK (device_kind IN ('beacon', 'gateway')),
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  from_status TEXT,
  to_status TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX fleet_alerts_device ON fleet_alerts (device_kind, device_id, raised_at);
CREATE INDEX fleet_alerts_raised ON fleet_alerts (raised_at);
`,
};
