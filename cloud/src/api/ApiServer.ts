import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import type { ApiPrincipal } from '../auth/ApiTokenStore.js';
import { allowedRoles, mayCall } from '../auth/accessTable.js';
import { CSRF_HEADER, csrfMatches, type WebSession } from '../auth/WebSessions.js';
import { CloudError, CloudErrorCode } from '../errors.js';
import { type ApiProblemCode, type Problem, problem } from './problem.js';
import type { AnyRoute, ApiContext, Reply } from './route.js';

/** What the server needs to authenticate a bearer token (the `ApiTokenStore`). */
export interface TokenVerifier {
  verify(secret: string): ApiPrincipal | null;
}

/** What the server needs to authenticate a browser's session cookie (`auth/WebSessions.ts`). */
export interface SessionVerifier {
  fromRequest(req: IncomingMessage): WebSession | null;
}

/** Answers requests no API route matches (the web pages); false when it has nothing either. */
export interface FallbackHandler {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export interface ApiServerOptions {
  routes: readonly AnyRoute[];
  tokens: TokenVerifier;
  /** Browser sessions: without a bearer token, the session cookie authenticates (same roles). */
  sessions?: SessionVerifier;
  /** Pages and assets, asked when no route matches. */
  fallback?: FallbackHandler;
  context: Omit<ApiContext, 'onStop'>;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

interface CompiledRoute {
  route: AnyRoute;
  pattern: RegExp;
  paramNames: string[];
}

/**
 * The HTTP API server (node:http: the API is a handful of GET routes, JSON and one SSE
 * stream, which needs no framework). Each request is routed, authenticated with its bearer
 * token against `auth/accessTable.ts`, its query validated with the route's zod schema, then
 * handled. Every error is an `application/problem+json` body with a `code`.
 */
export class ApiServer {
  private server: Server | null = null;
  private readonly compiled: CompiledRoute[];
  private readonly cleanups = new Set<() => void>();
  private readonly context: ApiContext;

  constructor(private readonly options: ApiServerOptions) {
    this.compiled = options.routes.map(compile);
    this.context = {
      ...options.context,
      onStop: (cleanup) => {
        this.cleanups.add(cleanup);
        return () => this.cleanups.delete(cleanup);
      },
    };
  }

