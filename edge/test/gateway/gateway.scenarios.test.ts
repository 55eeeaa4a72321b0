import { BeaconSightingsBatch, BeaconTelemetry, DeviceAlert, GatewayHealth } from '@releve/shared';
import { SimulatedBeacon } from '@releve/firmware-sim/beacons/index';
import { afterEach, describe, expect, it } from 'vitest';
import { allowed, GatewayHarness } from './harness.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const IB = `ibeacon:${UUID}:1:1`;
const ED = 'eddystone:8b0ca750095477cb3e77:000000000002';
const ALT = 'altbeacon:2f234454cf6d4a0fadf2f4911ba9ffa600010003';

function ibeacon(address: string, o: Partial<ConstructorParameters<typeof SimulatedBeacon>[0]> = {}) {
  return new SimulatedBeacon({ address, identity: { ibeacon: { uuid: UUID, major: 1, minor: 1 } }, ...o });
}
function eddystone(address: string, o: Partial<ConstructorParameters<typeof SimulatedBeacon>[0]> = {}) {
  return new SimulatedBeacon({
    address,
    identity: { eddystoneUid: { namespace: '8b0ca750095477cb3e77', instance: '000000000002' }, tlm: true },
    tlmEvery: 3,
    ...o,
  });
}

let h: GatewayHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h?.cleanup();
  h = null;
});

