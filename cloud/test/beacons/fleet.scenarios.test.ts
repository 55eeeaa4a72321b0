import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeaconFleetEntry } from '../../src/beacons/BeaconFleet.js';
import type { FleetAlert } from '../../src/beacons/FleetStore.js';
import { CloudPipeline, northOf } from './CloudPipeline.js';
import { GatewayMessages } from './gatewayMessages.js';

/**
 * Fleet statuses from contract messages published over MQTT to the embedded broker, stored by
 * the real ingest, read by the fleet and the HTTP API. Contract messages (not the simulated air)
 * because the scenarios need days of battery history; `gateway-to-fleet.e2e.test.ts` runs the
 * real gateway on simulated beacons for the scenarios the air can produce in minutes.
 */
const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.now();
const bid = (n: number) => `eddystone:8b0ca750095477cb3e77:${String(n).padStart(12, '0')}`;

const GW_A = { id: 'gw-a', lat: 43.65, lon: 3.54 };
const GW_B = { id: 'gw-b', ...northOf(GW_A, 40) };
const GW_FAR = { id: 'gw-far', ...northOf(GW_A, 400) };
const nearA = northOf(GW_A, 10); // 10 m north of gw-a, 30 m from gw-b

const B = {
  ok: bid(1),
  silent: bid(2),
  lowBattery: bid(3),
  reboot: bid(4),
  cloneAddress: bid(5),
  cloneCounters: bid(6),
  cloneDistant: bid(7),
  movedStrongest: bid(8),
  movedDistance: bid(9),
};

