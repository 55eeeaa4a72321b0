import { registryMigration } from './001-registry.js';
import { truckEventsMigration } from './002-truck-events.js';
import { beaconSeriesMigration } from './003-beacon-series.js';
import { deadLettersMigration } from './004-dead-letters.js';
import { liftPageIndexesMigration } from './005-lift-page-indexes.js';
import { beaconFleetMigration } from './006-beacon-fleet.js';
import { beaconTelemetryIndexesMigration } from './007-beacon-telemetry-indexes.js';
import { liftLedgerMigration } from './008-lift-ledger.js';
import { liftBlocksMigration } from './009-lift-blocks.js';
import { citizenLinksMigration } from './010-citizen-links.js';
import type { Migration } from './Migration.js';

export type { Migration } from './Migration.js';

/** Every migration of the store, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  registryMigration,
  truckEventsMigration,
  beaconSeriesMigration,
  deadLettersMigration,
  liftPageIndexesMigration,
  beaconFleetMigration,
  beaconTelemetryIndexesMigration,
  liftLedgerMigration,
  liftBlocksMigration,
  citizenLinksMigration,
];