describe('beacon gateway on simulated air', () => {
  it('batches each allowlisted beacon per window with smoothed RSSI, distance, zone and interval', async () => {
    h = new GatewayHarness({
      allowlist: [
        // Expected intervals: a single transmitter must never look like a clone.
        allowed(IB, 'C0:FF:EE:00:00:01', { expectedIntervalMs: 1000 }),
        allowed(ED, 'C0:FF:EE:00:00:02', { expectedIntervalMs: 1000 }),
        allowed(ALT, 'C0:FF:EE:00:00:03', { expectedIntervalMs: 1000 }),
      ],
    });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01', { distanceM: 0.3 }));
    h.field.addBeacon(eddystone('C0:FF:EE:00:00:02', { distanceM: 2 }));
    h.field.addBeacon(
      new SimulatedBeacon({
        address: 'C0:FF:EE:00:00:03',
        identity: { altbeacon: { id: '2f234454cf6d4a0fadf2f4911ba9ffa600010003' } },
        distanceM: 12,
      }),
    );
    await h.start();
    await h.run(60_000);
    const batches = h.published('sightings');
    expect(batches.length).toBe(6);
    for (const b of batches) expect(BeaconSightingsBatch.safeParse(b).success).toBe(true);
    const last = batches.at(-1)?.beacons ?? [];
    const byId = new Map(last.map((s) => [s.beaconId, s]));
    expect(byId.get(IB)?.zone).toBe('immediate');
    expect(byId.get(ED)?.zone).toBe('near');
    expect(byId.get(ALT)?.zone).toBe('far');
    for (const s of last) {
      expect(s.addressMismatch).toBe(false);
      expect(s.count).toBeGreaterThanOrEqual(7);
      expect(s.intervalMs).toBeGreaterThan(950);
      expect(s.intervalMs).toBeLessThan(1100);
      expect(s.rssiDbm.min).toBeLessThanOrEqual(s.rssiDbm.smoothed);
      expect(s.rssiDbm.max).toBeGreaterThanOrEqual(s.rssiDbm.smoothed);
    }
    // TLM frames of the Eddystone beacon are attributed to it through its address.
    expect(byId.get(ED)?.frames).toEqual(['eddystone-tlm', 'eddystone-uid']);
    expect(byId.get(ED)?.txPowerDbm).toBe(-59);
    const telemetry = h.published('telemetry');
    expect(telemetry.length).toBeGreaterThanOrEqual(5);
    for (const t of telemetry) expect(BeaconTelemetry.safeParse(t).success).toBe(true);
    const t = telemetry.at(-1);
    expect(t).toMatchObject({ beaconId: ED, batteryMv: 3000, temperatureC: 21.5, rebooted: false });
    expect(t?.advRateHz).toBeGreaterThan(0.9);
    expect(t?.advRateHz).toBeLessThan(1.1);
    expect(h.published('gatewayAlert')).toEqual([]);
    const health = h.published('gatewayHealth');
    expect(health.at(-1)).toMatchObject({ scanner: 'scanning', expectedBeacons: 3, heardBeacons: 3 });
    for (const m of health) expect(GatewayHealth.safeParse(m).success).toBe(true);
  });

  it('a clone (same iBeacon id, another address) sets addressMismatch and raises suspected-clone', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    await h.start();
    await h.run(20_000);
    expect(h.published('sightings').every((b) => b.beacons.every((s) => !s.addressMismatch))).toBe(true);
    h.field.addBeacon(ibeacon('66:55:44:33:22:11', { distanceM: 5 }));
    await h.run(20_000);
    const last = h.published('sightings').at(-1)?.beacons[0];
    expect(last).toMatchObject({ beaconId: IB, address: 'C0:FF:EE:00:00:01', addressMismatch: true });
    const alerts = h.published('gatewayAlert');
    expect(alerts.map((a) => [a.kind, a.beaconId])).toEqual([['suspected-clone', IB]]);
    expect(DeviceAlert.safeParse(alerts[0]).success).toBe(true);
    // The clone's address stays on the gateway.
    expect(h.allPayloadText()).not.toMatch(/66:55:44:33:22:11/i);
  });

  it('a clone that copies the address too is caught by its TLM counters', async () => {
    h = new GatewayHarness({ allowlist: [allowed(ED, 'C0:FF:EE:00:00:02')] });
    h.field.addBeacon(eddystone('C0:FF:EE:00:00:02'));
    await h.start();
    await h.run(120_000);
    const clone = eddystone('C0:FF:EE:00:00:02', { distanceM: 6 });
    h.field.addBeacon(clone);
    await h.run(30_000);
    const telemetry = h.published('telemetry');
    expect(telemetry.some((t) => t.counterAnomaly)).toBe(true);
    expect(telemetry.some((t) => t.rebooted)).toBe(false);
    expect(h.published('sightings').at(-1)?.beacons[0]?.addressMismatch).toBe(true);
    expect(h.published('gatewayAlert').map((a) => a.kind)).toEqual(['suspected-clone']);
  });

  it('an iBeacon clone copying the address too doubles the packet rate', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01', { expectedIntervalMs: 1000 })] });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    await h.start();
    await h.run(30_000);
    expect(h.published('gatewayAlert')).toEqual([]);
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01', { distanceM: 4 }));
    await h.run(30_000);
    const last = h.published('sightings').at(-1)?.beacons[0];
    expect(last?.count).toBeGreaterThan(16);
    expect(last?.addressMismatch).toBe(true);
    expect(h.published('gatewayAlert').map((a) => [a.kind, a.beaconId])).toEqual([['suspected-clone', IB]]);
  });

  it('a reboot (counters reset together) is reported as such, not as a clone', async () => {
    h = new GatewayHarness({ allowlist: [allowed(ED, 'C0:FF:EE:00:00:02')] });
    const b = eddystone('C0:FF:EE:00:00:02');
    h.field.addBeacon(b);
    await h.start();
    await h.run(300_000);
    b.silent = true;
    await h.run(5_000);
    b.reboot(h.clock.now());
    b.silent = false;
    await h.run(60_000);
    const telemetry = h.published('telemetry');
    expect(telemetry.filter((t) => t.rebooted)).toHaveLength(1);
    expect(telemetry.some((t) => t.counterAnomaly)).toBe(false);
    expect(telemetry.at(-1)?.uptimeS).toBeLessThan(65);
    const alerts = h.published('gatewayAlert');
    expect(alerts.map((a) => [a.kind, a.beaconId])).toEqual([['beacon-rebooted', ED]]);
    expect(h.published('sightings').every((x) => x.beacons.every((s) => !s.addressMismatch))).toBe(true);
  });

  it('low and unsupported battery and temperature come through as telemetry', async () => {
    const low = 'eddystone:8b0ca750095477cb3e77:000000000005';
    const usb = 'eddystone:8b0ca750095477cb3e77:000000000006';
    h = new GatewayHarness({
      allowlist: [allowed(low, 'C0:FF:EE:00:00:05'), allowed(usb, 'C0:FF:EE:00:00:06')],
    });
    const mk = (
      address: string,
      instance: string,
      o: Partial<ConstructorParameters<typeof SimulatedBeacon>[0]>,
    ) =>
      new SimulatedBeacon({
        address,
        identity: { eddystoneUid: { namespace: '8b0ca750095477cb3e77', instance }, tlm: true },
        ...o,
      });
    h.field.addBeacon(mk('C0:FF:EE:00:00:05', '000000000005', { batteryMv: 2200, drainMvPerHour: 50 }));
    h.field.addBeacon(mk('C0:FF:EE:00:00:06', '000000000006', { batteryMv: null, temperatureC: null }));
    await h.start();
    await h.run(3_600_000);
    const t = h.published('telemetry');
    const lows = t.filter((x) => x.beaconId === low);
    expect(lows[0]?.batteryMv).toBeGreaterThanOrEqual(2195);
    expect(lows.at(-1)?.batteryMv).toBeLessThanOrEqual(2152);
    expect(lows.at(-1)?.batteryMv).toBeGreaterThanOrEqual(2148);
    const usbs = t.filter((x) => x.beaconId === usb);
    expect(usbs.length).toBeGreaterThan(300);
    expect(usbs.every((x) => x.batteryMv === null && x.temperatureC === null)).toBe(true);
  }, 120_000);

  it('a silent beacon is missing from the batches and from heardBeacons', async () => {
    h = new GatewayHarness({
      allowlist: [allowed(IB, 'C0:FF:EE:00:00:01'), allowed(ED, 'C0:FF:EE:00:00:02')],
    });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    h.field.addBeacon(eddystone('C0:FF:EE:00:00:02', { silent: true }));
    await h.start();
    await h.run(120_000);
    for (const b of h.published('sightings')) expect(b.beacons.map((s) => s.beaconId)).toEqual([IB]);
    expect(h.published('gatewayHealth').at(-1)).toMatchObject({ expectedBeacons: 2, heardBeacons: 1 });
  });

  it('restarts a scanner that went deaf, and says so', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')], config: { stallAfterS: 30 } });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    await h.start();
    await h.run(20_000);
    h.binding.goDeaf();
    await h.run(40_000);
    const alerts = h.published('gatewayAlert').map((a) => a.kind);
    expect(alerts).toEqual(['scan-stalled', 'scan-restarted']);
    expect(h.published('gatewayHealth').map((x) => x.scanner)).toContain('stalled');
    await h.run(30_000);
    expect(h.published('sightings').at(-1)?.beacons.length).toBe(1);
    const health = h.published('gatewayHealth').at(-1);
    expect(health).toMatchObject({ scanner: 'scanning', scanRestarts: 1 });
  });

  it('ignores beacons that are not allowlisted, and works offline from the stored allowlist', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    h.field.addBeacon(eddystone('C0:FF:EE:00:00:09'));
    await h.start();
    await h.run(30_000);
    expect(h.gateway.stats.unknownBeaconFrames).toBeGreaterThan(0);
    for (const b of h.published('sightings')) expect(b.beacons.map((s) => s.beaconId)).toEqual([IB]);
    const dataDir = h.dataDir;
    await h.stop();
    // Restart without any command from the cloud: the stored allowlist is used.
    const again = new GatewayHarness({ dataDir });
    try {
      expect(again.gateway.allowlist.version).toBe(1);
      again.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
      await again.start();
      await again.run(20_000);
      expect(
        again
          .published('sightings')
          .at(-1)
          ?.beacons.map((s) => s.beaconId),
      ).toEqual([IB]);
    } finally {
      await again.stop();
    }
  });
});

