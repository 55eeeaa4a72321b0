/**
 * The whole beacon chain on simulated air: simulated beacons (firmware-sim) → the real gateway
 * agent (edge: noble on the simulated HCI binding, its durable outbox, DeviceLink) → the
 * cloud's embedded broker → the real ingest → the SQLite store → the beacon fleet and its API.
 * A test-only crossing of the edge/cloud boundary, on purpose: it is the system test of the
 * beacon network (no src file of either package imports the other).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BeaconGateway } from '@releve/edge/gateway/BeaconGateway';
import { GatewayConfig } from '@releve/edge/gateway/GatewayConfig';
import { outboxPublisher } from '@releve/edge/gateway/GatewayPublisher';
import { DeviceLink } from '@releve/edge/mqtt/DeviceLink';
import { Outbox } from '@releve/edge/outbox/Outbox';
import {
  createNoble,
  RadioField,
  SimulatedBeacon,
  SimulatedHciBinding,
  VirtualClock,
} from '@releve/firmware-sim/beacons/index';
import type { AllowlistedBeacon } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeaconFleetEntry } from '../../src/beacons/BeaconFleet.js';
import type { FleetAlert } from '../../src/beacons/FleetStore.js';
import { CloudPipeline, northOf } from './CloudPipeline.js';

const MIN = 60_000;
const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const NS = '8b0ca750095477cb3e77';
const IB_CLONED = `ibeacon:${UUID}:7:1`;
const IB_TWIN = `ibeacon:${UUID}:7:5`;
const ED_SILENT = `eddystone:${NS}:000000000002`;
const ED_BATTERY = `eddystone:${NS}:000000000003`;
const ED_REBOOT = `eddystone:${NS}:000000000004`;
const ED_EAST = `eddystone:${NS}:000000000006`;

const WEST = { lat: 43.65, lon: 3.54 };
const EAST = northOf(WEST, 300);
const ALLOWLIST: AllowlistedBeacon[] = [
  { beaconId: IB_CLONED, address: 'C0:FF:EE:00:00:01', name: 'cloned', ...northOf(WEST, 2) },
  { beaconId: ED_SILENT, address: 'C0:FF:EE:00:00:02', name: 'silent', ...northOf(WEST, 2) },
  { beaconId: ED_BATTERY, address: 'C0:FF:EE:00:00:03', name: 'battery', ...northOf(WEST, 2) },
  { beaconId: ED_REBOOT, address: 'C0:FF:EE:00:00:04', name: 'reboot', ...northOf(WEST, 2) },
  { beaconId: IB_TWIN, address: null, name: 'twin', ...northOf(WEST, 1) },
  { beaconId: ED_EAST, address: 'C0:FF:EE:00:00:06', name: 'east', ...northOf(EAST, 2) },
];

const ibeacon = (address: string, minor: number, distanceM: number) =>
  new SimulatedBeacon({ address, identity: { ibeacon: { uuid: UUID, major: 7, minor } }, distanceM });
const eddystone = (
  address: string,
  instance: string,
  o: Partial<ConstructorParameters<typeof SimulatedBeacon>[0]>,
) =>
  new SimulatedBeacon({
    address,
    identity: { eddystoneUid: { namespace: NS, instance }, tlm: true },
    tlmEvery: 3,
    distanceM: 2,
    ...o,
  });

/** One gateway on its own patch of simulated air, linked to the cloud broker. */
class GatewayOnAir {
  readonly dir = mkdtempSync(join(tmpdir(), 'releve-gw-e2e-'));
  readonly binding = new SimulatedHciBinding();
  readonly field: RadioField;
  readonly outbox: Outbox;
  readonly gateway: BeaconGateway;
  readonly link: DeviceLink;