  /** Listens; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.dispatch(req, res).catch((e: unknown) => {
        this.options.context.log.error({ err: e, url: req.url }, 'request failed');
        if (!res.headersSent) sendProblem(res, problem(500, 'internal', undefined, req.url));
        else res.destroy();
      });
    });
    this.server = server;
    const { host, port: wanted } = this.options;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'EADDRINUSE'
            ? `port ${wanted} on ${host} is already in use; choose another with --http-port or http.port in the configuration file (0 picks a free one)`
            : e.code === 'EACCES'
              ? `not allowed to listen on ${host}:${wanted} (ports below 1024 need privileges); change --http-port or http.port`
              : e.code === 'EADDRNOTAVAIL'
                ? `${host} is not an address of this machine; change --host or http.host`
                : `${host}:${wanted}: ${e.message}`;
        reject(new CloudError(CloudErrorCode.Listen, `HTTP API: ${why}`, { cause: e }));
      });
      server.listen(wanted, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.options.context.log.info({ host: this.options.host, port }, 'HTTP API listening');
    return port;
  }

  /** Base URL once started, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new CloudError(CloudErrorCode.Listen, 'HTTP API not started');
    return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  /** Ends open streams, stops accepting and closes every connection. */
  async stop(): Promise<void> {
    for (const c of [...this.cleanups]) c();
    this.cleanups.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matches = this.compiled
      .map((c) => ({ c, m: c.pattern.exec(url.pathname) }))
      .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
    if (matches.length === 0) {
      if (this.options.fallback && (await this.options.fallback.handle(req, res, url))) return;
      return sendProblem(res, problem(404, 'not-found', 'no such route', url.pathname));
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const hit = matches.find((x) => x.c.route.method === method);
    if (!hit) {
      res.setHeader('allow', [...new Set(matches.map((x) => x.c.route.method))].join(', '));
      return sendProblem(
        res,
        problem(405, 'method-not-allowed', `${req.method} ${url.pathname}`, url.pathname),
      );
    }
    const { route } = hit.c;
    const count = (status: number) =>
      this.options.context.metrics.httpRequests.inc({ route: route.id, status: String(status) });

    const auth = this.authenticate(req, route);
    if ('problem' in auth) {
      count(auth.problem.status);
      if (auth.problem.status === 401) res.setHeader('www-authenticate', auth.challenge);
      return sendProblem(res, { ...auth.problem, instance: url.pathname });
    }

    const params: Record<string, string> = {};
    const paramProblems: string[] = [];
    hit.c.paramNames.forEach((name, i) => {
      const raw = decodeURIComponent(hit.m[i + 1] ?? '');
      const schema = route.params?.[name];
      const r = schema ? schema.safeParse(raw) : { success: true as const, data: raw };
      if (r.success) params[name] = r.data;
      else paramProblems.push(`${name}: ${r.error.issues.map((x) => x.message).join(', ')}`);
    });
    let query: unknown = {};
    if (route.query) {
      const r = (route.query as z.ZodType).safeParse(Object.fromEntries(url.searchParams));
      if (r.success) query = r.data;
      else paramProblems.push(...r.error.issues.map((x) => `${x.path.join('.') || 'query'}: ${x.message}`));
    }
    if (paramProblems.length > 0) {
      count(400);
      return sendProblem(res, problem(400, 'bad-request', paramProblems.join('; '), url.pathname));
    }

    const reply = await route.handle({
      req,
      res,
      url,
      params,
      query,
      principal: auth.principal,
      ctx: this.context,
    });
    if ('streamed' in reply) {
      count(res.statusCode);
      return;
    }
    if ('problem' in reply) {
      count(reply.problem.status);
      return sendProblem(res, { ...reply.problem, instance: reply.problem.instance ?? url.pathname });
    }
    const status = reply.status ?? 200;
    count(status);
    if ('json' in reply) {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(reply.json));
    } else {
      res.writeHead(status, {
        'content-type': reply.contentType,
        'cache-control': 'no-store',
        ...(reply.filename ? { 'content-disposition': `attachment; filename="${reply.filename}"` } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : reply.text);
    }
  }

  private authenticate(
    req: IncomingMessage,
    route: AnyRoute,
  ): { principal: ApiPrincipal | null } | { problem: Problem; challenge: string } {
    const header = req.headers.authorization;
    const secret = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const publicRoute = allowedRoles(route.id) === 'public';
    if (!secret) {
      const session = header === undefined ? (this.options.sessions?.fromRequest(req) ?? null) : null;
      if (session) return this.authorise(req, route, session.principal, session);
      if (publicRoute) return { principal: null };
      return deny(401, 'unauthorized', 'send Authorization: Bearer <token>', 'Bearer realm="releve"');
    }
    const principal = this.options.tokens.verify(secret);
    // A probe with a stale token must not fail: public routes ignore a bad token.
    if (publicRoute) return { principal };
    if (!principal) {
      return deny(
        401,
        'unauthorized',
        'unknown or revoked token',
        'Bearer realm="releve", error="invalid_token"',
      );
    }
    return this.authorise(req, route, principal, null);
  }

  /** Role check; a cookie session must also show its CSRF token on state-changing methods. */
  private authorise(
    req: IncomingMessage,
    route: AnyRoute,
    principal: ApiPrincipal,
    session: WebSession | null,
  ): { principal: ApiPrincipal } | { problem: Problem; challenge: string } {
    if (!mayCall(route.id, principal.role)) {
      return deny(403, 'forbidden', `role ${principal.role} may not call ${route.id}`, '');
    }
    const safe = req.method === 'GET' || req.method === 'HEAD';
    const presented = req.headers[CSRF_HEADER];
    if (session && !safe && !csrfMatches(session, typeof presented === 'string' ? presented : null)) {
      return deny(403, 'forbidden', `a session request ${req.method} needs the ${CSRF_HEADER} header`, '');
    }
    return { principal };
  }
}

function deny(status: number, code: ApiProblemCode, detail: string, challenge: string) {
  return { problem: problem(status, code, detail), challenge };
}

function compile(route: AnyRoute): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (!m?.[1]) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), paramNames };
}

/** Writes a problem+json response. */
export function sendProblem(res: ServerResponse, p: Problem): void {
  res.writeHead(p.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(p));
}

/** Reply with a problem (for handlers). */
export function problemReply(status: number, code: ApiProblemCode, detail?: string): Reply {
  return { problem: problem(status, code, detail) };
}
