import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeaconList, GatewayList, LiftPage, TruckList, TruckView } from '../../src/api/schemas.js';
import {
  BEACON,
  beaconTelemetry,
  gatewayHealth,
  lift,
  online,
  recordOf,
  seedRegistry,
  sightings,
  truckStatus,
} from './fixtures.js';
import { type ApiHarness, startApi } from './harness.js';

const T0 = Date.parse('2026-11-02T07:00:00.000Z');
const MIN = 60_000;

describe('read endpoints over a real store', () => {
  let h: ApiHarness;
  /** The 30 lifts written: truck-01 odd minutes for acc-1, truck-02 even minutes for acc-2. */
  const lifts = Array.from({ length: 30 }, (_, i) =>
    i % 2 === 0
      ? lift('truck-01', i + 1, T0 + i * MIN, 'acc-1')
      : lift('truck-02', i + 1, T0 + i * MIN, 'acc-2'),
  );

  beforeAll(async () => {
    h = await startApi();
    seedRegistry(h.store);
    h.store.writeBatch([
      ...lifts.map((l) => recordOf('lift', l.truckId, l, Date.parse(l.ts) + 1000)),
      recordOf('truckOnline', 'truck-01', online('truck-01', T0 - MIN), T0 - MIN),
      recordOf('truckStatus', 'truck-01', truckStatus('truck-01', 100, T0 + 40 * MIN), T0 + 40 * MIN),
      recordOf('gatewayHealth', 'gw-01', gatewayHealth('gw-01', 1, T0), T0),
      recordOf('telemetry', 'gw-01', beaconTelemetry('gw-01', 2, T0 + MIN), T0 + MIN),
      recordOf('sightings', 'gw-01', sightings('gw-01', 3, T0 + 2 * MIN), T0 + 2 * MIN),
    ]);
    h.store.writeBatch([
      {
        type: 'dead-letter',
        topic: 'releve/v1/trucks/truck-01/lifts',
        clientId: 'truck-01',
        reasonCode: 'not-json',
        reason: 'not UTF-8 JSON',
        payload: Buffer.from([0xff, 0xfe, 0x00]),
        receivedAt: new Date(T0).toISOString(),
      },
    ]);
  });
  afterAll(async () => {
    await h?.close();
  });

  const json = async <T>(path: string, token: string): Promise<T> => {
    const r = await h.get(path, token);
    expect(r.status, path).toBe(200);
    return (await r.json()) as T;
  };

  it('lists trucks with online state and latest status; gets one; 404 for an unknown one', async () => {
    const { items } = await json<TruckList>('/api/v1/trucks', h.tokenOf.dispatcher);
    expect(items.map((t) => t.truckId)).toEqual(['truck-01', 'truck-02']);
    const t1 = items[0]!;
    expect(t1.name).toBe('Benne 1');
    expect(t1.online?.state).toBe('online');
    expect(t1.status?.seq).toBe(100);
    expect(t1.lastSeenAt).toBe(new Date(T0 + 40 * MIN).toISOString());
    expect(await json<TruckView>('/api/v1/trucks/truck-01', h.tokenOf.admin)).toEqual(t1);
    const nf = await h.get('/api/v1/trucks/truck-99', h.tokenOf.admin);
    expect(nf.status).toBe(404);
    expect((await h.get('/api/v1/trucks/NOT%20AN%20ID', h.tokenOf.admin)).status).toBe(400);
  });

  it('filters lifts by truck, account and period', async () => {
    const byTruck = await json<LiftPage>('/api/v1/lifts?truckId=truck-02&limit=1000', h.tokenOf.billing);
    expect(byTruck.items.map((l) => l.id)).toEqual(
      lifts.filter((l) => l.truckId === 'truck-02').map((l) => l.id),
    );
    const byAccount = await json<LiftPage>('/api/v1/lifts?accountId=acc-1&limit=1000', h.tokenOf.billing);
    expect(byAccount.items.every((l) => l.accountId === 'acc-1' && l.binId === 'bin-1')).toBe(true);
    expect(byAccount.items).toHaveLength(15);
    const from = new Date(T0 + 10 * MIN).toISOString();
    const to = new Date(T0 + 20 * MIN).toISOString();
    const period = await json<LiftPage>(`/api/v1/lifts?from=${from}&to=${to}`, h.tokenOf.admin);
    expect(period.items.map((l) => l.startedAt)).toEqual(
      lifts.filter((l) => l.startedAt >= from && l.startedAt < to).map((l) => l.startedAt),
    );
  });

  it('shows each lift exactly as the store reads it for billing', async () => {
    const page = await json<LiftPage>('/api/v1/lifts?limit=1000', h.tokenOf.admin);
    expect(page.items).toHaveLength(lifts.length);
    for (const l of page.items) expect(l).toEqual(h.store.reads.lift(l.id));
  });

  it('hides who pays from a dispatcher and refuses the account filter to them', async () => {
    const page = await json<LiftPage>('/api/v1/lifts?limit=5', h.tokenOf.dispatcher);
    expect(page.items).toHaveLength(5);
    for (const l of page.items) expect([l.accountId, l.binId, l.buildingId]).toEqual([null, null, null]);
    expect((await h.get('/api/v1/lifts?accountId=acc-1', h.tokenOf.dispatcher)).status).toBe(403);
  });

  it('pages through every lift exactly once, in order, whatever the page size (property)', async () => {
    const all = [...lifts].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 31 }), async (limit) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const q = `/api/v1/lifts?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
          const page: LiftPage = await json<LiftPage>(q, h.tokenOf.admin);
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items.map((l) => l.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(all.map((l) => l.id));
      }),
      { numRuns: 15 },
    );
  }, 90_000);

  it('answers 400 problems for a bad cursor, a bad time, a reversed period or an unknown parameter', async () => {
    for (const q of [
      'cursor=garbage',
      'from=yesterday',
      `from=${new Date(T0 + MIN).toISOString()}&to=${new Date(T0).toISOString()}`,
      'limit=0',
      'limit=5000',
      'colour=red',
    ]) {
      const r = await h.get(`/api/v1/lifts?${q}`, h.tokenOf.admin);
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe('bad-request');
    }
  });

  it('lists beacons and gateways with their latest reports for the beacon operator', async () => {
    const beacons = await json<BeaconList>('/api/v1/beacons', h.tokenOf['beacon-operator']);
    expect(beacons.items).toHaveLength(1);
    const b = beacons.items[0]!;
    expect(b.beaconId).toBe(BEACON);
    expect(b.lastGatewayId).toBe('gw-01');
    expect(b.lastSeenAt).toBe(new Date(T0 + 2 * MIN).toISOString());
    expect(b.telemetry?.batteryMv).toBe(2950);
    const gateways = await json<GatewayList>('/api/v1/gateways', h.tokenOf['beacon-operator']);
    expect(gateways.items.map((g) => [g.gatewayId, g.health?.scanner])).toEqual([['gw-01', 'scanning']]);
  });

  it('shows dead letters to the admin with non-UTF-8 payloads in base64', async () => {
    const r = await json<{ items: Array<{ code: string; payload: string; payloadEncoding: string }> }>(
      '/api/v1/dead-letters',
      h.tokenOf.admin,
    );
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({ code: 'not-json', payloadEncoding: 'base64' });
    expect(Buffer.from(r.items[0]!.payload, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
  });
});