  constructor(
    readonly gatewayId: string,
    clock: VirtualClock,
    brokerUrl: string,
    seed: number,
  ) {
    const logger = pino({ level: 'silent' });
    this.field = new RadioField({ clock, binding: this.binding, seed });
    this.outbox = Outbox.open({ dataDir: this.dir, deviceId: gatewayId, deviceClass: 'gateways', logger });
    this.gateway = new BeaconGateway({
      config: GatewayConfig.parse({
        gatewayId,
        dataDir: this.dir,
        broker: { url: brokerUrl },
        batchIntervalS: 30,
      }),
      publisher: outboxPublisher(this.outbox),
      clock,
      noble: createNoble(this.binding),
      logger,
    });
    this.gateway.applyCommand({
      kind: 'allowlist',
      message: { version: 1, issuedAt: new Date(clock.now()).toISOString(), beacons: ALLOWLIST },
    });
    this.link = new DeviceLink({
      url: brokerUrl,
      deviceId: gatewayId,
      deviceClass: 'gateways',
      outbox: this.outbox,
      password: CloudPipeline.passwordOf(gatewayId),
      logger,
    });
  }

  async start(): Promise<void> {
    this.link.start();
    await this.gateway.start();
  }

  async stop(): Promise<void> {
    this.field.stop();
    await this.gateway.stop();
    await this.link.stop();
    if (!this.outbox.isClosed) this.outbox.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('simulated beacons → real gateway → broker → ingest → fleet status', () => {
  const clock = new VirtualClock();
  const startMs = clock.now();
  const cloud = new CloudPipeline();
  let west: GatewayOnAir;
  let east: GatewayOnAir;
  const silent = eddystone('C0:FF:EE:00:00:02', '000000000002', {});
  const rebooting = eddystone('C0:FF:EE:00:00:04', '000000000004', { batteryMv: 3000 });
  let early: FleetAlert[] = [];
  let late: FleetAlert[] = [];

  /** Advances virtual time in 1 s steps, letting I/O (MQTT, SQLite) run in between. */
  async function run(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Waits until every event both gateways queued is stored by the cloud. */
  async function delivered(): Promise<void> {
    const stored = cloud.store.db.prepare('SELECT count(*) FROM events WHERE device_id = ?').pluck();
    await waitFor(
      () =>
        [west, east].every(
          (g) => g.outbox.backlog() === 0 && (stored.get(g.gatewayId) as number) >= g.outbox.lastSeq(),
        ),
      60_000,
      'every gateway event stored in the cloud',
    );
  }

  const at = () => new Date(clock.now());
  const entry = (id: string): BeaconFleetEntry => {
    const e = cloud.fleet.beacon(id, at());
    if (!e) throw new Error(`no beacon ${id}`);
    return e;
  };

  beforeAll(async () => {
    cloud.register(
      [
        { id: 'gw-west', ...WEST },
        { id: 'gw-east', ...EAST },
      ],
      ALLOWLIST.map((b) => ({ id: b.beaconId, lat: b.lat, lon: b.lon })),
      new Date(startMs - 86_400_000).toISOString(),
    );
    await cloud.start(['gw-west', 'gw-east']);
    west = new GatewayOnAir('gw-west', clock, cloud.url, 1);
    east = new GatewayOnAir('gw-east', clock, cloud.url, 2);
    west.field.addBeacon(ibeacon('C0:FF:EE:00:00:01', 1, 2));
    west.field.addBeacon(silent);
    west.field.addBeacon(
      eddystone('C0:FF:EE:00:00:03', '000000000003', { batteryMv: 2500, drainMvPerHour: 10 }),
    );
    west.field.addBeacon(rebooting);
    west.field.addBeacon(ibeacon('C0:FF:EE:00:00:05', 5, 1));
    // gw-east's own beacon: a gateway that hears nothing while beacons are expected reports its scan stalled
    east.field.addBeacon(eddystone('C0:FF:EE:00:00:06', '000000000006', {}));
    await west.start();
    await east.start();

    await run(5 * MIN);
    await delivered();
    early = cloud.fleet.evaluate(at());

    west.field.addBeacon(ibeacon('DE:AD:BE:EF:00:01', 1, 3)); // a clone of IB_CLONED next to the genuine one
    east.field.addBeacon(ibeacon('DE:AD:BE:EF:00:05', 5, 1)); // a twin of IB_TWIN, 300 m away
    await run(15 * MIN);
    silent.silent = true;
    await run(20 * MIN);
    rebooting.reboot(clock.now());
    await run(30 * MIN);
    await delivered();
    late = cloud.fleet.evaluate(at());
  }, 300_000);

  afterAll(async () => {
    await west?.stop();
    await east?.stop();
    await cloud.stop();
  });

  it('every beacon starts ok: no alert at the first evaluation', () => {
    expect(early).toEqual([]);
    for (const b of ALLOWLIST) expect(entry(b.beaconId).lastSeenAt).not.toBeNull();
  });

  it('the same iBeacon id from another address ends suspected-clone', () => {
    const e = entry(IB_CLONED);
    expect(e.status).toBe('suspected-clone');
    expect(e.clone.map((c) => c.kind)).toContain('address-mismatch');
  });

  it('a beacon that stopped advertising 50 minutes ago ends silent', () => {
    const e = entry(ED_SILENT);
    expect(e.status).toBe('silent');
    expect(e.silentForMin).toBeGreaterThan(45);
    expect(e.silentForMin).toBeLessThan(55);
  });

  it('a draining battery ends low-battery with the date its trend reaches 2,200 mV', () => {
    const e = entry(ED_BATTERY);
    expect(e.status).toBe('low-battery');
    expect(e.battery.points).toBeGreaterThanOrEqual(7); // 10-minute means over 75 minutes
    expect(e.battery.spanHours).toBeGreaterThan(1);
    expect(e.battery.slopeMvPerDay).toBeLessThan(-200); // 10 mV/h
    expect(e.battery.slopeMvPerDay).toBeGreaterThan(-280);
    // 2,500 mV at the start, 10 mV/h: 2,200 mV thirty hours later
    const expected = startMs + 30 * 3_600_000;
    expect(Math.abs(Date.parse(e.battery.lowBatteryAt ?? '') - expected)).toBeLessThan(2 * 3_600_000);
  });

  it('a rebooted beacon counts one reboot and stays ok (not a clone)', () => {
    const e = entry(ED_REBOOT);
    expect(e.status).toBe('ok');
    expect(e.reboots.count).toBe(1);
    expect(Math.abs(Date.parse(e.reboots.lastAt ?? '') - (startMs + 40 * MIN))).toBeLessThan(MIN);
    expect(e.clone).toEqual([]);
  });

  it('one id heard within 5 m by two gateways 300 m apart ends suspected-clone (cloud-side only)', () => {
    const e = entry(IB_TWIN);
    expect(e.status).toBe('suspected-clone');
    expect(e.clone).toEqual([
      expect.objectContaining({
        kind: 'distant-gateways',
        gatewayIds: expect.arrayContaining(['gw-west', 'gw-east']),
      }),
    ]);
  });

  it('the changes became cloud alerts, and both gateways are online', async () => {
    expect(late.map((a) => `${a.deviceId} ${a.kind}`).sort()).toEqual(
      [
        `${IB_CLONED} beacon-suspected-clone`,
        `${IB_TWIN} beacon-suspected-clone`,
        `${ED_SILENT} beacon-silent`,
        `${ED_BATTERY} beacon-low-battery`,
      ].sort(),
    );
    expect(cloud.fleet.gateways(at()).map((g) => [g.gatewayId, g.status])).toEqual([
      ['gw-east', 'online'],
      ['gw-west', 'online'],
    ]);
    const res = await cloud.get('/api/v1/beacon-fleet/alerts');
    expect(((await res.json()) as { items: FleetAlert[] }).items).toHaveLength(4);
  });
});
