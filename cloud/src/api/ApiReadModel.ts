import type { BeaconView, DeadLetterView, GatewayView, LiftRecord, TruckView } from './schemas.js';

/** Filter and page of `listLifts`. Times bound the lift's `startedAt`: `from` ≤ t < `to`. */
export interface LiftQuery {
  truckId?: string;
  accountId?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Continue after this (startedAt, id) key. */
  after?: { startedAt: string; id: string };
}

/** Filter and page of `listDeadLetters`: newest first, ids below `beforeId`. */
export interface DeadLetterQuery {
  code?: string;
  limit: number;
  beforeId?: number;
}

/**
 * What the HTTP API reads. The cloud's wiring passes the SQLite store adapter
 * (`StoreReadModel`); the API never writes.
 */
export interface ApiReadModel {
  listTrucks(): TruckView[];
  getTruck(truckId: string): TruckView | null;
  /** At most `limit` lifts ordered by (startedAt, id). */
  listLifts(q: LiftQuery): LiftRecord[];
  listBeacons(): BeaconView[];
  listGateways(): GatewayView[];
  listDeadLetters(q: DeadLetterQuery): DeadLetterView[];
}
