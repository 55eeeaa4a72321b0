import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { FallbackHandler } from '../api/ApiServer.js';
import {
  clearedSessionCookie,
  csrfMatches,
  readCookie,
  type WebSession,
  type WebSessions,
} from '../auth/WebSessions.js';
import {
  asLanguage,
  DEFAULT_LANGUAGE,
  type Dictionary,
  dictionary,
  type Language,
  translate,
} from './dictionary.js';
import { type HouseholdStatementSource, householdMain, kgPerMonth } from './householdPage.js';
import { esc, renderShell } from './html.js';
import { homeOf, mayOpen, pagesFor, WEB_PAGES, type WebPage } from './pages.js';

/** Cookie remembering the chosen language (not a secret: readable, SameSite=Lax). */
export const LANG_COOKIE = 'releve_lang';

const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** Largest form body accepted (the login form holds a token). */
const MAX_FORM_BYTES = 4096;

export interface WebFrontendOptions {
  sessions: WebSessions;
  /** Map tile URL template (`https://tile.example/{z}/{x}/{y}.png`); null draws plain SVG maps. */
  tileUrl: string | null;
  /** Add `Secure` to the session cookie (when served over HTTPS, directly or behind a proxy). */
  secureCookies: boolean;
  /**
   * The statement behind a household's personal link (`/household/<secret>`), from billing;
   * without it the citizen page answers 404.
   */
  householdStatement?: HouseholdStatementSource;
  log: Logger;
}

/** A household's personal link: `/household/` and an unguessable secret. */
const HOUSEHOLD_PATH = /^\/household\/([A-Za-z0-9_-]{16,128})$/;

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  lang: Language;
  dict: Dictionary;
}

/**
 * The web pages served by the cloud next to its API: login and logout (API token exchanged for
 * a session cookie), one page per job (dispatcher, beacon operator, billing office) and their
 * static assets (plain ES modules and CSS from `web/assets`, no build step). Pages load their
 * data from the same API as everyone else, with the session cookie, and stay live through the
 * SSE stream. A role that may not open a page gets a 403 page.
 */
