import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiPrincipal } from './ApiTokenStore.js';

/** Name of the session cookie (HttpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'releve_session';
/** Header carrying the session's CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token';

/** What a session needs to check the token it was opened with (the `ApiTokenStore`). */
export interface SessionTokenVerifier {
  verify(secret: string): ApiPrincipal | null;
}

/** A signed-in browser. */
export interface WebSession {
  id: string;
  /** Sent back by pages in `x-csrf-token` (or a form field) on POST, PUT, DELETE. */
  csrf: string;
  principal: ApiPrincipal;
  expiresAt: number;
}

interface Held extends WebSession {
  /** The API token the person signed in with: kept in memory only, re-verified on each use. */
  secret: string;
}

export interface WebSessionsOptions {
  tokens: SessionTokenVerifier;
  /** Idle lifetime, ms (default 8 h: a working day). */
  idleMs?: number;
  now?: () => number;
}

/**
 * Browser sessions: a person signs in with their API token and gets a random session id in
 * an HttpOnly, SameSite=Strict cookie (EventSource cannot send an Authorization header). The
 * session keeps the token in memory and verifies it again on every request, so revoking the
 * token ends the session at once and the role is exactly the token's. Sessions live in this
 * process only: a restart signs everyone out.
 *
 * CSRF: SameSite=Strict already keeps the cookie off cross-site requests; state-changing
 * requests must also carry the session's CSRF token (`x-csrf-token`), which a page of another
 * origin cannot read.
 */
export class WebSessions {
  private readonly held = new Map<string, Held>();
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WebSessionsOptions) {
    this.idleMs = options.idleMs ?? 8 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  /** Opens a session for a presented API token; null when the token is unknown or revoked. */
  open(secret: string): WebSession | null {
    const principal = this.options.tokens.verify(secret);
    if (!principal) return null;
    this.sweep();
    const s: Held = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(24).toString('base64url'),
      principal,
      secret,
      expiresAt: this.now() + this.idleMs,
    };
    this.held.set(s.id, s);
    return publicView(s);
  }

  /** The live session of a cookie value (sliding expiry); null when unknown, expired or revoked. */
  resume(id: string): WebSession | null {
    const s = this.held.get(id);
    if (!s) return null;
    const principal = s.expiresAt > this.now() ? this.options.tokens.verify(s.secret) : null;
    if (!principal) {
      this.held.delete(id);
      return null;
    }
    s.principal = principal;
    s.expiresAt = this.now() + this.idleMs;
    return publicView(s);
  }

  /** The session of a request's cookie, if any. */
  fromRequest(req: IncomingMessage): WebSession | null {
    const id = readCookie(req, SESSION_COOKIE);
    return id ? this.resume(id) : null;
  }

  /** Ends a session (logout). */
  close(id: string): void {
    this.held.delete(id);
  }

  /** Open sessions (after dropping expired ones). */
  get size(): number {
    this.sweep();
    return this.held.size;
  }

  /** `Set-Cookie` value opening `session` (Secure when served over HTTPS). */
  cookieFor(session: WebSession, secure: boolean): string {
    const maxAge = Math.round(this.idleMs / 1000);
    return `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.held) if (s.expiresAt <= t) this.held.delete(id);
  }
}

/** `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** Whether a presented CSRF token is the session's (constant-time comparison). */
export function csrfMatches(session: WebSession, presented: string | undefined | null): boolean {
  if (!presented) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie of a request (RFC 6265 `Cookie` header: `name=value; name2=value2`). */
export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

function publicView(s: Held): WebSession {
  return { id: s.id, csrf: s.csrf, principal: s.principal, expiresAt: s.expiresAt };
}
