import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { online, seedRegistry, truckStatus } from '../api/fixtures.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

/** A 1×1 PNG (what a tile server answers, smaller). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe.skipIf(!hasChromium)('dispatcher page on a tablet, with a configured tile server', () => {
  const tiles: string[] = [];
  let tileServer: Server;
  let cloud: WebCloud;
  const browser = new Browser();

  beforeAll(async () => {
    tileServer = createServer((req, res) => {
      tiles.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG);
    });
    await new Promise<void>((r) => tileServer.listen(0, '127.0.0.1', r));
    const port = (tileServer.address() as AddressInfo).port;
    cloud = await WebCloud.create({ tileUrl: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png` });
    seedRegistry(cloud.store);
    await cloud.start();
    await browser.start();
    await cloud.send('truckOnline', 'truck-01', [online('truck-01', Date.now() - 600_000)]);
    await cloud.send('truckStatus', 'truck-01', [
      { ...truckStatus('truck-01', 1, Date.now() - 30_000), position: { lat: 43.6512, lon: 3.5423 } },
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser.stop();
    await cloud?.stop();
    await new Promise<void>((r) => tileServer.close(() => r()));
  });

  it('fits a tablet in portrait without sideways scrolling and draws the truck on tiles', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.locator('#trucks-table tr[data-truck="truck-01"]').waitFor();
    await page.locator('svg.map g.tiles image').first().waitFor({ state: 'attached' });
    const tileCount = await page.locator('svg.map g.tiles image').count();
    expect(tileCount).toBeGreaterThan(0);
    const hrefs = await page
      .locator('svg.map g.tiles image')
      .evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    for (const href of hrefs) expect(href).toMatch(/\/tiles\/\d+\/\d+\/\d+\.png$/);
    // The browser fetched them from the configured server (the CSP allows that origin).
    await expect.poll(() => tiles.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(tiles.every((u) => /^\/tiles\/\d+\/\d+\/\d+\.png$/.test(u))).toBe(true);
    // No sideways scroll of the page: wide tables scroll inside their own region.
    const widths = (await page.evaluate(
      '[document.documentElement.scrollWidth, window.innerWidth]',
    )) as number[];
    expect(widths[0]).toBeLessThanOrEqual(widths[1] ?? 0);
    // Touch targets: the sign-out button is at least 44 px high.
    const box = await page.getByRole('button', { name: 'Se déconnecter' }).boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    await browser.screenshot(page, 'dispatch-tablet');
  });

  it('says so when the live stream is lost (the HTTP API stops)', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    await cloud.app.api.stop();
    await page
      .locator('#live-state[data-state="live.reconnecting"], #live-state[data-state="live.off"]')
      .waitFor({ timeout: 20_000 });
    expect(await page.locator('#live-state').textContent()).toMatch(/^Direct interrompu/);
    // The figures already shown stay on screen.
    expect(await page.locator('#trucks-table tr[data-truck="truck-01"]').count()).toBe(1);
  });
});