export class WebFrontend implements FallbackHandler {
  constructor(private readonly options: WebFrontendOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path.startsWith('/assets/')) return this.asset(res, path.slice('/assets/'.length), req.method);
    if (path.startsWith('/api/')) return false;
    const r = this.request(req, res, url);
    if (path === '/' && isRead(req)) return this.home(r);
    if (path === '/login' && isRead(req)) return this.loginPage(r, 200, null);
    if (path === '/login' && req.method === 'POST') return this.login(r);
    if (path === '/logout' && req.method === 'POST') return this.logout(r);
    const link = HOUSEHOLD_PATH.exec(path)?.[1];
    if (link && isRead(req)) return this.household(r, link);
    const page = WEB_PAGES.find((p) => p.path === path);
    if (page && isRead(req)) return this.page(r, page);
    if (!accepts(req, 'text/html')) return false;
    this.html(
      r,
      404,
      'error.notFound.title',
      `<h1>${esc(translate(r.dict, 'error.notFound.title'))}</h1>
<p>${esc(translate(r.dict, 'error.notFound.text'))}</p><p><a href="/">${esc(translate(r.dict, 'nav.home'))}</a></p>`,
    );
    return true;
  }

  private request(req: IncomingMessage, res: ServerResponse, url: URL): Request {
    const asked = asLanguage(url.searchParams.get('lang'));
    if (asked)
      res.appendHeader('set-cookie', `${LANG_COOKIE}=${asked}; Path=/; SameSite=Lax; Max-Age=31536000`);
    const lang = asked ?? asLanguage(readCookie(req, LANG_COOKIE)) ?? DEFAULT_LANGUAGE;
    return { req, res, url, lang, dict: dictionary(lang) };
  }

  private home(r: Request): boolean {
    const session = this.options.sessions.fromRequest(r.req);
    redirect(r.res, session ? homeOf(session.principal.role) : '/login');
    return true;
  }

  private page(r: Request, page: WebPage): boolean {
    const session = this.options.sessions.fromRequest(r.req);
    if (!session) {
      redirect(r.res, `/login?next=${encodeURIComponent(page.path)}`);
      return true;
    }
    const role = session.principal.role;
    if (!mayOpen(page, role)) {
      this.html(
        r,
        403,
        'error.forbidden.title',
        `<h1>${esc(translate(r.dict, 'error.forbidden.title'))}</h1>
<p>${esc(translate(r.dict, 'error.forbidden.text', { role: translate(r.dict, `role.${role}`) }))}</p>
<p><a href="${homeOf(role)}">${esc(translate(r.dict, 'nav.home'))}</a></p>`,
        session,
      );
      return true;
    }
    this.html(
      r,
      200,
      page.titleKey,
      `<h1>${esc(translate(r.dict, page.titleKey))}</h1>
<p class="live-state" id="live-state" role="status" aria-live="polite">${esc(translate(r.dict, 'live.connecting'))}</p>
<div id="app" class="page-${page.id}"><p>${esc(translate(r.dict, 'state.loading'))}</p></div>`,
      session,
      page.script,
      { page: page.id, role, csrf: session.csrf, tileUrl: this.options.tileUrl },
    );
    return true;
  }

  /** A citizen's statement: no session, the link is the key; never sent on as a referrer. */
  private household(r: Request, link: string): boolean {
    const statement = this.options.householdStatement?.(link, new Date()) ?? null;
    r.res.setHeader('x-robots-tag', 'noindex, nofollow');
    if (!statement) {
      this.html(
        r,
        404,
        'household.unknownTitle',
        `<h1>${esc(translate(r.dict, 'household.unknownTitle'))}</h1>
<p>${esc(translate(r.dict, 'household.unknownText'))}</p>`,
        undefined,
        undefined,
        undefined,
        'no-referrer',
      );
      return true;
    }
    this.html(
      r,
      200,
      'household.title',
      householdMain(statement, r.lang, r.dict),
      undefined,
      'household.js',
      { page: 'household', months: kgPerMonth(statement) },
      'no-referrer',
    );
    return true;
  }

  private loginPage(
    r: Request,
    status: number,
    error: string | null,
    next = safeNext(r.url.searchParams.get('next')),
  ): boolean {
    if (status === 200 && error === null) {
      const session = this.options.sessions.fromRequest(r.req);
      if (session) {
        redirect(r.res, next ?? homeOf(session.principal.role));
        return true;
      }
    }
    const t = (k: string) => esc(translate(r.dict, k));
    this.html(
      r,
      status,
      'login.title',
      `<h1>${t('login.title')}</h1>
<p>${t('login.intro')}</p>
${error ? `<p class="error" role="alert" id="login-error">${esc(error)}</p>` : ''}
<form class="login" method="post" action="/login">
<label for="token">${t('login.token')}</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required maxlength="200"${
        error ? ' aria-invalid="true" aria-describedby="login-error"' : ''
      }>
${next ? `<input type="hidden" name="next" value="${esc(next)}">` : ''}
<button type="submit">${t('login.submit')}</button>
</form>
<p class="hint">${t('login.citizen')}</p>`,
    );
    return true;
  }

  private async login(r: Request): Promise<boolean> {
    if (!sameOrigin(r.req)) {
      this.loginPage(r, 403, translate(r.dict, 'login.crossOrigin'));
      return true;
    }
    const form = await readForm(r.req);
    const token = form?.get('token')?.trim() ?? '';
    const session = token ? this.options.sessions.open(token) : null;
    if (!session) {
      this.options.log.info({ ip: r.req.socket.remoteAddress }, 'web sign-in refused');
      this.loginPage(r, 401, translate(r.dict, 'login.refused'), safeNext(form?.get('next') ?? null));
      return true;
    }
    this.options.log.info(
      { tokenId: session.principal.tokenId, role: session.principal.role },
      'web sign-in',
    );
    r.res.appendHeader('set-cookie', this.options.sessions.cookieFor(session, this.secure(r.req)));
    const next = safeNext(form?.get('next') ?? null);
    const target = next && WEB_PAGES.some((p) => p.path === next) ? next : homeOf(session.principal.role);
    redirect(r.res, target);
    return true;
  }

  private async logout(r: Request): Promise<boolean> {
    const session = this.options.sessions.fromRequest(r.req);
    const form = await readForm(r.req);
    if (session && !csrfMatches(session, form?.get('csrf') ?? null)) {
      this.html(r, 403, 'error.forbidden.title', `<h1>${esc(translate(r.dict, 'error.csrf'))}</h1>`, session);
      return true;
    }
    if (session) this.options.sessions.close(session.id);
    r.res.appendHeader('set-cookie', clearedSessionCookie());
    redirect(r.res, '/login');
    return true;
  }

  private async asset(res: ServerResponse, rel: string, method: string | undefined): Promise<boolean> {
    const type = CONTENT_TYPES[extname(rel)];
    const file = normalize(`${ASSETS_DIR}${rel}`);
    if (!type || !file.startsWith(ASSETS_DIR) || rel.split('/').includes('..') || file.includes(`${sep}.`)) {
      return false;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    res.writeHead(200, {
      'content-type': type,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  }

  private html(
    r: Request,
    status: number,
    titleKey: string,
    main: string,
    session?: WebSession,
    script?: string,
    config?: Record<string, unknown>,
    referrerPolicy: 'same-origin' | 'no-referrer' = 'same-origin',
  ): void {
    const body = renderShell({
      lang: r.lang,
      dict: r.dict,
      titleKey,
      path: r.url.pathname,
      query: withoutLang(r.url.searchParams),
      main,
      ...(script ? { script } : {}),
      ...(config ? { config } : {}),
      ...(session
        ? {
            signedIn: {
              role: session.principal.role,
              label: session.principal.label,
              csrf: session.csrf,
              pages: pagesFor(session.principal.role),
            },
          }
        : {}),
    });
    r.res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': contentSecurityPolicy(this.options.tileUrl),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': referrerPolicy,
    });
    r.res.end(r.req.method === 'HEAD' ? undefined : body);
  }

  private secure(req: IncomingMessage): boolean {
    return this.options.secureCookies || req.headers['x-forwarded-proto'] === 'https';
  }
}

/** Scripts and styles from this origin only; map tiles from the configured tile server. */
export function contentSecurityPolicy(tileUrl: string | null): string {
  let tiles = '';
  if (tileUrl) {
    try {
      tiles = ` ${new URL(tileUrl.replace(/[{}]/g, '')).origin}`;
    } catch {
      tiles = '';
    }
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${tiles}`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The query string without `lang` (what the language links keep). */
function withoutLang(params: URLSearchParams): string {
  const q = new URLSearchParams(params);
  q.delete('lang');
  return q.toString();
}

function isRead(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

function accepts(req: IncomingMessage, type: string): boolean {
  return (req.headers.accept ?? '').includes(type);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** A local path to go back to after signing in (never another origin: no open redirect). */
export function safeNext(next: string | null): string | null {
  // Visible ASCII only: browsers drop tabs and newlines from URLs, so `/\t/evil.example` would
  // become `//evil.example`; a backslash counts as a slash for them too.
  if (!next || !/^\/[!-~]*$/.test(next) || next.startsWith('//') || next.includes('\\')) return null;
  return next;
}

/** A form POST must come from a page of this origin when the browser says where it comes from. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return null;
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
