import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvailabilityReport } from '../../src/beacons/BeaconFleet.js';
import { CloudPipeline } from './CloudPipeline.js';
import { GatewayMessages } from './gatewayMessages.js';

/**
 * The monthly availability report from sightings stored by the real ingest: slots counted once,
 * slots before registration left out, flagged windows counted, JSON and CSV over HTTP.
 */
const SLOT = 5 * 60_000;
const OCT = Date.UTC(2026, 9, 1);
const OCT_SLOTS = 31 * 288;
const A = 'ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1:1';
const B = 'ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1:2';
const B_REGISTERED = Date.UTC(2026, 9, 16, 0, 2); // during the first slot of Oct 16

describe('monthly availability report', () => {
  const p = new CloudPipeline();
  const gw = new GatewayMessages('gw-a');
  const gw2 = new GatewayMessages('gw-b');

  beforeAll(async () => {
    p.register(
      [
        { id: 'gw-a', lat: 43.65, lon: 3.54 },
        { id: 'gw-b', lat: 43.6501, lon: 3.54 },
      ],
      [{ id: A, lat: 43.6502, lon: 3.54 }],
      new Date(OCT - 86_400_000).toISOString(),
    );
    p.register([], [{ id: B, lat: 43.6502, lon: 3.5401 }], new Date(B_REGISTERED).toISOString());
    await p.start();
    // A: heard in slots 0..99 (one window each, 7 days apart steps of 89 slots), twice in slot 5000 by two gateways
    const slotsA = Array.from({ length: 100 }, (_, i) => i * 89);
    await p.send(
      'sightings',
      'gw-a',
      slotsA.map((k) => gw.sightings(OCT + k * SLOT + 120_000, [{ beaconId: A }])),
    );
    await p.send('sightings', 'gw-b', [
      gw2.sightings(OCT + 89 * SLOT + 240_000, [{ beaconId: A, addressMismatch: true }]),
    ]);
    // B: 10 windows before its registration (not owed), 30 after, one of them flagged
    const before = Array.from({ length: 10 }, (_, i) => B_REGISTERED - (i + 1) * 3_600_000);
    const after = Array.from({ length: 30 }, (_, i) => B_REGISTERED + i * 3_600_000 + 60_000);
    await p.send(
      'sightings',
      'gw-a',
      [...before, ...after].map((t, i) => gw.sightings(t, [{ beaconId: B, addressMismatch: i === 15 }])),
    );
    // November (not in the report) and the next month's first instant (excluded: half-open)
    await p.send('sightings', 'gw-a', [gw.sightings(Date.UTC(2026, 10, 1), [{ beaconId: A }], 1000)]);
  });
  afterAll(async () => {
    await p.stop();
  });

  it('counts heard slots once, owes slots from the registration, and totals the month', () => {
    const r = p.fleet.availability('2026-10', new Date(Date.UTC(2026, 10, 28))) as AvailabilityReport;
    const a = r.beacons.find((x) => x.beaconId === A);
    const b = r.beacons.find((x) => x.beaconId === B);
    expect(a).toMatchObject({ eligible: OCT_SLOTS, heard: 100 });
    const bEligible = OCT_SLOTS - 15 * 288; // Oct 16 00:00 slot onwards
    expect(b).toMatchObject({ eligible: bEligible, heard: 30 });
    expect(r.totals).toEqual({
      beacons: 2,
      eligible: OCT_SLOTS + bEligible,
      heard: 130,
      availability: 130 / (OCT_SLOTS + bEligible),
    });
  });

  it('owes nothing after now: a report made mid-month counts elapsed slots only', () => {
    const mid = new Date(OCT + 1000 * SLOT + 30_000);
    const r = p.fleet.availability('2026-10', mid) as AvailabilityReport;
    const a = r.beacons.find((x) => x.beaconId === A);
    expect(a).toMatchObject({ eligible: 1000, heard: Math.ceil(1000 / 89) });
    expect(r.beacons.find((x) => x.beaconId === B)).toMatchObject({
      eligible: 0,
      heard: 0,
      availability: null,
    });
  });

  it('serves JSON and CSV (standard and French Excel) over HTTP to the beacon operator', async () => {
    const json = await p.get('/api/v1/beacon-fleet/availability?month=2026-10');
    expect(json.status).toBe(200);
    const report = (await json.json()) as AvailabilityReport;
    expect(report.month).toBe('2026-10');
    expect(report.totals.heard).toBe(130);

    const csv = await p.get('/api/v1/beacon-fleet/availability?month=2026-10&format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe(
      'month,beacon_id,name,shop,registered_at,eligible_slots,heard_slots,missed_slots,availability_pct',
    );
    expect(lines[1]).toMatch(new RegExp(`^2026-10,${A},.*,${OCT_SLOTS},100,${OCT_SLOTS - 100},1\\.12$`));
    expect(lines[3]).toMatch(/^2026-10,TOTAL,2 beacons,,,/);

    const fr = await p.get('/api/v1/beacon-fleet/availability?month=2026-10&format=csv&dialect=excel-fr');
    const bytes = Buffer.from(await fr.arrayBuffer()); // fetch's text() would drop the BOM
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain(`;${OCT_SLOTS};100;${OCT_SLOTS - 100};1,12\r\n`);

    expect((await p.get('/api/v1/beacon-fleet/availability?month=2026-13')).status).toBe(400);
    expect((await p.get('/api/v1/beacon-fleet/availability?month=2026-10', 'billing')).status).toBe(403);
  });
});
