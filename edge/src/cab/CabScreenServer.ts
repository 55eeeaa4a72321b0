import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import { cabPage } from './cabPage.js';
import type { CabSource, CabView } from './CabView.js';

/** Options of a {@link CabScreenServer}. */
export interface CabScreenServerOptions {
  source: CabSource;
  truckId: string;
  /** Bind address (the cab tablet's network only; 127.0.0.1 for a screen on the truck computer). */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** How often the view is compared with the last one sent (backlog and link change silently), ms. */
  pollMs?: number;
  /** SSE comment sent to keep idle connections open, ms. */
  heartbeatMs?: number;
  logger?: Logger;
}

/** What changes on screen (the time stamp alone is no change). */
function screenKey(v: CabView): string {
  return JSON.stringify({ ...v, at: null });
}

/**
 * The cab screen, served by the truck agent itself (node:http, no framework: one page, one
 * JSON view, one server-sent-events stream). `GET /` is the page, `GET /view` the current
 * `CabView` as JSON, `GET /events` a stream of `CabView`s, one on connect and one per change.
 * Works with no network beyond the cab: nothing is loaded from elsewhere.
 */
export class CabScreenServer {
  #server: Server | null = null;
  readonly #streams = new Set<ServerResponse>();
  #timers: NodeJS.Timeout[] = [];
  #unsubscribe: (() => void) | null = null;
  #lastKey = '';
  #pending = false;
  readonly #log: Logger;

  constructor(private readonly o: CabScreenServerOptions) {
    this.#log = (o.logger ?? pino({ level: 'info' })).child({ name: 'edge:cab' });
  }

  /** Listens; resolves with the port. Throws `EdgeError` (cab-listen) when the port cannot be bound. */
  async start(): Promise<number> {
    const server = createServer((req, res) => this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(
          new EdgeError(
            EdgeErrorCode.CabListen,
            `cab screen on ${this.o.host}:${this.o.port}: ${e.message}`,
            { cause: e },
          ),
        ),
      );
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.#unsubscribe = this.o.source.subscribe(() => this.#schedule());
    this.#timers.push(
      setInterval(() => this.#pushIfChanged(), this.o.pollMs ?? 1000),
      setInterval(() => {
        for (const s of this.#streams) s.write(': ping\n\n');
      }, this.o.heartbeatMs ?? 15_000),
    );
    const port = (server.address() as AddressInfo).port;
    this.#log.info({ host: this.o.host, port }, 'cab screen listening');
    return port;
  }

  /** The port listened on. */
  get port(): number {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    if (!a) throw new EdgeError(EdgeErrorCode.CabListen, 'cab screen not started');
    return a.port;
  }

  /** Ends the streams and closes the server. */
  async stop(): Promise<void> {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const s of this.#streams) s.end();
    this.#streams.clear();
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://cab').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    switch (path) {
      case '/':
        res
          .writeHead(200, {
            ...common,
            'content-type': 'text/html; charset=utf-8',
            // everything is inline; nothing may come from elsewhere
            'content-security-policy':
              "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
          })
          .end(cabPage(this.o.truckId));
        return;
      case '/view':
        res
          .writeHead(200, { ...common, 'content-type': 'application/json' })
          .end(JSON.stringify(this.o.source.view()));
        return;
      case '/events':
        this.#openStream(res);
        return;
      default:
        res.writeHead(404, { ...common, 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  #openStream(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    res.write(`data: ${JSON.stringify(this.o.source.view())}\n\n`);
    this.#streams.add(res);
    res.on('close', () => this.#streams.delete(res));
  }

  /** Coalesces a burst of changes (a lift changes the advice and the figures at once). */
  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      this.#push(true);
    });
  }

  #pushIfChanged(): void {
    this.#push(false);
  }

  #push(force: boolean): void {
    if (this.#streams.size === 0) return;
    let view: CabView;
    try {
      view = this.o.source.view();
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'cab view unavailable');
      return;
    }
    const key = screenKey(view);
    if (!force && key === this.#lastKey) return;
    this.#lastKey = key;
    const frame = `data: ${JSON.stringify(view)}\n\n`;
    for (const s of this.#streams) s.write(frame);
  }
}
