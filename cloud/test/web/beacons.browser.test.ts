import { readFileSync } from 'node:fs';
import pino from 'pino';
import { commandService, requireService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BeaconFleet } from '../../src/beacons/BeaconFleet.js';
import { BEACON, beaconTelemetry, gatewayHealth, online, seedRegistry, sightings } from '../api/fixtures.js';
import { Browser, WebCloud } from './WebCloud.js';

const hasChromium = await requireService(commandService('chromium'));

describe.skipIf(!hasChromium)('beacon operator page in headless Chromium', () => {
  let cloud: WebCloud;
  const browser = new Browser();

  beforeAll(async () => {
    cloud = await WebCloud.create();
    seedRegistry(cloud.store);
    await cloud.start();
    await browser.start();
    const now = Date.now();
    await cloud.send('gatewayOnline', 'gw-01', [online('gw-01', now - 3600_000)]);
    await cloud.send('gatewayHealth', 'gw-01', [gatewayHealth('gw-01', 1, now - 30_000)]);
    await cloud.send(
      'telemetry',
      'gw-01',
      [0, 1, 2, 3, 4, 5].map((i) => ({
        ...beaconTelemetry('gw-01', 10 + i, now - (6 - i) * 3600_000),
        batteryMv: 3000 - i * 10,
      })),
    );
    await cloud.send('sightings', 'gw-01', [sightings('gw-01', 20, now - 5_000)]);
    // the cloud's fleet evaluation (FleetWatch, every minute) records every device's status
    fleet().evaluate();
  }, 90_000);

  /** The cloud's fleet evaluation over the test cloud's store, run on demand. */
  const fleet = () => new BeaconFleet(cloud.store.db, { logger: pino({ level: 'silent' }) });

  afterAll(async () => {
    await browser.stop();
    await cloud?.stop();
  });

  it('shows fleet health, the battery trend, follows a gateway going offline live, and downloads the monthly report', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf['beacon-operator']);
    expect(new URL(page.url()).pathname).toBe('/beacons');
    const gw = page.locator('#gateways-table tr[data-gateway="gw-01"]');
    await gw.waitFor();
    expect(await gw.locator('th').textContent()).toBe('Cosmo entrée');
    expect(await gw.locator('.status').textContent()).toBe('en ligne');
    const beacon = page.locator(`#beacons-table tr[data-beacon="${BEACON}"]`);
    expect(await beacon.locator('th').textContent()).toContain('Boulangerie');
    expect(await beacon.locator('td.num').first().textContent()).toMatch(/^2\s?950 mV$/);
    // Two points on the map: the gateway and the beacon.
    expect(await page.locator('svg.map .pt').count()).toBe(2);

    // Battery trend, from the keyboard: focus the button, press Enter, the chart appears.
    await beacon.getByRole('button', { name: 'Voir la pile' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#battery svg.chart path.line').waitFor();
    expect(await page.locator('#battery svg.chart circle').count()).toBe(6);
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    await browser.screenshot(page, 'beacons');

    // The gateway's last will arrives after the page loaded: its row turns offline without a
    // reload, and the keyboard focus stays on the button it was on while the tables re-render.
    await beacon.getByRole('button', { name: 'Voir la pile' }).focus();
    await cloud.send('gatewayOnline', 'gw-01', [
      { deviceId: 'gw-01', state: 'offline', cause: 'lost', since: new Date().toISOString() },
    ]);
    await expect.poll(() => gw.locator('.status').textContent(), { timeout: 20_000 }).toBe('hors ligne');
    expect(await page.locator('#gateways-online').textContent()).toBe('0 / 1');
    expect(await page.locator(':focus').getAttribute('data-focus-key')).toBe(`trend-${BEACON}`);

    // The evaluation raises an alert for the change; the next gateway message brings it. The
    // device goes by its registered name, the change in French; the cloud's diagnostic is marked
    // as English.
    fleet().evaluate();
    await cloud.send('sightings', 'gw-01', [sightings('gw-01', 21, Date.now() - 1_000)]);
    const alert = page.locator('#alerts-table tbody tr', { hasText: 'en ligne → hors ligne' });
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.locator('th').textContent()).toBe('Cosmo entréegw-01');
    expect(await alert.locator('td').nth(1).textContent()).toBe('en ligne → hors ligne');
    expect(await alert.locator('td[lang="en"]').count()).toBe(1);

    // The monthly availability report downloads, byte for byte what the API gives.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download-availability').click(),
    ]);
    const month = new Date().toISOString().slice(0, 7);
    const file = readFileSync((await download.path()) as string);
    const api = await fetch(
      `${cloud.url}/api/v1/beacon-fleet/availability?month=${month}&format=csv&dialect=excel-fr`,
      {
        headers: { authorization: `Bearer ${cloud.tokenOf['beacon-operator']}` },
      },
    );
    const fromApi = Buffer.from(await api.arrayBuffer());
    // Named as the API names it (Content-Disposition).
    expect(api.headers.get('content-disposition')).toContain(`filename="${download.suggestedFilename()}"`);
    expect(download.suggestedFilename()).toContain(month);
    expect(file.equals(fromApi)).toBe(true);
    expect(file.subarray(0, 3).toString('hex')).toBe('efbbbf');
    await browser.screenshot(page, 'beacons-offline');
  });

  it('never lets the beacon operator open billing, household or truck pages, nor call their API', async () => {
    const page = await browser.signIn(cloud.url, cloud.tokenOf['beacon-operator']);
    const navLinks = await page.locator('header nav a').allTextContents();
    expect(navLinks).toEqual(['Réseau de balises']);
    for (const path of ['/billing', '/dispatch']) {
      const res = await page.goto(`${cloud.url}${path}`);
      expect(res?.status()).toBe(403);
      await page.locator('h1', { hasText: 'Accès refusé' }).waitFor();
    }
    await browser.screenshot(page, 'beacon-operator-403');
    const statuses = await page.evaluate(
      `Promise.all(['/api/v1/lifts', '/api/v1/trucks'].map((p) => fetch(p).then((r) => r.status)))`,
    );
    expect(statuses).toEqual([403, 403]);
  });
});