describe('the allowlist pushed again', () => {
  it('an identical allowlist with a new version keeps the window, RSSI and TLM history of each beacon', async () => {
    const list = [allowed(ED, 'C0:FF:EE:00:00:02', { expectedIntervalMs: 1000 })];
    h = new GatewayHarness({ allowlist: list, lossRate: 0 });
    h.field.addBeacon(eddystone('C0:FF:EE:00:00:02', { tlmEvery: 6 }));
    await h.start();
    await h.run(25_000);
    // The cloud pushes the same beacons again (a restart, another registry change) mid-window.
    h.allow(
      list.map((b) => ({ ...b })),
      2,
    );
    await h.run(5_000);
    expect(h.gateway.allowlist.version).toBe(2);
    const third = h.published('sightings')[2]?.beacons[0];
    expect(third?.count).toBeGreaterThanOrEqual(9);
    // One TLM in the window after the push: its rate needs the TLM before it.
    expect(h.published('telemetry').at(-1)?.advRateHz).not.toBeNull();
  });
});

describe('settings from the cloud and a gateway that hears nothing', () => {
  it('GatewayConfigCommand changes the batch window and turns footfall on; older versions are ignored', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    h.field.addCrowd({ present: 10, dwellMs: 3_600_000 });
    await h.start();
    await h.run(60_000);
    expect(h.published('sightings')).toHaveLength(6);
    const issuedAt = '2026-11-28T08:00:00.000Z';
    h.gateway.applyCommand({
      kind: 'gatewayConfig',
      message: { version: 2, issuedAt, batchIntervalS: 5, footfall: { enabled: true, k: 5 } },
    });
    h.gateway.applyCommand({ kind: 'gatewayConfig', message: { version: 1, issuedAt, batchIntervalS: 600 } });
    await h.run(300_000);
    expect(h.published('sightings')).toHaveLength(6 + 60);
    // The ten phones; the allowlisted beacon is not footfall.
    expect(h.published('footfall').map((f) => f.count)).toEqual([10]);
  });

  it('a scanner that never hears anything says how to fix the permission', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')], config: { stallAfterS: 30 } });
    await h.start();
    await h.run(40_000);
    const stalled = h.published('gatewayAlert').find((a) => a.kind === 'scan-stalled');
    expect(stalled?.detail).toMatch(/CAP_NET_RAW/);
  });
});

