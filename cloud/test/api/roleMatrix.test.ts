import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS, mayCall } from '../../src/auth/accessTable.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { ROUTES } from '../../src/api/routeTable.js';
import { type ApiHarness, startApi } from './harness.js';
import { BEACON, recordOf, seedRegistry, truckStatus } from './fixtures.js';

/** Values for path parameters, naming things the seeded store has. */
const PATH_VALUES: Record<string, string> = {
  truckId: 'truck-01',
  beaconId: BEACON,
  periodId: '2025',
  householdId: 'acc-1',
  token: 'set in beforeAll',
};

type Caller = { name: string; token: (h: ApiHarness) => string | null; role: Role | null };
const CALLERS: Caller[] = [
  { name: 'no token', token: () => null, role: null },
  { name: 'bad token', token: () => 'rlv_not-a-real-token-at-all-000000000000000', role: null },
  ...ROLES.map((role) => ({ name: role, token: (h: ApiHarness) => h.tokenOf[role], role })),
];

function expectedStatus(routeId: keyof typeof ROUTE_ACCESS, caller: Caller): number {
  if (ROUTE_ACCESS[routeId] === 'public') return 200;
  if (caller.role === null) return 401;
  return mayCall(routeId, caller.role) ? 200 : 403;
}

const urlOf = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => PATH_VALUES[name] ?? 'x');

describe('role matrix: every route × every caller, over HTTP', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi();
    seedRegistry(h.store);
    PATH_VALUES.token = h.billing.links.tokenFor('acc-1');
    h.store.writeBatch([
      recordOf('truckStatus', 'truck-01', truckStatus('truck-01', 1, Date.now() - 60_000), Date.now()),
    ]);
    h.readiness.register('test', () => true);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('covers every route of the table, and the table has an entry for every route', () => {
    expect(new Set(ROUTES.map((r) => r.id))).toEqual(new Set(Object.keys(ROUTE_ACCESS)));
  });

  for (const route of ROUTES) {
    for (const caller of CALLERS) {
      const want = expectedStatus(route.id, caller);
      it(`${route.method} ${route.path} as ${caller.name} → ${want}`, async () => {
        const ac = new AbortController();
        const res = await fetch(`${h.api.url}${urlOf(route.path)}`, {
          method: route.method,
          signal: ac.signal,
          headers: caller.token(h) === null ? {} : { authorization: `Bearer ${caller.token(h)}` },
        });
        expect(res.status).toBe(want);
        if (want === 200) {
          expect(res.headers.get('content-type')).toContain(route.response.contentType);
        } else {
          const body = (await res.json()) as { code: string; status: number };
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          expect(body.status).toBe(want);
          expect(body.code).toBe(want === 401 ? 'unauthorized' : 'forbidden');
          if (want === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
        }
        ac.abort(); // ends streams (SSE)
        await res.body?.cancel().catch(() => {});
      });
    }
  }

  it('never lets the beacon operator reach trucks, lifts, households or dead letters', () => {
    const forbidden = ROUTES.filter(
      (r) =>
        (['trucks', 'lifts', 'billing'].includes(r.tag) && r.id !== 'citizenStatement') ||
        r.id === 'listDeadLetters',
    );
    expect(forbidden.length).toBeGreaterThan(0);
    for (const r of forbidden) expect(mayCall(r.id, 'beacon-operator')).toBe(false);
  });

  it('refuses a revoked token with 401', async () => {
    const t = h.tokens.issue('admin', 'to revoke');
    expect((await h.get('/api/v1/whoami', t.secret)).status).toBe(200);
    expect(h.tokens.revoke(t.id)).toBe(true);
    expect((await h.get('/api/v1/whoami', t.secret)).status).toBe(401);
  });

  it('answers 404 and 405 as problems', async () => {
    const nf = await h.get('/api/v1/nothing-here', h.tokenOf.admin);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { code: string }).code).toBe('not-found');
    const na = await fetch(`${h.api.url}/api/v1/trucks`, { method: 'DELETE' });
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('GET');
  });
});
