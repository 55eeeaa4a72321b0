import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assignBeacons, DEFAULT_ALLOWLIST_RADIUS_M } from '@releve/cloud/beacons/AllowlistAssignment';
import { validateTariffPlan } from '@releve/cloud/billing/TariffPlan';
import { RegistryImport } from '@releve/cloud/registry/RegistryImport';
import { Store } from '@releve/cloud/store/Store';
import { AllowlistedBeacon, RouteCommand } from '@releve/shared';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseZoneFile } from '../../src/beacons/SimulatedZone.js';
import { demoFleet, isUnregisteredBin, zoneOf } from '../../src/demo/DemoFleet.js';
import { registryCsv, sampleHousehold } from '../../src/demo/DemoRegistry.js';
import { demoTariff } from '../../src/demo/DemoTariff.js';
import { routeCommandOf } from '../../src/truck/RouteFile.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the demo fleet', () => {
  it('has a registry the cloud imports, holding every readable tag of the routes except the unregistered bins', async () => {
    const fleet = demoFleet({ binsPerRoute: 120, date: '2026-11-28' });
    const csv = registryCsv(fleet, '2026-01-01');
    const dir = mkdtempSync(join(tmpdir(), 'releve-demo-registry-'));
    dirs.push(dir);
    const store = Store.open({ dataDir: dir, logger: pino({ level: 'silent' }) });
    try {
      const job = new RegistryImport(store);
      for (const [kind, text] of Object.entries(csv))
        job.addText(kind as keyof typeof csv, `${kind}.csv`, text);
      const report = job.commit();
      expect(report.trucks).toBe(3);
      expect(report.gateways).toBe(2);
      expect(report.beacons).toBe(30);
      const tags = new Set(
        (store.db.prepare('SELECT tag_id FROM bins').pluck().all() as string[]).map((t) => t.toUpperCase()),
      );
      for (const truck of fleet.trucks) {
        let index = 0;
        for (const stop of truck.route.stops) {
          if (stop.type !== 'bin') continue;
          index += 1;
          if (stop.tagId === null) continue;
          expect(tags.has(stop.tagId), `${truck.truckId} bin ${index}`).toBe(!isUnregisteredBin(index));
        }
      }
      // the household whose statement link the demo prints is registered, with a bin of its own
      const sample = sampleHousehold(fleet);
      expect(sample).not.toBeNull();
      const bins = store.db
        .prepare('SELECT count(*) FROM bins WHERE account_id = ?')
        .pluck()
        .get(sample?.householdId);
      expect(bins).toBe(1);
    } finally {
      store.close();
    }
  });

  it('gives every truck distinct tags, valid route commands and allowlists', () => {
    const fleet = demoFleet({ binsPerRoute: 300, date: '2026-11-28' });
    const all = fleet.trucks.flatMap((t) =>
      t.route.stops.flatMap((s) => (s.type === 'bin' && s.tagId ? [s.tagId] : [])),
    );
    expect(new Set(all).size).toBe(all.length);
    for (const t of fleet.trucks)
      expect(RouteCommand.safeParse(routeCommandOf(t.route, 1)).success).toBe(true);
    for (const b of fleet.beacons) expect(AllowlistedBeacon.safeParse(b).success).toBe(true);
    expect(fleet.beacons.filter((b) => b.simulated === 'silent').map((b) => b.gateways)).toEqual([['gw-02']]);
  });

  it("puts each beacon on air where the fleet places it, whatever the cloud's allowlists list", () => {
    const fleet = demoFleet({ binsPerRoute: 1, date: '2026-11-28' });
    const n = (id: string) => fleet.beacons.findIndex((b) => b.beaconId === id) + 1;
    const zone = (g: string) => parseZoneFile(zoneOf(fleet, g)); // what releve-gateway --simulate reads
    expect(zone('gw-01').map((b) => n(b.beaconId))).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(zone('gw-02').map((b) => n(b.beaconId))).toEqual(Array.from({ length: 16 }, (_, i) => i + 15));
    const simulated = (g: string, what: string) =>
      zone(g)
        .filter((b) => b.simulated === what)
        .map((b) => n(b.beaconId));
    expect(simulated('gw-01', 'low-battery')).toEqual([4, 13]);
    expect(simulated('gw-02', 'low-battery')).toEqual([22]);
    expect(simulated('gw-02', 'silent')).toEqual([30]);
    // the cloud lists every beacon on both gateways (20 m apart, radius 150 m): more than each hears
    const { lists, beyondReach } = assignBeacons(fleet.gateways, fleet.beacons, DEFAULT_ALLOWLIST_RADIUS_M);
    expect(beyondReach).toEqual([]);
    for (const g of fleet.gateways) expect(lists.get(g.gatewayId)).toHaveLength(30);
  });

  it('gives each run its own rounds: same bins, another route id (an agent keeps the progress of a known one)', () => {
    const first = demoFleet({ binsPerRoute: 30, date: '2026-11-28', round: '101500' });
    const next = demoFleet({ binsPerRoute: 30, date: '2026-11-28', round: '104500' });
    for (const [i, t] of first.trucks.entries()) {
      const again = next.trucks[i];
      expect(again?.route.routeId).not.toBe(t.route.routeId);
      expect(again?.route.stops).toEqual(t.route.stops);
      expect(RouteCommand.safeParse(routeCommandOf(t.route, 1)).success).toBe(true);
    }
  });

  it('bills on a valid tariff plan in force from the day the households moved in', () => {
    const r = validateTariffPlan(demoTariff('2026-01-01'));
    expect(r.ok).toBe(true);
    for (const plan of ['household', 'business'] as const)
      expect(demoTariff('2026-01-01').plans[plan].versions[0]?.effectiveFrom).toBe('2026-01-01');
  });

  it('unloads before a bin would pass the payload or the body, whatever the round length and seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 1000 }), (bins, seed) => {
        const fleet = demoFleet({ binsPerRoute: bins, seed, date: '2026-11-28' });
        for (const t of fleet.trucks) {
          const stops = t.route.stops;
          expect(stops.filter((s) => s.type === 'bin')).toHaveLength(bins);
          expect(stops.at(-1)?.type).toBe('unload');
          let onBoard = 0;
          for (const s of stops) {
            if (s.type === 'unload') onBoard = 0;
            else onBoard += s.wasteG;
            // payload less the route margin, body volume at 350 kg/m³ less 2 %
            expect(onBoard).toBeLessThanOrEqual(
              Math.min(t.maxPayloadG - 50_000, 0.98 * 0.35 * t.bodyVolumeL * 1000),
            );
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});
