import { BeaconId, DeviceId } from '@releve/shared';
import { z } from 'zod';
import { availabilityCsv } from '../../beacons/AvailabilityExport.js';
import {
  AvailabilityView,
  BeaconFleetDetail,
  BeaconFleetList,
  FleetAlertPage,
  GatewayFleetList,
} from '../../beacons/fleetViews.js';
import { problemReply } from '../ApiServer.js';
import { defineRoute } from '../route.js';
import { Limit } from '../schemas.js';

const TAG = 'beacon fleet';

/** `GET /api/v1/beacon-fleet/beacons`: every registered beacon with its status. */
export const listBeaconFleet = defineRoute({
  id: 'listBeaconFleet',
  method: 'GET',
  path: '/api/v1/beacon-fleet/beacons',
  tag: TAG,
  summary: 'Every registered beacon with its status (ok, low-battery, silent, moved, suspected-clone)',
  description: 'Computed at request time from the stored series; rules in docs/beacon-operations.md.',
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Beacon statuses',
    schema: BeaconFleetList,
  },
  handle: ({ ctx }) => ({ json: { items: ctx.beaconFleet.beacons() } }),
});

/** `GET /api/v1/beacon-fleet/beacons/{beaconId}`: one beacon's status with its battery readings. */
export const getBeaconFleetEntry = defineRoute({
  id: 'getBeaconFleetEntry',
  method: 'GET',
  path: '/api/v1/beacon-fleet/beacons/{beaconId}',
  tag: TAG,
  summary: "One beacon's status, battery trend and readings",
  params: { beaconId: BeaconId },
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'The beacon',
    schema: BeaconFleetDetail,
  },
  handle: ({ ctx, params }) => {
    const beaconId = params.beaconId ?? '';
    const detail = ctx.beaconFleet.beaconDetail(beaconId);
    return detail ? { json: detail } : problemReply(404, 'not-found', `no registered beacon ${beaconId}`);
  },
});

/** `GET /api/v1/beacon-fleet/gateways`: every registered gateway with its status. */
export const listGatewayFleet = defineRoute({
  id: 'listGatewayFleet',
  method: 'GET',
  path: '/api/v1/beacon-fleet/gateways',
  tag: TAG,
  summary: 'Every registered gateway with its status (online, degraded, offline, never-connected)',
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'Gateway statuses',
    schema: GatewayFleetList,
  },
  handle: ({ ctx }) => ({ json: { items: ctx.beaconFleet.gateways() } }),
});

const AlertQuery = z
  .object({
    deviceId: z.union([BeaconId, DeviceId]).optional().describe('Only alerts of this beacon or gateway'),
    limit: Limit,
    before: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Only alerts with a smaller id (`nextBefore`)'),
  })
  .strict();

/** `GET /api/v1/beacon-fleet/alerts`: alerts the cloud raised on status changes, newest first. */
export const listFleetAlerts = defineRoute({
  id: 'listFleetAlerts',
  method: 'GET',
  path: '/api/v1/beacon-fleet/alerts',
  tag: TAG,
  summary: 'Alerts the cloud raised when a beacon or gateway changed status, newest first (paginated)',
  query: AlertQuery,
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'A page of alerts',
    schema: FleetAlertPage,
  },
  handle: ({ ctx, query }) => {
    const items = ctx.beaconFleet.alerts({
      limit: query.limit + 1,
      ...(query.deviceId === undefined ? {} : { deviceId: query.deviceId }),
      ...(query.before === undefined ? {} : { beforeId: query.before }),
    });
    const page = items.slice(0, query.limit);
    const nextBefore = items.length > query.limit ? (page.at(-1)?.alertId ?? null) : null;
    return { json: { items: page, nextBefore } };
  },
});

const AvailabilityQuery = z
  .object({
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month: YYYY-MM')
      .optional()
      .describe('UTC month YYYY-MM; default the current month'),
    format: z
      .enum(['json', 'csv'])
      .default('json')
      .describe('json, or csv (text/csv, columns in docs/beacon-operations.md)'),
    dialect: z
      .enum(['standard', 'excel-fr'])
      .default('standard')
      .describe('CSV dialect: `,`, or `;` + UTF-8 BOM + decimal comma for French Excel'),
  })
  .strict();

/** `GET /api/v1/beacon-fleet/availability`: the monthly availability report for the authority. */
export const getBeaconAvailability = defineRoute({
  id: 'getBeaconAvailability',
  method: 'GET',
  path: '/api/v1/beacon-fleet/availability',
  tag: TAG,
  summary: 'Monthly availability per beacon: share of 5-minute slots heard by at least one gateway',
  description:
    'With `format=csv` the body is text/csv (one line per beacon, then a TOTAL line). Slots before a ' +
    "beacon's registration and slots not yet elapsed are not counted (docs/beacon-operations.md).",
  query: AvailabilityQuery,
  response: {
    status: 200,
    contentType: 'application/json',
    description: 'The report',
    schema: AvailabilityView,
  },
  handle: ({ ctx, query }) => {
    const month = query.month ?? new Date().toISOString().slice(0, 7);
    const report = ctx.beaconFleet.availability(month);
    if (!report) return problemReply(400, 'bad-request', `month: not a month: ${month}`);
    if (query.format === 'json') return { json: report };
    return {
      text: availabilityCsv(report, query.dialect),
      contentType: 'text/csv; charset=utf-8',
      filename: `beacon-availability-${month}.csv`,
    };
  },
});

/** The beacon fleet routes, in table order. */
export const BEACON_FLEET_ROUTES = [
  listBeaconFleet,
  getBeaconFleetEntry,
  listGatewayFleet,
  listFleetAlerts,
  getBeaconAvailability,
] as const;
