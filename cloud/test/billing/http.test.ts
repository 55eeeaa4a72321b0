import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_DIALECTS, chargesCsv } from '../../src/billing/ChargeExport.js';
import { type ApiHarness, startApi } from '../api/harness.js';
import { seedBillingStore } from './storeFixture.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests read JSON bodies whose shape they assert
type Json = any;
/** The JSON body of a response. */
async function json(res: Response | Promise<Response>): Promise<Json> {
  return (await res).json();
}

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
  seedBillingStore(h.store);
});
afterAll(() => h?.close());

describe('billing over HTTP', () => {
  it('runs a closed period, lists its review queue and serves the export files', async () => {
    const run = await json(h.get('/api/v1/billing/periods/2026-H1', h.tokenOf.billing));
    expect(run).toMatchObject({
      periodId: '2026-H1',
      provisional: false,
      totals: { liftsInPeriod: 6, liftsBilled: 4, liftsExcluded: 2 },
    });
    // the 31 December lift (Paris time) is not loaded at all: the period is read by its local days
    expect(run.reviewByReason).toEqual({ 'no-tag': 1, 'unknown-tag': 1 });

    const review = await json(h.get('/api/v1/billing/periods/2026-H1/review', h.tokenOf.billing));
    expect(review.items.map((r: { reason: string }) => r.reason).sort()).toEqual(['no-tag', 'unknown-tag']);

    const res = await h.get('/api/v1/billing/periods/2026-H1/export?dialect=excel-fr', h.tokenOf.billing);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="charges-2026-H1.csv"');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.toString('utf8')).toBe(chargesCsv(h.billing.run('2026-H1', false), CSV_DIALECTS['excel-fr']));
    const control = await (
      await h.get('/api/v1/billing/periods/2026-H1/export?file=control', h.tokenOf.admin)
    ).json();
    expect(control).toMatchObject({ liftBalance: 'ok', liftsInPeriod: 6 });
  });

  it('refuses to export a period that is still open (409) and projects it on demand', async () => {
    const open = await h.get('/api/v1/billing/periods/2099-H1/export', h.tokenOf.billing);
    expect(open.status).toBe(409);
    expect((await json(open)).code).toBe('conflict');
    const projected = await h.get('/api/v1/billing/periods/2099-H1?provisional=true', h.tokenOf.billing);
    expect(await projected.json()).toMatchObject({ provisional: true });
    // auto: one request, final once the period has ended, a projection while it is open
    const auto = async (p: string) => json(h.get(`/api/v1/billing/periods/${p}`, h.tokenOf.billing));
    expect(await auto('2099-H1?provisional=auto')).toMatchObject({ periodId: '2099-H1', provisional: true });
    expect(await auto('2026-H1?provisional=auto')).toMatchObject({ periodId: '2026-H1', provisional: false });
    expect((await auto('2099-H1/review?provisional=auto')).items).toEqual(expect.any(Array));
    expect((await h.get('/api/v1/billing/periods/2026-H7?provisional=auto', h.tokenOf.billing)).status).toBe(
      400,
    );
    expect((await h.get('/api/v1/billing/periods/2026-H7', h.tokenOf.billing)).status).toBe(400);
  });

  it('gives a household a secret link that opens its statement and nothing else', async () => {
    const link = await json(
      fetch(`${h.api.url}/api/v1/billing/households/H1/citizen-link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokenOf.billing}` },
      }),
    );
    expect(link.path).toBe(`/household/${link.token}`);
    const statement = await json(h.get(`/api/v1/citizen/${link.token}/statement`));
    // the statement is of the current period (the lifts of the fixture are in 2026-H1)
    expect(statement).toMatchObject({ householdId: 'H1', name: 'Famille Dupont; "Les Pins"' });
    expect(statement.period.id).toMatch(/^\d{4}-H[12]$/);
    // a token altered by one character, or made for another id, opens nothing
    const forged = `${link.token.slice(0, 10)}${link.token[10] === 'A' ? 'B' : 'A'}${link.token.slice(11)}`;
    expect((await h.get(`/api/v1/citizen/${forged}/statement`)).status).toBe(404);
    expect(
      (
        await h.get(
          `/api/v1/citizen/${link.token.slice(0, 43)}${Buffer.from('S1').toString('base64url')}/statement`,
        )
      ).status,
    ).toBe(404);
    const page = await h.get(link.path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Famille Dupont');
    expect(
      (await h.get('/api/v1/billing/households/H1/statement', h.tokenOf['beacon-operator'])).status,
    ).toBe(403);
    expect((await h.get('/api/v1/billing/households/nobody/statement', h.tokenOf.billing)).status).toBe(404);
  });

  it("revokes one household's link: the old one opens nothing, the next one given works", async () => {
    const call = (method: 'POST' | 'DELETE', household = 'H1') =>
      fetch(`${h.api.url}/api/v1/billing/households/${household}/citizen-link`, {
        method,
        headers: { authorization: `Bearer ${h.tokenOf.billing}` },
      });
    const before = await json(call('POST'));
    expect((await h.get(`/api/v1/citizen/${before.token}/statement`)).status).toBe(200);
    const revoked = await call('DELETE');
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ householdId: 'H1', revocations: 1 });
    expect((await h.get(`/api/v1/citizen/${before.token}/statement`)).status).toBe(404);
    expect((await h.get(before.path)).status).toBe(404);
    const after = await json(call('POST'));
    expect(after.token).not.toBe(before.token);
    expect(await json(h.get(`/api/v1/citizen/${after.token}/statement`))).toMatchObject({
      householdId: 'H1',
    });
    expect((await call('DELETE', 'nobody')).status).toBe(404);
    expect(
      (
        await fetch(`${h.api.url}/api/v1/billing/households/H1/citizen-link`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${h.tokenOf.dispatcher}` },
        })
      ).status,
    ).toBe(403);
  });
});
