import { defineRoute } from '../route.js';
import { BeaconList, GatewayList } from '../schemas.js';

/** `GET /api/v1/beacons`: every beacon with its latest sighting and telemetry. */
export const listBeacons = defineRoute({
  id: 'listBeacons',
  method: 'GET',
  path: '/api/v1/beacons',
  tag: 'beacon network',
  summary: 'Every beacon with its latest sighting and telemetry',
  response: { status: 200, contentType: 'application/json', description: 'Beacons', schema: BeaconList },
  handle: ({ ctx }) => ({ json: { items: ctx.readModel.listBeacons() } }),
});

/** `GET /api/v1/gateways`: every gateway with its online state and latest health. */
export const listGateways = defineRoute({
  id: 'listGateways',
  method: 'GET',
  path: '/api/v1/gateways',
  tag: 'beacon network',
  summary: 'Every gateway with its online state and latest health',
  response: { status: 200, contentType: 'application/json', description: 'Gateways', schema: GatewayList },
  handle: ({ ctx }) => ({ json: { items: ctx.readModel.listGateways() } }),
});
