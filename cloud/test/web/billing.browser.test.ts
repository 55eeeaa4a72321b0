import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiftEvent } from '@releve/shared';
import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBillingStore } from '../billing/storeFixture.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

const eurFr = (cents: number) =>
  new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(cents / 100);

/** A lift of household H1's bin on a day of 2026-H1 (a closed period). */
function h1Lift(seq: number, startedAt: string, netG: number): LiftEvent {
  return {
    id: `00000000-0000-4000-9000-${String(seq).padStart(12, '0')}`,
    seq,
    ts: startedAt,
    truckId: 'truck-01',
    startedAt,
    tag: { scheme: 'fdx-b', id: '250-000000000001' },
    grossWeightG: netG + 12_000,
    tareWeightG: 12_000,
    netWeightG: netG,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags: [],
    tripSeq: 1,
    position: null,
  };
}

describe.skipIf(!hasChromium)('billing office page in headless Chromium', () => {
  let cloud: WebCloud;
  const browser = new Browser();

  beforeAll(async () => {
    cloud = await WebCloud.create();
    seedBillingStore(cloud.store);
    await cloud.start();
    await browser.start();
  }, 90_000);

  afterAll(async () => {
    await browser.stop();
    await cloud?.stop();
  });

  it('runs a closed period, lists the lifts to review, reruns on a new lift, and downloads the export the API serves', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.billing);
    expect(new URL(page.url()).pathname).toBe('/billing');
    await page.getByLabel('Période', { exact: true }).fill('2026-H1');
    await page.getByRole('button', { name: 'Calculer' }).click();
    const run = cloud.billing.run('2026-H1', false);
    await expect.poll(() => page.locator('#amount').textContent()).toBe(eurFr(run.totals.amountCents));
    expect(await page.locator('#lifts-in-period').textContent()).toBe(String(run.totals.liftsInPeriod));
    expect(await page.locator('#to-review').textContent()).toBe('2');
    const reasons = await page.locator('#review-table tbody td.reason').allTextContents();
    expect(reasons.sort()).toEqual(['bac inconnu', 'puce illisible']);
    // the engine's detail is English prose: marked so (screen readers, translators)
    expect(await page.locator('#review-table tbody td[lang="en"]').count()).toBe(2);
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    await browser.screenshot(page, 'billing');

    // A lift of the period arrives (a truck's backlog) after the page loaded: the period reruns.
    await cloud.send('lift', 'truck-01', [h1Lift(50, '2026-06-15T08:00:00.000Z', 12_000)]);
    await expect
      .poll(() => page.locator('#lifts-in-period').textContent(), { timeout: 20_000 })
      .toBe(String(run.totals.liftsInPeriod + 1));

    // The charge file downloads, byte for byte what the API serves to a bearer token.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download-charges').click(),
    ]);
    expect(download.suggestedFilename()).toBe('charges-2026-H1.csv');
    const file = readFileSync((await download.path()) as string);
    const api = await fetch(
      `${cloud.url}/api/v1/billing/periods/2026-H1/export?file=charges&dialect=excel-fr`,
      {
        headers: { authorization: `Bearer ${cloud.tokenOf.billing}` },
      },
    );
    expect(file.equals(Buffer.from(await api.arrayBuffer()))).toBe(true);
    expect(file.toString('utf8')).toContain('Famille Dupont');
  });

  it('previews an open period without exports, one run request each time and no failed request or console error', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.billing);
    // The sign-in lands on this page: leave it (closing its event stream) before listening.
    await page.goto('about:blank');
    const problems: string[] = [];
    const runs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    const runRequests: string[] = [];
    const runOf = (url: string) => {
      const u = new URL(url);
      return /^\/api\/v1\/billing\/periods\/[^/]+$/.test(u.pathname) ? u.pathname + u.search : null;
    };
    page.on('request', (r) => {
      const run = runOf(r.url());
      if (run) runRequests.push(run);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
      const run = runOf(r.url());
      if (run) runs.push(run);
    });
    // The page opens on the current month: an open period.
    await page.goto(`${cloud.url}/billing`);
    const month = new Date().toISOString().slice(0, 7);
    await page.locator('#h-totals', { hasText: 'aperçu provisoire' }).waitFor();
    expect(await page.locator('#exports-open').count()).toBe(1);
    expect(runs).toEqual([`/api/v1/billing/periods/${month}?provisional=auto`]);

    // A lift of today reruns it: again one request.
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    const before = Number(await page.locator('#lifts-in-period').textContent());
    await cloud.send('lift', 'truck-01', [h1Lift(70, new Date().toISOString(), 9_500)]);
    await expect
      .poll(() => page.locator('#lifts-in-period').textContent(), { timeout: 20_000 })
      .toBe(String(before + 1));
    expect(runs).toHaveLength(2);

    // Another period. A rerun of the month still under way (a live event the stream delivered
    // late) may answer after it, and must not draw over it.
    const thisYear = new Date().toISOString().slice(0, 4);
    const runsBefore = runs.length;
    const asked = runRequests.length;
    await page.getByLabel('Période', { exact: true }).fill(thisYear);
    await page.getByRole('button', { name: 'Calculer' }).click();
    await page.locator('#h-totals', { hasText: thisYear }).waitFor();
    await expect.poll(() => runs.length).toBe(runRequests.length);
    expect(await page.locator('#h-totals').textContent()).toContain(thisYear);
    expect(await page.locator('#h-totals').textContent()).toContain('aperçu provisoire');
    expect(await page.locator('#exports-open').count()).toBe(1);
    const year = `/api/v1/billing/periods/${thisYear}?provisional=auto`;
    // Every request since the click is for the year (a rerun timer of the lift may add one).
    expect(new Set(runRequests.slice(asked))).toEqual(new Set([year]));
    expect(runs.slice(runsBefore)).toContain(year);
    expect(problems).toEqual([]);
  });

  it('shows a household statement and gives the household its personal link, which opens without signing in', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.billing);
    await page.getByLabel('Identifiant du foyer').fill('H1');
    await page.getByRole('button', { name: 'Voir le relevé' }).click();
    const s = cloud.billing.statement('H1');
    await expect.poll(() => page.locator('#statement-so-far').textContent()).toBe(eurFr(s.charge.soFarCents));
    // Creating the link is a POST with the session's CSRF token.
    await page.getByRole('button', { name: 'Créer le lien personnel du foyer' }).click();
    const url = (await page.locator('#citizen-link-url').getAttribute('href')) ?? '';
    expect(url).toMatch(/\/household\/[A-Za-z0-9_-]{16,}$/);
    await browser.screenshot(page, 'billing-household');

    const citizen = await browser.freshPage();
    const res = await citizen.goto(url);
    expect(res?.status()).toBe(200);
    expect(await citizen.locator('#household-name').textContent()).toContain('Famille Dupont');
    expect(await citizen.locator('#household-so-far').textContent()).toBe(eurFr(s.charge.soFarCents));
    await browser.screenshot(citizen, 'household-from-link');

    // Revoking the link (a DELETE with the session's CSRF token): the citizen's page is gone,
    // and the next link created is a new one that opens.
    const office = await browser.signIn(cloud.url, cloud.tokenOf.billing);
    await office.getByLabel('Identifiant du foyer').fill('H1');
    await office.getByRole('button', { name: 'Voir le relevé' }).click();
    await office.getByRole('button', { name: 'Révoquer le lien personnel du foyer' }).click();
    await office.locator('#citizen-link-revoked').waitFor();
    await office.getByRole('button', { name: 'Créer le lien personnel du foyer' }).click();
    const next = (await office.locator('#citizen-link-url').getAttribute('href')) ?? '';
    expect(next).toMatch(/\/household\/[A-Za-z0-9_-]{16,}$/);
    expect(next).not.toBe(url);
    const later = await browser.freshPage();
    expect((await later.goto(url))?.status()).toBe(404);
    expect((await later.goto(next))?.status()).toBe(200);
  });

  it('says once what went wrong while billing cannot run, however many lifts arrive, and clears it when it can again', async () => {
    const tariffFile = join(cloud.dir, 'tariff.json');
    const tariff = readFileSync(tariffFile);
    // a tariff file broken by hand: billing refuses every run until it is fixed
    const rewrite = (text: string | Buffer, secondsAhead: number) => {
      writeFileSync(tariffFile, text);
      const at = new Date(Date.now() + secondsAhead * 1000);
      utimesSync(tariffFile, at, at); // a new mtime even within the file system's time resolution
    };
    rewrite('plans: {}\n', 10);
    try {
      const page = await browser.signIn(cloud.url, cloud.tokenOf.billing);
      const errors = page.locator('#app > .error[role="alert"]');
      await expect.poll(() => errors.count()).toBe(1);
      let runs = 0;
      page.on('response', (r) => {
        if (r.url().includes('/api/v1/billing/periods/')) runs += 1;
      });
      await page.locator('#live-state[data-state="live.on"]').waitFor();
      // each lift reruns the period (coalesced over a second), and each run fails
      await cloud.send('lift', 'truck-01', [h1Lift(60, '2026-06-16T08:00:00.000Z', 11_000)]);
      await expect.poll(() => runs, { timeout: 20_000 }).toBeGreaterThan(0);
      const first = runs;
      await cloud.send('lift', 'truck-01', [h1Lift(61, '2026-06-17T08:00:00.000Z', 11_500)]);
      await expect.poll(() => runs, { timeout: 20_000 }).toBeGreaterThan(first);
      expect(await errors.count()).toBe(1);
      expect(await errors.textContent()).toContain('Erreur');

      rewrite(tariff, 20);
      await cloud.send('lift', 'truck-01', [h1Lift(62, '2026-06-18T08:00:00.000Z', 12_500)]);
      await expect.poll(() => errors.count(), { timeout: 20_000 }).toBe(0);
      expect(await page.locator('#amount').textContent()).toMatch(/€/);
    } finally {
      rewrite(tariff, 30);
    }
  });

  it('is not a dispatcher page', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    expect(await page.locator('header nav a').allTextContents()).toEqual(['Exploitation des tournées']);
    const res = await page.goto(`${cloud.url}/billing`);
    expect(res?.status()).toBe(403);
  });
});
