import pino, { type Logger } from 'pino';
import type { ApiTokenStore } from '../auth/ApiTokenStore.js';
import { WebSessions } from '../auth/WebSessions.js';
import { BeaconFleet } from '../beacons/BeaconFleet.js';
import type { BillingService } from '../billing/BillingService.js';
import type { IngestEventBus } from '../ingest/IngestEventBus.js';
import type { Store } from '../store/Store.js';
import type { HouseholdStatementSource } from '../web/householdPage.js';
import { WebFrontend } from '../web/WebFrontend.js';
import { ApiServer } from './ApiServer.js';
import type { CloudMetrics } from './CloudMetrics.js';
import { LiveEventHub } from './LiveEventHub.js';
import { buildOpenApiDocument } from './openapiDocument.js';
import type { Readiness } from './Readiness.js';
import { ROUTES } from './routeTable.js';
import { StoreReadModel } from './StoreReadModel.js';

/** The web pages served next to the API (`cloud/src/web`, docs/web.md). */
export interface WebPagesOptions {
  /** Map tile URL template, `{z}/{x}/{y}`; null (default) draws maps as plain SVG, offline. */
  tileUrl?: string | null;
  /** Mark the session cookie `Secure` (HTTPS). Default: only when `X-Forwarded-Proto: https`. */
  secureCookies?: boolean;
  /** Idle lifetime of a browser session, ms (default 8 h). */
  sessionIdleMs?: number;
  /** The statement behind a household's personal link (billing); without it `/household/…` is 404. */
  householdStatement?: HouseholdStatementSource;
}

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
  /** Billing for the billing routes; absent: those routes answer 503. */
  billing?: BillingService | null;
  /** SSE heartbeat interval, ms (default 15 s). */
  sseHeartbeatMs?: number;
  /** The web pages and browser sessions (default on); false serves the API alone. */
  web?: WebPagesOptions | false;
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
    const web = options.web === false ? null : (options.web ?? {});
    const billing = options.billing ?? null;
    const householdStatement =
      web?.householdStatement ??
      (billing
        ? (link: string, now: Date) => {
            const householdId = billing.links.householdOf(link);
            return householdId === null ? null : billing.statement(householdId, now);
          }
        : undefined);
    const sessions = web
      ? new WebSessions({
          tokens: options.tokens,
          ...(web.sessionIdleMs === undefined ? {} : { idleMs: web.sessionIdleMs }),
        })
      : null;
    this.server = new ApiServer({
      routes: ROUTES,
      tokens: options.tokens,
      ...(web && sessions
        ? {
            sessions,
            fallback: new WebFrontend({
              sessions,
              tileUrl: web.tileUrl ?? null,
              secureCookies: web.secureCookies ?? false,
              ...(householdStatement ? { householdStatement } : {}),
              log: log.child({ name: 'cloud:web' }),
            }),
          }
        : {}),
      host: options.host,
      port: options.port,
      context: {
        readModel: new StoreReadModel(options.store),
        billing,
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
