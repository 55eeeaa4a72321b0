import pino, { type Logger } from 'pino';
import type { ApiTokenStore } from '../auth/ApiTokenStore.js';
import { BeaconFleet } from '../beacons/BeaconFleet.js';
import type { IngestEventBus } from '../ingest/IngestEventBus.js';
import type { Store } from '../store/Store.js';
import { ApiServer } from './ApiServer.js';
import type { CloudMetrics } from './CloudMetrics.js';
import { LiveEventHub } from './LiveEventHub.js';
import { buildOpenApiDocument } from './openapiDocument.js';
import type { Readiness } from './Readiness.js';
import { ROUTES } from './routeTable.js';
import { StoreReadModel } from './StoreReadModel.js';

export interface HttpApiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  store: Store;
  tokens: ApiTokenStore;
  metrics: CloudMetrics;
  readiness: Readiness;
  /** The ingest's bus: its stored messages feed the live stream. */
  bus?: IngestEventBus;
  /** The beacon fleet view; default: one over `store` with the default rules. */
  beaconFleet?: BeaconFleet;
  /** SSE heartbeat interval, ms (default 15 s). */
  sseHeartbeatMs?: number;
  logger?: Logger;
}

/**
 * The HTTP API as a cloud feature (`start()`/`stop()`): the server with every route of
 * `routeTable.ts`, reading the SQLite store, streaming the ingest's stored messages, and
 * registering the `store` readiness check. The wiring file creates it with the shared
 * `CloudMetrics` and `Readiness`, and registers the broker and ingest checks itself.
 */
export class HttpApi {
  readonly name = 'http-api';
  readonly events = new LiveEventHub();
  private readonly server: ApiServer;
  private readonly offs: Array<() => void> = [];
  private boundPort = 0;

  constructor(private readonly options: HttpApiOptions) {
    const log = (options.logger ?? pino({ level: 'info' })).child({ name: 'cloud:api' });
    const document = buildOpenApiDocument(ROUTES);
    this.server = new ApiServer({
      routes: ROUTES,
      tokens: options.tokens,
      host: options.host,
      port: options.port,
      context: {
        readModel: new StoreReadModel(options.store),
        beaconFleet: options.beaconFleet ?? new BeaconFleet(options.store.db, { logger: log }),
        metrics: options.metrics,
        readiness: options.readiness,
        events: this.events,
        log,
        sseHeartbeatMs: options.sseHeartbeatMs ?? 15_000,
        openapi: () => document,
      },
    });
  }

  async start(): Promise<void> {
    const { store, readiness, bus } = this.options;
    this.offs.push(
      readiness.register('store', () => store.db.open && store.db.prepare('SELECT 1').get() !== undefined),
    );
    if (bus) this.offs.push(this.events.follow(bus));
    this.boundPort = await this.server.start();
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.server.stop();
  }

  /** The port listened on (after `start()`). */
  get port(): number {
    return this.boundPort;
  }

  /** Base URL (after `start()`). */
  get url(): string {
    return this.server.url;
  }
}
