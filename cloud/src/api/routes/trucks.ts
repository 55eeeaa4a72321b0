import { DeviceId } from '@releve/shared';
import { problemReply } from '../ApiServer.js';
import { defineRoute } from '../route.js';
import { TruckList, TruckView } from '../schemas.js';

/** `GET /api/v1/trucks`: every truck with its latest status and online state. */
export const listTrucks = defineRoute({
  id: 'listTrucks',
  method: 'GET',
  path: '/api/v1/trucks',
  tag: 'trucks',
  summary: 'Every truck with its online state and latest status',
  response: { status: 200, contentType: 'application/json', description: 'Trucks', schema: TruckList },
  handle: ({ ctx }) => ({ json: { items: ctx.readModel.listTrucks() } }),
});

/** `GET /api/v1/trucks/{truckId}`: one truck. */
export const getTruck = defineRoute({
  id: 'getTruck',
  method: 'GET',
  path: '/api/v1/trucks/{truckId}',
  tag: 'trucks',
  summary: 'One truck with its online state and latest status',
  params: { truckId: DeviceId },
  response: { status: 200, contentType: 'application/json', description: 'The truck', schema: TruckView },
  handle: ({ ctx, params }) => {
    const truck = ctx.readModel.getTruck(params.truckId ?? '');
    return truck ? { json: truck } : problemReply(404, 'not-found', `no truck ${params.truckId}`);
  },
});
