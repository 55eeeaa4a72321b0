import { readFileSync } from 'node:fs';
import type { LiftEvent } from '@releve/shared';
import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiftPage } from '../../src/api/schemas.js';
import { lift, seedRegistry } from '../api/fixtures.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

/** `secondsAgo` before now, but inside the current UTC month (what the page shows first). */
function thisMonthAgo(secondsAgo: number): number {
  const monthStart = Date.parse(`${new Date().toISOString().slice(0, 7)}-01T00:00:00.000Z`);
  return Math.max(Date.now() - secondsAgo * 1000, monthStart + 1000 + secondsAgo);
}

describe.skipIf(!hasChromium)('billing office page in headless Chromium', () => {
  const cloud = new WebCloud();
  const browser = new Browser();
  const lifts: LiftEvent[] = [];

  beforeAll(async () => {
    seedRegistry(cloud.store);
    await cloud.start();
    await browser.start();
    lifts.push(
      lift('truck-01', 1, thisMonthAgo(400), 'acc-1'),
      lift('truck-01', 2, thisMonthAgo(300), 'acc-2'),
      { ...lift('truck-01', 3, thisMonthAgo(200), 'acc-1'), tag: { scheme: 'em4100', id: '99999999AA' } },
      { ...lift('truck-01', 4, thisMonthAgo(100), 'acc-2'), tag: null, flags: ['no-tag'] },
    );
    await cloud.send('lift', 'truck-01', lifts);
  }, 90_000);

  afterAll(async () => {
    await browser.stop();
    await cloud.stop();
  });

  it('shows the period, the lifts to review, follows new lifts live, and downloads the lifts matching the API', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.billing);
    expect(new URL(page.url()).pathname).toBe('/billing');
    await expect.poll(() => page.locator('#lifts-in-period').textContent()).toBe('4');
    expect(await page.locator('#lifts-billable').textContent()).toBe('2');
    expect(await page.locator('#to-review').textContent()).toBe('2');
    expect(await page.locator('#accounts').textContent()).toBe('2');
    const review = await page.locator('#review-table tbody').textContent();
    expect(review).toContain('bac inconnu');
    expect(review).toContain('puce illisible');
    expect(await page.locator('svg.chart rect.bar').count()).toBe(1);
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    await browser.screenshot(page, 'billing');

    // A lift stored after the page loaded counts at once.
    await cloud.send('lift', 'truck-01', [lift('truck-01', 5, thisMonthAgo(50), 'acc-1')]);
    await expect.poll(() => page.locator('#lifts-in-period').textContent(), { timeout: 20_000 }).toBe('5');
    expect(await page.locator('#lifts-billable').textContent()).toBe('3');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download-lifts').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^levees-\d{4}-\d{2}-\d{4}-\d{2}\.csv$/);
    const text = readFileSync((await download.path()) as string, 'utf8');
    expect(text.startsWith('\uFEFFlift_id;started_at;')).toBe(true);
    const rows = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(';'));
    const month = new Date().toISOString().slice(0, 7);
    const api = (await (
      await fetch(`${cloud.url}/api/v1/lifts?from=${month}-01T00:00:00.000Z&limit=1000`, {
        headers: { authorization: `Bearer ${cloud.tokenOf.billing}` },
      })
    ).json()) as LiftPage;
    expect(rows.map((r) => [r[0], r[5] || null, r[7] ? Number(r[7]) : null])).toEqual(
      api.items.map((l) => [l.id, l.accountId, l.netWeightG]),
    );
    expect(rows.filter((r) => r[9] !== '').map((r) => r[9])).toEqual(['unknown-tag', 'no-tag']);
  });

  it('is not a dispatcher page', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    expect(await page.locator('header nav a').allTextContents()).toEqual(['Exploitation des tournées']);
    const res = await page.goto(`${cloud.url}/billing`);
    expect(res?.status()).toBe(403);
  });
});
