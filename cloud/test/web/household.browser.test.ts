import type { LiftEvent } from '@releve/shared';
import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBillingStore } from '../billing/storeFixture.js';
import { unitPriceCents } from '../../src/web/householdPage.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

const eur = (cents: number, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(cents / 100);

/** A lift of household H1's bin (tag of the billing fixture) `daysAgo` days before now. */
function h1Lift(seq: number, daysAgo: number, netG: number, flags: LiftEvent['flags'] = []): LiftEvent {
  const at = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  return {
    id: `00000000-0000-4000-a000-${String(seq).padStart(12, '0')}`,
    seq,
    ts: at,
    truckId: 'truck-01',
    startedAt: at,
    tag: { scheme: 'fdx-b', id: '250-000000000001' },
    grossWeightG: netG + 12_000,
    tareWeightG: 12_000,
    netWeightG: netG,
    scaleIntervalG: 500,
    minimumG: 5000,
    flags,
    tripSeq: 1,
    position: null,
  };
}

describe.skipIf(!hasChromium)('citizen statement page in headless Chromium', () => {
  let cloud: WebCloud;
  const browser = new Browser();

  beforeAll(async () => {
    cloud = await WebCloud.create();
    seedBillingStore(cloud.store);
    await cloud.start();
    await browser.start();
    // Lifts of the current billing period, through the broker and the ingest.
    await cloud.send('lift', 'truck-01', [
      h1Lift(1, 40, 21_000),
      h1Lift(2, 2, 18_500),
      h1Lift(3, 1, 4_500, ['below-minimum']),
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser.stop();
    await cloud?.stop();
  });

  it('opens from the personal link without signing in and shows what billing computed', async () => {
    const link = cloud.billing.links.tokenFor('H1');
    const page = await browser.freshPage();
    const res = await page.goto(`${cloud.url}/household/${link}`);
    const expected = cloud.billing.statement('H1');
    expect(res?.status()).toBe(200);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(res?.headers()['x-robots-tag']).toContain('noindex');
    expect(await page.locator('#household-name').textContent()).toContain('Famille Dupont; "Les Pins"');
    expect(expected.totals.lifts).toBe(3);
    expect(await page.locator('#household-lifts').textContent()).toBe('3');
    expect(await page.locator('#household-so-far').textContent()).toBe(
      eur(expected.charge.soFarCents, 'fr-FR'),
    );
    expect(await page.locator('#household-projected').textContent()).toBe(
      eur(expected.charge.projectedCents, 'fr-FR'),
    );
    expect(await page.locator('#household-lifts-table tbody tr').count()).toBe(3);
    expect(await page.locator('#household-charge-table tbody tr').count()).toBe(expected.charge.lines.length);
    expect(await page.locator('#household-lifts-table tbody').textContent()).toContain(
      'sous le minimum de pesée',
    );
    // Every figure in French: unit prices in words, quantities and averages with a decimal comma.
    const charge = page.locator('#household-charge-table tbody');
    for (const [i, line] of expected.charge.lines.entries()) {
      const cells = charge.locator('tr').nth(i).locator('td');
      expect(await cells.nth(1).textContent()).toContain(
        { fixed: 'par an', lifts: 'par levée', weight: 'par kg' }[line.product],
      );
      expect(await cells.nth(1).locator('code').textContent()).toContain(line.subArticle);
      expect(await cells.nth(2).textContent()).toBe(
        `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 3 }).format(Number(line.quantity))} ${
          { day: 'jours', lift: 'levées', kg: 'kg' }[line.unit]
        }`,
      );
      // (a price per kg keeps its third decimal: 23.5 cents is 0,235 €)
      if (line.product !== 'weight')
        expect(await cells.nth(1).textContent()).toContain(eur(unitPriceCents(line.unitPriceCents), 'fr-FR'));
    }
    const prose = `${await page.locator('#household-comparison').textContent()}${await charge
      .locator('td:not(:has(code))')
      .allTextContents()}`;
    expect(prose).not.toMatch(/\d\.\d|NaN/);
    // the fixed part's unit price is per year (billing gives it per day: `18000/365`)
    const fixed = expected.charge.lines.find((l) => l.product === 'fixed');
    expect(fixed?.unitPriceCents).toMatch(/^\d+\/36[56]$/);
    expect(await charge.locator('tr').first().textContent()).toContain(
      `${eur(Number(fixed?.unitPriceCents.split('/')[0]), 'fr-FR')} par an`,
    );
    // kg per month: one bar per calendar month with lifts.
    const months = new Set(expected.lifts.map((l) => l.day.slice(0, 7)));
    await page.locator('#household-chart svg.chart').waitFor();
    expect(await page.locator('#household-chart rect.bar').count()).toBe(months.size);
    // No navigation and no sign-out: a citizen has no session.
    expect(await page.locator('header nav').count()).toBe(0);
    await browser.screenshot(page, 'household');

    await page.getByRole('link', { name: 'English' }).click();
    await page.locator('h1', { hasText: 'Your waste statement' }).waitFor();
    expect(await page.locator('#household-projected').textContent()).toBe(
      eur(expected.charge.projectedCents, 'en-GB'),
    );
    expect(await page.locator('#household-charge-table tbody').textContent()).toContain('a year');
    await browser.screenshot(page, 'household-english');
  });

  it('shows nothing for an unknown or altered link, to anyone, signed in or not', async () => {
    const link = cloud.billing.links.tokenFor('H1');
    const altered = `${link.slice(0, 10)}${link[10] === 'A' ? 'B' : 'A'}${link.slice(11)}`;
    const page = await browser.freshPage();
    for (const l of ['not-the-link-0000000000', altered]) {
      const res = await page.goto(`${cloud.url}/household/${l}`);
      expect(res?.status()).toBe(404);
    }
    const operator = await browser.signIn(cloud.url, cloud.tokenOf['beacon-operator']);
    const again = await operator.goto(`${cloud.url}/household/${altered}`);
    expect(again?.status()).toBe(404);
    expect(await operator.locator('body').textContent()).not.toContain('Dupont');
  });
});
