import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/api/ApiServer.js';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { defineRoute } from '../../src/api/route.js';
import { ROLES } from '../../src/auth/roles.js';
import { WebSessions } from '../../src/auth/WebSessions.js';
import { dictionary, LANGUAGES } from '../../src/web/dictionary.js';
import { mayOpen, WEB_PAGES } from '../../src/web/pages.js';
import { type ApiHarness, startApi } from '../api/harness.js';

/** Signs in over HTTP as a browser would (form POST) and returns the cookie header value. */
async function signIn(h: ApiHarness, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.api.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('web sign-in, session cookie and CSRF, over HTTP', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('exchanges an API token for an HttpOnly, SameSite=Strict cookie that the API accepts with the same role', async () => {
    const res = await signIn(h, h.tokenOf.billing, { origin: h.api.url });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/billing');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^releve_session=[\w-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain(h.tokenOf.billing);
    const cookie = cookieOf(res);
    const who = await h.get('/api/v1/whoami', null, { cookie });
    expect(who.status).toBe(200);
    expect(((await who.json()) as { role: string }).role).toBe('billing');
    // Same role as the token: billing may not read trucks.
    expect((await h.get('/api/v1/trucks', null, { cookie })).status).toBe(403);
    // The SSE stream accepts the cookie (what EventSource sends).
    const ac = new AbortController();
    const sse = await fetch(`${h.api.url}/api/v1/events`, { headers: { cookie }, signal: ac.signal });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    ac.abort();
  });

  it('refuses an unknown token, and a sign-in form posted from another origin', async () => {
    const bad = await signIn(h, 'rlv_not-a-real-token-at-all-000000000000000');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(await bad.text()).toContain('Jeton inconnu ou révoqué.');
    const cross = await signIn(h, h.tokenOf.admin, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
  });

  it('ends the session when its token is revoked', async () => {
    const t = h.tokens.issue('dispatcher', 'to revoke');
    const cookie = cookieOf(await signIn(h, t.secret));
    expect((await h.get('/api/v1/trucks', null, { cookie })).status).toBe(200);
    h.tokens.revoke(t.id);
    expect((await h.get('/api/v1/trucks', null, { cookie })).status).toBe(401);
    const page = await fetch(`${h.api.url}/dispatch`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fdispatch');
  });

  it('needs the CSRF token to sign out, and then forgets the session', async () => {
    const cookie = cookieOf(await signIn(h, h.tokenOf.dispatcher));
    const noCsrf = await fetch(`${h.api.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=wrong',
    });
    expect(noCsrf.status).toBe(403);
    expect((await h.get('/api/v1/whoami', null, { cookie })).status).toBe(200);
    const html = await (await fetch(`${h.api.url}/dispatch`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csrf.length).toBeGreaterThan(20);
    const out = await fetch(`${h.api.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await h.get('/api/v1/whoami', null, { cookie })).status).toBe(401);
  });

  it('asks a cookie session for its CSRF token on state-changing API calls, and not a bearer token', async () => {
    const sessions = new WebSessions({ tokens: h.tokens });
    const server = new ApiServer({
      routes: [
        defineRoute({
          id: 'whoami',
          method: 'POST',
          path: '/api/v1/state-change',
          tag: 'test',
          summary: 'a state-changing route',
          response: { status: 200, contentType: 'application/json', description: 'ok' },
          handle: () => ({ json: { changed: true } }),
        }),
      ],
      tokens: h.tokens,
      sessions,
      host: '127.0.0.1',
      port: 0,
      context: {
        metrics: new CloudMetrics(false),
        log: pino({ level: 'silent' }),
        sseHeartbeatMs: 15_000,
        openapi: () => ({}),
        // Not used by this route.
        readModel: null as never,
        beaconFleet: null as never,
        readiness: null as never,
        events: null as never,
      },
    });
    await server.start();
    try {
      const s = sessions.open(h.tokenOf.admin);
      if (!s) throw new Error('no session');
      const cookie = `releve_session=${s.id}`;
      const call = (headers: Record<string, string>) =>
        fetch(`${server.url}/api/v1/state-change`, { method: 'POST', headers });
      const without = await call({ cookie });
      expect(without.status).toBe(403);
      expect(((await without.json()) as { detail: string }).detail).toContain('x-csrf-token');
      expect((await call({ cookie, 'x-csrf-token': 'forged' })).status).toBe(403);
      expect((await call({ cookie, 'x-csrf-token': s.csrf })).status).toBe(200);
      expect((await call({ authorization: `Bearer ${h.tokenOf.admin}` })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('serves pages with a strict content security policy and no inline script', async () => {
    const cookie = cookieOf(await signIn(h, h.tokenOf.admin));
    for (const p of WEB_PAGES) {
      const res = await fetch(`${h.api.url}${p.path}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain('<html lang="fr">');
      expect(html).toContain('<a class="skip" href="#main">');
      // Only JSON data and module scripts from /assets: nothing the CSP would have to allow inline.
      for (const m of html.matchAll(/<script([^>]*)>/g))
        expect(m[1]).toMatch(/type="(module|application\/json)"/);
    }
  });

  it('serves assets and nothing outside the assets folder', async () => {
    const css = await fetch(`${h.api.url}/assets/app.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    const js = await fetch(`${h.api.url}/assets/pages/dispatch.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    for (const path of [
      '/assets/../WebFrontend.ts',
      '/assets/%2e%2e/WebFrontend.ts',
      '/assets/../i18n/fr.json',
    ]) {
      const res = await fetch(`${h.api.url}${path}`);
      expect(res.status).toBe(404);
    }
  });

  it('sends a page of a role it may not open a 403 page, and a stranger to the sign-in page', async () => {
    for (const role of ROLES) {
      const cookie = cookieOf(await signIn(h, h.tokenOf[role]));
      for (const p of WEB_PAGES) {
        const res = await fetch(`${h.api.url}${p.path}`, { headers: { cookie }, redirect: 'manual' });
        expect(res.status, `${role} ${p.path}`).toBe(mayOpen(p, role) ? 200 : 403);
      }
    }
    const anon = await fetch(`${h.api.url}/billing`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/login?next=%2Fbilling');
    expect(mayOpen(WEB_PAGES.find((p) => p.id === 'billing')!, 'beacon-operator')).toBe(false);
    expect(mayOpen(WEB_PAGES.find((p) => p.id === 'dispatch')!, 'beacon-operator')).toBe(false);
  });

  it('keeps the page asked for when the language changes on the sign-in page', async () => {
    const res = await fetch(`${h.api.url}/login?next=%2Fbilling`);
    const html = await res.text();
    expect(html).toContain('href="/login?next=%2Fbilling&amp;lang=en"');
    const en = await fetch(`${h.api.url}/login?next=%2Fbilling&lang=en`);
    expect(en.headers.get('set-cookie')).toContain('releve_lang=en');
    expect(await en.text()).toContain('<input type="hidden" name="next" value="/billing">');
  });

  it('sends / to the role’s own page or to sign-in, and answers an unknown page with an HTML 404 for browsers', async () => {
    const home = async (cookie?: string) =>
      (await fetch(`${h.api.url}/`, { redirect: 'manual', headers: cookie ? { cookie } : {} })).headers.get(
        'location',
      );
    expect(await home()).toBe('/login');
    expect(await home(cookieOf(await signIn(h, h.tokenOf['beacon-operator'])))).toBe('/beacons');
    expect(await home(cookieOf(await signIn(h, h.tokenOf.billing)))).toBe('/billing');
    expect(await home(cookieOf(await signIn(h, h.tokenOf.dispatcher)))).toBe('/dispatch');
    const page = await fetch(`${h.api.url}/nowhere`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Page introuvable');
    // API clients keep getting problem+json.
    const api = await fetch(`${h.api.url}/nowhere`, { headers: { accept: 'application/json' } });
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });

  it('has the same keys in every language dictionary', () => {
    const keys = LANGUAGES.map((l) => Object.keys(dictionary(l)).sort());
    for (const k of keys) expect(k).toEqual(keys[0]);
  });
});