describe('beacon fleet statuses through the real ingest', () => {
  const p = new CloudPipeline();
  const a = new GatewayMessages(GW_A.id);
  const b = new GatewayMessages(GW_B.id);
  const far = new GatewayMessages(GW_FAR.id);
  let firstAlerts: FleetAlert[] = [];

  beforeAll(async () => {
    p.register(
      [GW_A, GW_B, GW_FAR],
      Object.values(B).map((id) => ({ id, ...nearA })),
      new Date(NOW - 60 * DAY).toISOString(),
    );
    await p.start();
    const heard = [B.ok, B.lowBattery, B.reboot, B.cloneCounters].map((beaconId) => ({
      beaconId,
      distanceM: 9,
      rssiDbm: { smoothed: -68, min: -75, max: -62 },
    }));
    // gw-a hears its neighbours every window of the last 3 minutes; gw-b hears them weaker.
    const windows = [3, 2.5, 2, 1.5, 1].map((m) => NOW - m * MIN);
    await p.send(
      'sightings',
      GW_A.id,
      windows.map((t) => a.sightings(t, heard)),
    );
    await p.send(
      'sightings',
      GW_B.id,
      windows.map((t) =>
        b.sightings(
          t,
          heard.map((h) => ({ ...h, distanceM: 27, rssiDbm: { smoothed: -86, min: -92, max: -80 } })),
        ),
      ),
    );
    // silent: last heard 40 minutes ago
    await p.send('sightings', GW_A.id, [a.sightings(NOW - 40 * MIN, [{ beaconId: B.silent, distanceM: 9 }])]);
    // clone by address: the gateway heard the id from another address too and flags the window
    await p.send('sightings', GW_A.id, [
      a.sightings(NOW - 2 * MIN, [{ beaconId: B.cloneAddress, distanceM: 9, addressMismatch: true }]),
    ]);
    // cloud-side clone: heard at 1.5 m by gw-a and by gw-far (400 m apart) in overlapping windows
    await p.send('sightings', GW_A.id, [
      a.sightings(NOW - 2 * MIN, [{ beaconId: B.cloneDistant, distanceM: 1.5 }]),
    ]);
    await p.send('sightings', GW_FAR.id, [
      far.sightings(NOW - 2 * MIN + 4000, [{ beaconId: B.cloneDistant, distanceM: 1.5 }]),
    ]);
    // moved: heard strongest by gw-far, 390 m from where it is registered
    await p.send('sightings', GW_FAR.id, [
      far.sightings(NOW - 1 * MIN, [
        { beaconId: B.movedStrongest, distanceM: 2, rssiDbm: { smoothed: -60, min: -66, max: -55 } },
      ]),
    ]);
    await p.send('sightings', GW_A.id, [
      a.sightings(NOW - 1 * MIN, [
        { beaconId: B.movedStrongest, distanceM: 60, rssiDbm: { smoothed: -95, min: -99, max: -90 } },
      ]),
    ]);
    // moved: only gw-a hears it, always about 80 m away although registered 10 m from it
    await p.send(
      'sightings',
      GW_A.id,
      [3, 2, 1].map((m, i) =>
        a.sightings(NOW - m * MIN + 5000, [
          {
            beaconId: B.movedDistance,
            distanceM: 75 + i * 5,
            rssiDbm: { smoothed: -91, min: -95, max: -88 },
          },
        ]),
      ),
    );
    // battery: healthy, falling 25 mV/day, and the rest steady
    await p.send(
      'telemetry',
      GW_A.id,
      Array.from({ length: 20 }, (_, i) =>
        a.telemetry(NOW - 10 * DAY + i * 12 * 3_600_000, B.lowBattery, {
          batteryMv: 2700 - Math.round(12.5 * i),
        }),
      ),
    );
    await p.send('telemetry', GW_A.id, [
      a.telemetry(NOW - 2 * DAY, B.ok, { batteryMv: 3010 }),
      a.telemetry(NOW - DAY, B.ok, { batteryMv: 3005 }),
      a.telemetry(NOW - 5 * MIN, B.ok, { batteryMv: 3000 }),
    ]);
    // reboots: one reported by both gateways (same boot instant), then a second one
    await p.send('telemetry', GW_A.id, [
      a.telemetry(NOW - 10 * MIN, B.reboot, { uptimeS: 30, advCount: 30, rebooted: true }),
      a.telemetry(NOW - 3 * MIN, B.reboot, { uptimeS: 20, advCount: 20, rebooted: true }),
    ]);
    await p.send('telemetry', GW_B.id, [
      b.telemetry(NOW - 10 * MIN + 2000, B.reboot, { uptimeS: 32, advCount: 32, rebooted: true }),
    ]);
    // counters went back without a reboot
    await p.send('telemetry', GW_A.id, [
      a.telemetry(NOW - 4 * MIN, B.cloneCounters, { uptimeS: 50_000, advCount: 10, counterAnomaly: true }),
    ]);
    // gateways: gw-a fine, gw-b scanner stalled, gw-far lost (last will)
    await p.send('gatewayOnline', GW_A.id, [a.online(NOW - DAY, 'online', 'connected')]);
    await p.send('gatewayOnline', GW_B.id, [b.online(NOW - DAY, 'online', 'connected')]);
    await p.send('gatewayOnline', GW_FAR.id, [far.online(NOW - DAY, 'offline', 'lost')]);
    await p.send('gatewayHealth', GW_A.id, [a.health(NOW - 30_000)]);
    await p.send('gatewayHealth', GW_B.id, [b.health(NOW - 30_000, { scanner: 'stalled', advRatePerS: 0 })]);
    await p.send('gatewayAlert', GW_B.id, [b.alert(NOW - 60_000, { kind: 'scan-stalled' })]);
    firstAlerts = p.fleet.evaluate(new Date(NOW));
  });
  afterAll(async () => {
    await p.stop();
  });

  const entry = (id: string): BeaconFleetEntry => {
    const e = p.fleet.beacon(id, new Date(NOW));
    if (!e) throw new Error(`no beacon ${id}`);
    return e;
  };

  it('a beacon heard where it belongs with a steady battery is ok', () => {
    const e = entry(B.ok);
    expect(e).toMatchObject({ status: 'ok', conditions: [], lastBatteryMv: 3000 });
    expect(e.placement).toMatchObject({
      strongestGatewayId: 'gw-a',
      nearestGatewayId: 'gw-a',
      movedBecause: null,
    });
    expect(e.lastSeenAt).toBe(new Date(NOW - MIN).toISOString());
  });

  it('a beacon not heard for 40 minutes is silent', () => {
    const e = entry(B.silent);
    expect(e.status).toBe('silent');
    expect(e.silentForMin).toBeCloseTo(40, 0);
  });

  it('a falling battery is low-battery with the date the trend reaches 2,200 mV', () => {
    const e = entry(B.lowBattery);
    expect(e.status).toBe('low-battery');
    expect(e.battery.points).toBe(20);
    expect(e.battery.spanHours).toBeCloseTo(19 * 12, 5);
    expect(e.battery.slopeMvPerDay).toBeCloseTo(-25, 0);
    // 2,700 mV at the first reading, −25 mV/day: 2,200 mV twenty days later
    const expected = NOW - 10 * DAY + 20 * DAY;
    expect(Math.abs(Date.parse(e.battery.lowBatteryAt ?? '') - expected)).toBeLessThan(3 * 3_600_000);
  });

  it('a rebooting beacon counts each reboot once (several gateways) and is not a clone', () => {
    const e = entry(B.reboot);
    expect(e.status).toBe('ok');
    expect(e.reboots.count).toBe(2);
    expect(e.reboots.lastAt).toBe(new Date(NOW - 3 * MIN - 20_000).toISOString());
    expect(e.clone).toEqual([]);
  });

  it('the same id from another address is a suspected clone', () => {
    const e = entry(B.cloneAddress);
    expect(e.status).toBe('suspected-clone');
    expect(e.clone).toEqual([
      expect.objectContaining({
        kind: 'address-mismatch',
        gatewayId: 'gw-a',
        at: new Date(NOW - 2 * MIN).toISOString(),
      }),
    ]);
  });

  it('counters going back without a reboot is a suspected clone', () => {
    expect(entry(B.cloneCounters)).toMatchObject({
      status: 'suspected-clone',
      clone: [expect.objectContaining({ kind: 'counter-anomaly' })],
    });
  });

  it('heard within 5 m by two gateways 400 m apart in the same window is a suspected clone (cloud-side)', () => {
    const e = entry(B.cloneDistant);
    expect(e.status).toBe('suspected-clone');
    const evidence = e.clone.find((c) => c.kind === 'distant-gateways');
    expect(evidence).toMatchObject({ gatewayIds: expect.arrayContaining(['gw-a', 'gw-far']) });
    expect(evidence && 'separationM' in evidence ? evidence.separationM : 0).toBeGreaterThan(390);
  });

  it('heard strongest by a far gateway, or at a distance that contradicts its registration, is moved', () => {
    expect(entry(B.movedStrongest)).toMatchObject({
      status: 'moved',
      placement: {
        strongestGatewayId: 'gw-far',
        nearestGatewayId: 'gw-a',
        movedBecause: 'strongest-gateway-far',
      },
    });
    expect(entry(B.movedDistance)).toMatchObject({
      status: 'moved',
      placement: {
        nearestGatewayId: 'gw-a',
        nearestEstimatedDistanceM: 80,
        movedBecause: 'distance-inconsistent',
      },
    });
  });

  it('gateways: online, degraded (scanner stalled) and offline (last will)', () => {
    const byId = new Map(p.fleet.gateways(new Date(NOW)).map((g) => [g.gatewayId, g]));
    expect(byId.get('gw-a')).toMatchObject({
      status: 'online',
      problems: [],
      health: { scanner: 'scanning' },
    });
    expect(byId.get('gw-b')).toMatchObject({
      status: 'degraded',
      problems: ['scanner-not-scanning'],
      alerts: { 'scan-stalled': 1 },
    });
    expect(byId.get('gw-far')).toMatchObject({ status: 'offline', online: { cause: 'lost' } });
  });

  it('the first evaluation raised one alert per unhealthy device, none for healthy ones', () => {
    const got = firstAlerts.map((x) => `${x.deviceId} ${x.kind}`).sort();
    expect(got).toEqual(
      [
        `${B.silent} beacon-silent`,
        `${B.lowBattery} beacon-low-battery`,
        `${B.cloneAddress} beacon-suspected-clone`,
        `${B.cloneCounters} beacon-suspected-clone`,
        `${B.cloneDistant} beacon-suspected-clone`,
        `${B.movedStrongest} beacon-moved`,
        `${B.movedDistance} beacon-moved`,
        'gw-b gateway-degraded',
        'gw-far gateway-offline',
      ].sort(),
    );
    expect(p.fleet.evaluate(new Date(NOW))).toEqual([]); // no change, no alert
  });

  it('a silent beacon heard again raises a back-to-ok alert, listed by the API', async () => {
    await p.send('sightings', GW_A.id, [a.sightings(NOW + 10_000, [{ beaconId: B.silent, distanceM: 9 }])]);
    const raised = p.fleet.evaluate(new Date(NOW + 20_000));
    expect(raised).toEqual([
      expect.objectContaining({
        deviceId: B.silent,
        kind: 'beacon-ok',
        fromStatus: 'silent',
        toStatus: 'ok',
      }),
    ]);
    const res = await p.get(`/api/v1/beacon-fleet/alerts?deviceId=${encodeURIComponent(B.silent)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: FleetAlert[] };
    expect(body.items.map((x) => x.kind)).toEqual(['beacon-ok', 'beacon-silent']);
  });

  it('the API lists statuses and one beacon with its battery readings; not for a dispatcher', async () => {
    const list = (await (await p.get('/api/v1/beacon-fleet/beacons')).json()) as {
      items: BeaconFleetEntry[];
    };
    expect(list.items.length).toBe(Object.keys(B).length);
    expect(list.items.find((x) => x.beaconId === B.cloneAddress)?.status).toBe('suspected-clone');
    const one = await p.get(`/api/v1/beacon-fleet/beacons/${encodeURIComponent(B.lowBattery)}`);
    const detail = (await one.json()) as BeaconFleetEntry & { batteryReadings: { batteryMv: number }[] };
    expect(detail.status).toBe('low-battery');
    expect(detail.batteryReadings.map((r) => r.batteryMv)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2700 - Math.round(12.5 * i)),
    );
    expect(
      (await p.get('/api/v1/beacon-fleet/beacons/eddystone:8b0ca750095477cb3e77:0000000000ff')).status,
    ).toBe(404);
    expect((await p.get('/api/v1/beacon-fleet/beacons', 'dispatcher')).status).toBe(403);
    // the API judges at the real time: a fresh health report keeps gw-a online however slow the run
    await p.send('gatewayHealth', GW_A.id, [a.health(Date.now())]);
    const gws = (await (await p.get('/api/v1/beacon-fleet/gateways')).json()) as {
      items: { status: string }[];
    };
    expect(gws.items.map((g) => g.status)).toEqual(['online', 'degraded', 'offline']);
  });
});
