import type { LiftEvent } from '@releve/shared';
import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lift, online, seedRegistry, truckStatus } from '../api/fixtures.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

/** A time `secondsAgo` before now, but never before today's local midnight (Paris). */
function todayAgo(secondsAgo: number): number {
  const now = Date.now();
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(now));
  let midnight = Date.parse(`${day}T00:00:00.000Z`) - 2 * 3600_000;
  while (new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(midnight)) !== day)
    midnight += 3600_000;
  return Math.max(now - secondsAgo * 1000, midnight + 1000);
}

const kgFr = (g: number) =>
  `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(g / 1000)} kg`;

describe.skipIf(!hasChromium)('dispatcher page in headless Chromium', () => {
  let cloud: WebCloud;
  const browser = new Browser();
  const lifts: LiftEvent[] = [];

  beforeAll(async () => {
    cloud = await WebCloud.create();
    seedRegistry(cloud.store);
    await cloud.start();
    await browser.start();
    lifts.push(
      { ...lift('truck-01', 1, todayAgo(300), 'acc-1'), position: { lat: 43.65, lon: 3.54 } },
      { ...lift('truck-01', 2, todayAgo(240), 'acc-2'), position: { lat: 43.652, lon: 3.543 } },
      {
        ...lift('truck-01', 3, todayAgo(180), 'acc-1'),
        tag: { scheme: 'em4100', id: '99999999AA' },
        position: { lat: 43.654, lon: 3.545 },
      },
    );
    await cloud.send('truckOnline', 'truck-01', [online('truck-01', todayAgo(600))]);
    await cloud.send('lift', 'truck-01', lifts);
    await cloud.send('truckStatus', 'truck-01', [
      {
        ...truckStatus('truck-01', 4, todayAgo(120)),
        payloadG: 54_500,
        weightFill: 54_500 / 9_000_000,
        liftsThisTrip: 3,
        position: { lat: 43.655, lon: 3.546 },
      },
    ]);
    await cloud.send('truckOnline', 'truck-02', [
      { deviceId: 'truck-02', state: 'offline', cause: 'lost', since: new Date(todayAgo(900)).toISOString() },
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser.stop();
    await cloud?.stop();
  });

  it('signs the dispatcher in, shows each truck, and a status published after loading appears live', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    expect(new URL(page.url()).pathname).toBe('/dispatch');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');

    const row = page.locator('#trucks-table tr[data-truck="truck-01"]');
    await row.waitFor();
    expect(await row.locator('th').textContent()).toBe('Benne 1');
    expect(await row.locator('.payload').textContent()).toBe(kgFr(54_500));
    expect(await row.locator('.lifts').textContent()).toBe('3 / 3');
    expect(await row.locator('.advice').textContent()).toBe('Continuer');
    expect(await page.locator('#trucks-table tr[data-truck="truck-02"] .conn').textContent()).toBe(
      'Hors ligne',
    );
    expect(await page.locator('#offline-trucks').textContent()).toContain('Benne 2');
    // The lift of the unknown tag is an anomaly (the cloud's verdict from the stored list).
    await expect.poll(() => page.locator('#anomaly-count').textContent()).toBe('1');
    expect(await page.locator('#anomalies-table tbody').textContent()).toContain('99999999AA');
    // Three lifts and the truck on the map.
    expect(await page.locator('svg.map .pt').count()).toBe(4);
    // Tonnage expected today: all on board (trip 1 still running).
    const onBoard = new Intl.NumberFormat('fr-FR', {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(54_500 / 1e6);
    expect(await page.locator('#expected-tonnage').textContent()).toBe(`${onBoard} t`);
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    await browser.screenshot(page, 'dispatch-before');

    // The truck reports an overload after the page loaded: it shows without a reload.
    const urlBefore = page.url();
    await cloud.send('truckStatus', 'truck-01', [
      {
        ...truckStatus('truck-01', 5, Date.now()),
        tripSeq: 1,
        payloadG: 9_100_000,
        weightFill: 9_100_000 / 9_000_000,
        liftsThisTrip: 4,
        advice: { action: 'unload', reason: 'over-payload', binsUntilFull: 0 },
        position: { lat: 43.656, lon: 3.547 },
      },
    ]);
    await expect.poll(() => row.locator('.advice').textContent(), { timeout: 20_000 }).toBe('Aller vider');
    expect(await row.locator('.reason').textContent()).toContain('charge utile atteinte ou dépassée');
    expect(await row.locator('.payload').textContent()).toBe(kgFr(9_100_000));
    expect(await row.locator('.weight-fill .value').textContent()).toMatch(/101/);
    expect(page.url()).toBe(urlBefore);
    await browser.screenshot(page, 'dispatch-live-unload');
  });

  it('lets the admin open every page and see the same live updates', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.admin);
    expect(new URL(page.url()).pathname).toBe('/dispatch');
    expect(await page.locator('header nav a').allTextContents()).toEqual([
      'Exploitation des tournées',
      'Réseau de balises',
      'Facturation',
    ]);
    const row = page.locator('#trucks-table tr[data-truck="truck-02"]');
    await row.waitFor();
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    await cloud.send('truckOnline', 'truck-02', [online('truck-02', Date.now())]);
    await expect.poll(() => row.locator('.conn').textContent(), { timeout: 20_000 }).toBe('En ligne');
    for (const path of ['/beacons', '/billing'])
      expect((await page.goto(`${cloud.url}${path}`))?.status()).toBe(200);
  });

  it('switches to English and keeps the choice', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    await page.getByRole('link', { name: 'English' }).click();
    await page.locator('h1', { hasText: 'Collection rounds' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page
      .locator('#trucks-table tr[data-truck="truck-01"] .advice', { hasText: 'Go and unload' })
      .waitFor();
    await page.goto(`${cloud.url}/dispatch`);
    await page.locator('h1', { hasText: 'Collection rounds' }).waitFor();
    await browser.screenshot(page, 'dispatch-english');
    await page.getByRole('link', { name: 'Français' }).click();
    await page.locator('h1', { hasText: 'Exploitation des tournées' }).waitFor();
  });

  it('is usable from the keyboard: skip link first, then the navigation', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Aller au contenu');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    // The focused skip link has a visible outline.
    await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).not.toBe('none');
  });

  it('refuses a wrong token on the sign-in page with a message tied to the field', async () => {
    const page = await browser.freshPage();
    await page.goto(`${cloud.url}/beacons`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Jeton d’accès').fill('rlv_wrong-token-0000000000000000000000000000');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Jeton inconnu ou révoqué.');
    const field = page.getByLabel('Jeton d’accès');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toBe('login-error');
    await browser.screenshot(page, 'login-refused');
    // The page asked for is remembered: signing in now lands on it.
    await field.fill(cloud.tokenOf.admin);
    await Promise.all([
      page.waitForURL(/\/beacons$/),
      page.getByRole('button', { name: 'Se connecter' }).click(),
    ]);
  });

  it('signs out: the session cookie no longer opens the API', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    const whoami = () => page.evaluate(() => fetch('/api/v1/whoami').then((r) => r.status));
    expect(await whoami()).toBe(200);
    await Promise.all([
      page.waitForURL(/\/login$/),
      page.getByRole('button', { name: 'Se déconnecter' }).click(),
    ]);
    expect(await whoami()).toBe(401);
    await page.goto(`${cloud.url}/dispatch`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('counts the trips already unloaded in the tonnage expected at the treatment site', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    // truck-01 unloaded and started trip 2 with 10 kg on board; trip 1's three lifts went to the site.
    await cloud.send('truckStatus', 'truck-01', [
      {
        ...truckStatus('truck-01', 6, Date.now()),
        tripSeq: 2,
        payloadG: 10_000,
        weightFill: 10_000 / 9_000_000,
        liftsThisTrip: 1,
      },
    ]);
    const delivered = lifts.reduce((s, l) => s + (l.netWeightG ?? 0), 0);
    const t = (g: number) =>
      `${new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(g / 1e6)} t`;
    await expect
      .poll(() => page.locator('#expected-tonnage').textContent(), { timeout: 20_000 })
      .toBe(t(10_000 + delivered));
    expect(await page.locator('#expected-tonnage + dd').textContent()).toContain(t(delivered));
  });
});
