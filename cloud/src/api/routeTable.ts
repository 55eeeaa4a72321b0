import type { AnyRoute } from './route.js';
import {
  getBeaconAvailability,
  getBeaconFleetEntry,
  listBeaconFleet,
  listFleetAlerts,
  listGatewayFleet,
} from './routes/beaconFleet.js';
import { listBeacons, listGateways } from './routes/beaconNetwork.js';
import {
  billingExport,
  billingReview,
  billingRunPeriod,
  citizenLink,
  citizenStatement,
  householdStatementRoute,
  revokeCitizenLink,
} from './routes/billing.js';
import { listDeadLetters } from './routes/deadLetters.js';
import { events } from './routes/events.js';
import { listLifts } from './routes/lifts.js';
import { healthz, metrics, openapi, readyz, whoami } from './routes/system.js';
import { getTruck, listTrucks } from './routes/trucks.js';

/**
 * Every route of the HTTP API. A feature adds its routes in its own file under `routes/`,
 * lists them here and gives each id its roles in `auth/accessTable.ts`. The server, the
 * OpenAPI generator and the role-matrix test all read this list.
 */
export const ROUTES: readonly AnyRoute[] = [
  healthz,
  readyz,
  metrics,
  openapi,
  whoami,
  listTrucks,
  getTruck,
  listLifts,
  listBeacons,
  listGateways,
  listBeaconFleet,
  getBeaconFleetEntry,
  listGatewayFleet,
  listFleetAlerts,
  getBeaconAvailability,
  billingRunPeriod,
  billingReview,
  billingExport,
  householdStatementRoute,
  citizenLink,
  citizenStatement,
  revokeCitizenLink,
  listDeadLetters,
  events,
];
