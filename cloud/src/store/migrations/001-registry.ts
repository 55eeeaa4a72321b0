import type { Migration } from './Migration.js';

/**
 * The registry: who pays (accounts), where people live (households, buildings), which bin
 * belongs to whom and when (bins), and the devices allowed to talk to the cloud (trucks,
 * gateways) with the beacons the operator deployed. Filled by `releve-cloud registry import`.
 */
export const registryMigration: Migration = {
  version: 1,
  name: 'registry',
  sql: `
CREATE TABLE accounts (
  account_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('household', 'business', 'building-manager')),
  name TEXT NOT NULL,
  address TEXT,
  email TEXT
) STRICT;

CREATE TABLE buildings (
  building_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT,
  dwellings INTEGER NOT NULL CHECK (dwellings > 0),
  manager_account_id TEXT NOT NULL REFERENCES accounts (account_id)
) STRICT;

-- A household is also the account that pays for it (account_id = household_id).
CREATE TABLE households (
  household_id TEXT PRIMARY KEY REFERENCES accounts (account_id),
  building_id TEXT REFERENCES buildings (building_id),
  persons INTEGER NOT NULL CHECK (persons > 0),
  moved_in TEXT NOT NULL,
  moved_out TEXT,
  CHECK (moved_out IS NULL OR moved_out >= moved_in)
) STRICT;
CREATE INDEX households_building ON households (building_id);

-- One row per bin and assignment period. A bin handed to the next occupant gets a new row
-- (same bin_id and tag, new account, new valid_from) and its old row a valid_to; a swapped
-- bin ends (valid_to) and the new bin starts with its own tag. A tag belongs to one bin at a
-- time: the import refuses overlapping periods of one tag.
CREATE TABLE bins (
  bin_id TEXT NOT NULL,
  tag_scheme TEXT NOT NULL CHECK (tag_scheme IN ('em4100', 'fdx-b')),
  tag_id TEXT NOT NULL,
  volume_l INTEGER NOT NULL CHECK (volume_l > 0),
  account_id TEXT REFERENCES accounts (account_id),
  building_id TEXT REFERENCES buildings (building_id),
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  PRIMARY KEY (bin_id, valid_from),
  UNIQUE (tag_id, valid_from),
  CHECK ((account_id IS NULL) <> (building_id IS NULL)),
  CHECK (valid_to IS NULL OR valid_to > valid_from)
) STRICT;
CREATE INDEX bins_account ON bins (account_id);
CREATE INDEX bins_building ON bins (building_id);

CREATE TABLE trucks (
  truck_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  plate TEXT,
  max_payload_g INTEGER NOT NULL CHECK (max_payload_g > 0),
  body_volume_l INTEGER CHECK (body_volume_l > 0),
  scale_interval_g INTEGER NOT NULL CHECK (scale_interval_g > 0)
) STRICT;

CREATE TABLE gateways (
  gateway_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  site TEXT
) STRICT;

-- Allowlist fields (contract AllowlistedBeacon) plus the shop that hosts the beacon.
CREATE TABLE beacons (
  beacon_id TEXT PRIMARY KEY,
  address TEXT,
  name TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  expected_interval_ms INTEGER CHECK (expected_interval_ms > 0),
  shop TEXT
) STRICT;
`,
};
