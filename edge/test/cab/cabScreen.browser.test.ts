import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteDriver } from '@releve/firmware-sim/truck/RouteDriver';
import type { RouteBin, RouteFile } from '@releve/firmware-sim/truck/RouteFile';
import { commandService, freePort, requireService } from '@releve/shared/testing/index';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truckRig } from '../truck/fixtures/truckRig.js';

const haveChromium = await requireService(commandService('chromium'));
const SHOTS = join(process.cwd(), 'test-results', 'screenshots');

/** A bin of `kg` kilograms of waste; `tag` null: its tag cannot be read. */
function bin(tag: string | null, kg: number): RouteBin {
  return {
    type: 'bin',
    tagId: tag,
    scheme: 'em4100',
    volumeL: 240,
    binTareG: 14_000,
    wasteG: kg * 1000,
    unstable: false,
  };
}
const route = (stops: RouteBin[]): RouteFile => ({ routeId: 'cab-test', date: '2026-11-28', stops });

describe.skipIf(!haveChromium)('cab screen in real headless Chromium', () => {
  let profile: string;
  let context: BrowserContext;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'releve-cab-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1024, height: 768 },
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows "go unload" when the simulated truck fills, the unknown-bin alert, the link and the backlog', async () => {
    // No broker: the cab screen must work with no network at all (the link stays down).
    const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
    const rig = truckRig({
      brokerUrl: nowhere,
      fastDevices: true,
      config: {
        // a 300 kg payload with a 100 kg margin: "go unload" from 200 kg on board
        capacity: { maxPayloadG: 300_000, bodyVolumeL: 20_000 },
        thresholds: { tagGraceMs: 1000, maxCycleMs: 20_000, unloadMarginG: 100_000 },
        cabScreen: { enabled: true, host: '127.0.0.1', port: 0 },
      },
    });
    const driver = new RouteDriver(rig.truck, { timeScale: 0.1, travelMs: 500 });
    const page: Page = await context.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('http://127.0.0.1:')) external.push(r.url());
    });
    try {
      await rig.agent.start();
      const screen = rig.agent.cabScreen;
      if (!screen) throw new Error('the agent serves no cab screen');
      await page.goto(`http://127.0.0.1:${screen.port}/`);

      // French first: the truck starts empty
      const advice = page.getByTestId('advice');
      await expect.poll(() => advice.locator('h1').textContent(), { timeout: 20_000 }).toBe('CONTINUER');
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      await expect
        .poll(() => page.getByTestId('link').textContent(), { timeout: 20_000 })
        .not.toBe('connecté');

      // a bin with a tag, then one whose tag cannot be read: the alert shows
      await driver.run(route([bin('00000000A1', 60), bin(null, 60)]));
      const alert = page.getByTestId('unknown-bin');
      await expect.poll(() => alert.textContent(), { timeout: 20_000 }).toContain('BAC INCONNU');
      expect(await alert.isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'cab-unknown-bin.png') });

      // two more bins: 240 kg on board, within 100 kg of the 300 kg payload
      await driver.run(route([bin('00000000A3', 60), bin('00000000A4', 60)]));
      await expect.poll(() => advice.locator('h1').textContent(), { timeout: 20_000 }).toBe('ALLER VIDER');
      expect(await page.getByTestId('reason').textContent()).toBe('Charge proche de la limite');
      expect(await advice.getAttribute('class')).toBe('unload');
      // the alert cleared with the good lift; the last lift shows its tag and net weight
      expect(await alert.isVisible()).toBe(false);
      await expect.poll(() => page.getByTestId('last-lift').textContent()).toContain('00000000A4 · 60 kg');
      await expect.poll(() => page.getByTestId('weight').textContent()).toContain('80 %');
      // nothing reached a broker: every booked event waits in the outbox, and the screen says so
      const backlog = Number(await page.getByTestId('backlog').textContent());
      expect(backlog).toBe(rig.agent.outbox.backlog());
      expect(backlog).toBeGreaterThanOrEqual(4);
      await page.screenshot({ path: join(SHOTS, 'cab-go-unload-fr.png') });

      // English on request
      await page.goto(`http://127.0.0.1:${screen.port}/?lang=en`);
      await expect.poll(() => advice.locator('h1').textContent(), { timeout: 20_000 }).toBe('GO UNLOAD');
      expect(await page.getByTestId('reason').textContent()).toBe('Payload close to the limit');
      expect(await page.getByTestId('link').textContent()).toMatch(/^(disconnected|connecting…)$/);
      await page.screenshot({ path: join(SHOTS, 'cab-go-unload-en.png') });
      // a phone-sized screen in portrait: one column, the advice still on top and whole
      await page.setViewportSize({ width: 600, height: 1000 });
      const box = await advice.boundingBox();
      expect(box?.y).toBeLessThan(50);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(600);
      await page.screenshot({ path: join(SHOTS, 'cab-go-unload-portrait.png') });
      expect(external).toEqual([]);
    } finally {
      driver.stop();
      await page.close();
      await rig.stop();
    }
  }, 120_000);
});
