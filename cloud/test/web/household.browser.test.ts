import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { householdStatement } from '../../src/billing/HouseholdStatement.js';
import { tariff } from '../billing/fixtures.js';
import { seedBillingStore } from '../billing/storeFixture.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

/** The personal link of household H1 in this test (billing's link mechanism stands behind it). */
const LINK = 'h1-Xk2m9QpL7vTn4RwZ8sYc';
const NOW = new Date('2026-06-01T10:00:00Z');
const eur = (cents: number, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(cents / 100);

describe.skipIf(!hasChromium)('citizen statement page in headless Chromium', () => {
  const cloud = new WebCloud({
    householdStatement: (secret) =>
      secret === LINK ? householdStatement(cloud.store.db, 'H1', tariff(), NOW) : null,
  });
  const browser = new Browser();

  beforeAll(async () => {
    seedBillingStore(cloud.store);
    await cloud.start();
    await browser.start();
  }, 90_000);

  afterAll(async () => {
    await browser.stop();
    await cloud.stop();
  });

  it('opens from the personal link without signing in and shows what billing computed', async () => {
    const expected = householdStatement(cloud.store.db, 'H1', tariff(), NOW);
    const page = await browser.freshPage();
    const res = await page.goto(`${cloud.url}/household/${LINK}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(res?.headers()['x-robots-tag']).toContain('noindex');
    expect(await page.locator('#household-name').textContent()).toContain('Famille Dupont; "Les Pins"');
    expect(await page.locator('#household-lifts').textContent()).toBe(String(expected.totals.lifts));
    expect(await page.locator('#household-so-far').textContent()).toBe(
      eur(expected.charge.soFarCents, 'fr-FR'),
    );
    expect(await page.locator('#household-projected').textContent()).toBe(
      eur(expected.charge.projectedCents, 'fr-FR'),
    );
    expect(await page.locator('#household-lifts-table tbody tr').count()).toBe(expected.lifts.length);
    expect(await page.locator('#household-charge-table tbody tr').count()).toBe(expected.charge.lines.length);
    expect(await page.locator('#household-lifts-table tbody').textContent()).toContain(
      'sous le minimum de pesée',
    );
    // kg per month: March and April.
    await page.locator('#household-chart svg.chart').waitFor();
    expect(await page.locator('#household-chart rect.bar').count()).toBe(2);
    // No navigation and no sign-out: a citizen has no session.
    expect(await page.locator('header nav').count()).toBe(0);
    await browser.screenshot(page, 'household');

    await page.getByRole('link', { name: 'English' }).click();
    await page.locator('h1', { hasText: 'Your waste statement' }).waitFor();
    expect(await page.locator('#household-projected').textContent()).toBe(
      eur(expected.charge.projectedCents, 'en-GB'),
    );
    await browser.screenshot(page, 'household-english');
  });

  it('shows nothing for an unknown link, to anyone, signed in or not', async () => {
    const page = await browser.freshPage();
    const res = await page.goto(`${cloud.url}/household/not-the-link-0000000000`);
    expect(res?.status()).toBe(404);
    const operator = await browser.signIn(cloud.url, cloud.tokenOf['beacon-operator']);
    const again = await operator.goto(`${cloud.url}/household/not-the-link-0000000000`);
    expect(again?.status()).toBe(404);
    expect(await operator.locator('body').textContent()).not.toContain('Dupont');
  });
});