describe('an adapter that goes away', () => {
  it('reports no-adapter while it is gone and resumes scanning when it is back', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    await h.start();
    await h.run(20_000);
    h.binding.emit('stateChange', 'poweredOff');
    await h.run(5_000);
    expect(h.published('gatewayHealth').at(-1)?.scanner).toBe('no-adapter');
    h.binding.emit('stateChange', 'poweredOn');
    await h.run(20_000);
    expect(h.published('gatewayHealth').at(-1)?.scanner).toBe('scanning');
    expect(
      h
        .published('sightings')
        .at(-1)
        ?.beacons.map((s) => s.beaconId),
    ).toEqual([IB]);
  });
});

describe('a gateway that starts without an adapter', () => {
  it('says no-adapter, keeps trying, and scans once the adapter is there; settings do not cancel the retry', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    h.field.addBeacon(ibeacon('C0:FF:EE:00:00:01'));
    // The adapter answers "poweredOff" first (unplugged): noble's state stays off.
    const binding = h.binding as unknown as { init: () => void; emit: (e: string, s: string) => boolean };
    const init = binding.init.bind(binding);
    binding.init = () => process.nextTick(() => binding.emit('stateChange', 'poweredOff'));
    const started = h.start();
    await h.run(11_000);
    await started;
    expect(h.published('gatewayHealth').at(-1)?.scanner).toBe('no-adapter');
    h.gateway.applyCommand({
      kind: 'gatewayConfig',
      message: { version: 1, issuedAt: '2026-11-28T08:00:00.000Z', batchIntervalS: 10 },
    });
    binding.init = init;
    binding.emit('stateChange', 'poweredOn');
    await h.run(60_000);
    expect(h.published('gatewayHealth').at(-1)?.scanner).toBe('scanning');
    expect(
      h
        .published('sightings')
        .at(-1)
        ?.beacons.map((s) => s.beaconId),
    ).toEqual([IB]);
  });
});
