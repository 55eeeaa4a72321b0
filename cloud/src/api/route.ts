import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ApiPrincipal } from '../auth/ApiTokenStore.js';
import type { BillingService } from '../billing/BillingService.js';
import type { RouteId } from '../auth/accessTable.js';
import type { BeaconFleet } from '../beacons/BeaconFleet.js';
import type { ApiReadModel } from './ApiReadModel.js';
import type { CloudMetrics } from './CloudMetrics.js';
import type { LiveEventHub } from './LiveEventHub.js';
import type { Problem } from './problem.js';
import type { Readiness } from './Readiness.js';

/** What every handler can use; built once by the wiring file. */
export interface ApiContext {
  readModel: ApiReadModel;
  /** Beacon and gateway statuses, cloud alerts and availability (`cloud/src/beacons`). */
  beaconFleet: BeaconFleet;
  metrics: CloudMetrics;
  readiness: Readiness;
  events: LiveEventHub;
  log: Logger;
  /** Interval of SSE heartbeat comments, ms. */
  sseHeartbeatMs: number;
  /** Billing (tariff, period runs, exports, statements, citizen links); null without a store. */
  billing?: BillingService | null;
  /** The OpenAPI document served at `/api/v1/openapi.json`. */
  openapi: () => unknown;
  /** Registers a cleanup run when the server stops (open streams). */
  onStop: (cleanup: () => void) => () => void;
}

/** One request, authenticated and with its query validated. */
export interface ApiCall<Q> {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  query: Q;
  /** Null on public routes called without a token. */
  principal: ApiPrincipal | null;
  ctx: ApiContext;
}

/** What a handler answers. */
export type Reply =
  | { status?: number; json: unknown }
  | {
      status?: number;
      /** The body: text, or bytes sent as they are. */
      text: string | Buffer;
      contentType: string /** Sent as an attachment with this file name. */;
      filename?: string;
    }
  | { problem: Problem }
  /** The handler wrote the response itself (streams). */
  | { streamed: true };

/** The documented response of a route. */
export interface RouteResponse {
  status: number;
  contentType: 'application/json' | 'text/event-stream' | 'text/plain' | 'text/csv';
  description: string;
  /** zod schema of a JSON body (OpenAPI `schema`). */
  schema?: z.ZodType;
  /** Other statuses answered with the same body, status → description (e.g. 503 of `/readyz`). */
  sameBodyStatuses?: Record<string, string>;
}

/**
 * A route of the HTTP API: its id (whose allowed roles are in `auth/accessTable.ts`), method,
 * OpenAPI-style path (`/api/v1/trucks/{truckId}`), documentation, query schema and handler.
 * Feature files export their routes; `routeTable.ts` lists them all.
 */
export interface RouteDefinition<Q extends z.ZodType = z.ZodType> {
  id: RouteId;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Path parameters with their schema (names as in `path`). */
  params?: Record<string, z.ZodType<string>>;
  /** Query parameters: a zod object of (coerced) single values. */
  query?: Q;
  response: RouteResponse;
  handle(call: ApiCall<z.infer<Q>>): Promise<Reply> | Reply;
}

/** Declares a route with its query type inferred. */
export function defineRoute<Q extends z.ZodType>(route: RouteDefinition<Q>): RouteDefinition<Q> {
  return route;
}

/** A route as the server and generators hold it (query type erased). */
// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of different query types
export type AnyRoute = RouteDefinition<any>;
