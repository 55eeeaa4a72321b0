import type { DeviceClass, MessageKind } from '@releve/shared';
import { MESSAGES } from '@releve/shared';
import type { Role } from './roles.js';

/**
 * Who may call what: the single source of truth for HTTP authorisation. The server refuses
 * a route that has no entry here (the route id type is `RouteId`), the role-matrix test calls
 * every route with every role from this table, and the OpenAPI document prints it.
 *
 * `public` routes need no token (probes and the API description). A route added in a new
 * feature file gets its line here, so one file shows an auditor every permission.
 *
 * Rule: `beacon-operator` never appears next to anything that exposes households, bins,
 * lifts or trucks (the beacon network is operated under a separate delegation).
 */
export const ROUTE_ACCESS = {
  healthz: 'public',
  readyz: 'public',
  openapi: 'public',
  metrics: ['admin'],
  whoami: ['dispatcher', 'beacon-operator', 'billing', 'admin'],
  listTrucks: ['dispatcher', 'admin'],
  getTruck: ['dispatcher', 'admin'],
  listLifts: ['dispatcher', 'billing', 'admin'],
  listBeacons: ['beacon-operator', 'admin'],
  listGateways: ['beacon-operator', 'admin'],
  listBeaconFleet: ['beacon-operator', 'admin'],
  getBeaconFleetEntry: ['beacon-operator', 'admin'],
  listGatewayFleet: ['beacon-operator', 'admin'],
  listFleetAlerts: ['beacon-operator', 'admin'],
  getBeaconAvailability: ['beacon-operator', 'admin'],
  billingRunPeriod: ['billing', 'admin'],
  billingReview: ['billing', 'admin'],
  billingExport: ['billing', 'admin'],
  householdStatement: ['billing', 'admin'],
  citizenLink: ['billing', 'admin'],
  citizenStatement: 'public',
  revokeCitizenLink: ['billing', 'admin'],
  listDeadLetters: ['admin'],
  events: ['dispatcher', 'beacon-operator', 'billing', 'admin'],
} as const satisfies Record<string, 'public' | readonly Role[]>;

/** Id of a route of the HTTP API (a key of `ROUTE_ACCESS`). */
export type RouteId = keyof typeof ROUTE_ACCESS;

/** The roles allowed on a route, or `public`. */
export function allowedRoles(route: RouteId): 'public' | readonly Role[] {
  return ROUTE_ACCESS[route];
}

/** Whether a role may call a route (public routes allow everyone). */
export function mayCall(route: RouteId, role: Role | null): boolean {
  const allowed = ROUTE_ACCESS[route];
  if (allowed === 'public') return true;
  return role !== null && (allowed as readonly Role[]).includes(role);
}

/**
 * Which live events (`GET /api/v1/events`) each role receives, by MQTT message kind.
 * Dispatchers see the trucks, billing sees lifts only, the beacon operator sees the
 * gateways' messages only (sightings, telemetry, health, footfall, online, alerts).
 */
export const EVENT_ACCESS: Record<Role, readonly MessageKind[]> = {
  dispatcher: kindsOf('trucks'),
  'beacon-operator': kindsOf('gateways'),
  billing: ['lift'],
  admin: kindsOf('trucks', 'gateways'),
};

function kindsOf(...classes: DeviceClass[]): MessageKind[] {
  return (Object.keys(MESSAGES) as MessageKind[]).filter(
    (k) => MESSAGES[k].direction === 'device-to-cloud' && classes.includes(MESSAGES[k].deviceClass),
  );
}

/** Whether a role receives a live event of this kind. */
export function mayReceive(role: Role, kind: MessageKind): boolean {
  return EVENT_ACCESS[role].includes(kind);
}
