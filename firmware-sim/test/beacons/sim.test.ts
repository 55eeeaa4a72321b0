import { decodeAdvertisement } from '@releve/shared/protocols/ble/index';
import { describe, expect, it } from 'vitest';
import {
  AdvEventType,
  createNoble,
  eddystoneTlmAd,
  encodeEddystoneUrl,
  iBeaconAd,
  identityOf,
  parseZoneFile,
  RadioField,
  SimulatedBeacon,
  SimulatedHciBinding,
  SimulatedPhone,
  SimulatedZone,
  seededRandom,
  VirtualClock,
} from '../../src/beacons/index.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';

interface Peripheral {
  address: string;
  rssi: number;
  advertisement: { manufacturerData?: Buffer; serviceData: { uuid: string; data: Buffer }[] };
}

async function scanningNoble(binding: SimulatedHciBinding) {
  const noble = createNoble(binding);
  // noble hands out one Peripheral object per address and updates it in place: keep a snapshot.
  const seen: Peripheral[] = [];
  noble.on('discover', (p: Peripheral) =>
    seen.push({ address: p.address, rssi: p.rssi, advertisement: { ...p.advertisement } }),
  );
  await noble.startScanningAsync([], true);
  return { noble, seen };
}

describe('simulated beacons', () => {
  it('every frame type a beacon sends decodes with the shared decoders', () => {
    const clock = new VirtualClock();
    const b = new SimulatedBeacon({
      address: 'C0:00:00:00:00:01',
      identity: {
        ibeacon: { uuid: UUID, major: 1, minor: 2 },
        altbeacon: { id: '2f234454cf6d4a0fadf2f4911ba9ffa600010002' },
        eddystoneUid: { namespace: '8b0ca750095477cb3e77', instance: '000000000001' },
        eddystoneUrl: 'https://www.releve.example.org/b1',
        eddystoneEid: { ephemeralId: '0102030405060708' },
        tlm: true,
      },
      powerAt1mDbm: -60,
    });
    const types = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = decodeAdvertisement(b.nextPacket(clock.now()) as Uint8Array);
      expect(r.errors).toEqual([]);
      for (const f of r.frames) types.add(f.type);
      clock.advance(1000);
    }
    expect([...types].sort()).toEqual([
      'altbeacon',
      'eddystone-eid',
      'eddystone-tlm',
      'eddystone-uid',
      'eddystone-url',
      'ibeacon',
    ]);
    expect(encodeEddystoneUrl('https://www.releve.example.org/b1')[0]).toBe(1);
  });

  it('TLM counters grow, the battery drains, and a reboot resets both counters', () => {
    const clock = new VirtualClock();
    const b = new SimulatedBeacon({
      address: 'C0:00:00:00:00:02',
      identity: { tlm: true },
      batteryMv: 3000,
      drainMvPerHour: 100,
    });
    const tlm = () => {
      const f = decodeAdvertisement(b.nextPacket(clock.now()) as Uint8Array).frames[0];
      if (f?.type !== 'eddystone-tlm') throw new Error('want TLM');
      return f;
    };
    const first = tlm();
    clock.advance(3_600_000);
    const later = tlm();
    expect(later.advCount).toBeGreaterThan(first.advCount);
    expect(later.uptimeS).toBeCloseTo(3600, 0);
    expect(later.batteryMv).toBeLessThan(first.batteryMv ?? 0);
    b.reboot(clock.now());
    clock.advance(10_000);
    const afterReboot = tlm();
    expect(afterReboot.advCount).toBe(1);
    expect(afterReboot.uptimeS).toBeCloseTo(10, 0);
  });

  it('phones rotate their random resolvable addresses and send no beacon frame', () => {
    const clock = new VirtualClock();
    const phone = new SimulatedPhone({ random: seededRandom(7), rotateMs: 60_000 });
    for (let t = 0; t < 10 * 60_000; t += 1000) {
      const p = phone.nextPacket(clock.now());
      expect(decodeAdvertisement(p.data).frames).toEqual([]);
      clock.advance(1000);
    }
    expect(phone.addressesUsed.length).toBeGreaterThanOrEqual(9);
    for (const a of phone.addressesUsed) expect(Number.parseInt(a.slice(0, 2), 16) >> 6).toBe(0b01);
  });
});

describe("noble's real Noble class on the simulated binding", () => {
  it('reports beacons with their RSSI, through the virtual clock, faster than real time', async () => {
    const clock = new VirtualClock();
    const binding = new SimulatedHciBinding();
    const { noble, seen } = await scanningNoble(binding);
    const field = new RadioField({ clock, binding, seed: 3, lossRate: 0 });
    field.addBeacon(
      new SimulatedBeacon({
        address: 'C0:00:00:00:00:03',
        identity: { ibeacon: { uuid: UUID, major: 7, minor: 8 } },
        intervalMs: 100,
        distanceM: 1,
      }),
    );
    clock.advance(600_000);
    expect(seen.length).toBeGreaterThan(5500);
    expect(seen[0]?.address).toBe('c0:00:00:00:00:03');
    const mean = seen.reduce((s, p) => s + p.rssi, 0) / seen.length;
    expect(mean).toBeGreaterThan(-62);
    expect(mean).toBeLessThan(-56);
    field.stop();
    await noble.stopScanningAsync();
  });

  it("reproduces noble's merging: manufacturer data from an earlier packet stays on the advertisement", async () => {
    const binding = new SimulatedHciBinding();
    const { seen } = await scanningNoble(binding);
    const address = 'c0:00:00:00:00:04';
    binding.report({
      eventType: AdvEventType.NonConnectable,
      address,
      addressType: 'public',
      data: iBeaconAd(UUID, 1, 2, -59),
      rssi: -60,
    });
    binding.report({
      eventType: AdvEventType.NonConnectable,
      address,
      addressType: 'public',
      data: eddystoneTlmAd({ batteryMv: 3000, temperatureC: 20, advCount: 5, secCount: 50 }),
      rssi: -61,
    });
    expect(seen).toHaveLength(2);
    const adv = seen[1]?.advertisement;
    // The TLM packet carries no manufacturer data, yet noble still shows the iBeacon's.
    expect(adv?.manufacturerData?.subarray(0, 4)).toEqual(Buffer.from([0x4c, 0x00, 0x02, 0x15]));
    expect(adv?.serviceData.map((s) => s.uuid)).toEqual(['feaa']);
  });

  it('a connectable phone is reported only after its scan response or second packet', async () => {
    const binding = new SimulatedHciBinding();
    const { seen } = await scanningNoble(binding);
    const data = Uint8Array.from([0x02, 0x01, 0x06]);
    binding.report({
      eventType: AdvEventType.Connectable,
      address: '4a:00:00:00:00:01',
      addressType: 'random',
      data,
      rssi: -70,
    });
    expect(seen).toHaveLength(0);
    binding.report({
      eventType: AdvEventType.Connectable,
      address: '4a:00:00:00:00:01',
      addressType: 'random',
      data,
      rssi: -70,
    });
    expect(seen).toHaveLength(1);
  });

  it('throws where gap.js throws on malformed advertising data (noble/noble#677, #831)', async () => {
    const binding = new SimulatedHciBinding();
    await scanningNoble(binding);
    const r = (data: number[]) => () =>
      binding.report({
        eventType: AdvEventType.NonConnectable,
        address: '4a:00:00:00:00:09',
        addressType: 'random',
        data: Uint8Array.from(data),
        rssi: -70,
      });
    expect(r([0x01, 0x0a])).toThrow(RangeError); // Tx Power Level without its byte
    expect(r([0x01, 0x16])).toThrow(TypeError); // service data without its UUID
    expect(r([0x02, 0x01, 0x06])).not.toThrow();
  });

  it('a deaf controller delivers nothing until scanning restarts', async () => {
    const binding = new SimulatedHciBinding();
    const { noble, seen } = await scanningNoble(binding);
    const r = {
      eventType: AdvEventType.NonConnectable,
      address: 'c0:00:00:00:00:05',
      addressType: 'public' as const,
      data: iBeaconAd(UUID, 1, 1, -59),
      rssi: -60,
    };
    binding.goDeaf();
    binding.report(r);
    expect(seen).toHaveLength(0);
    await noble.stopScanningAsync();
    await noble.startScanningAsync([], true);
    binding.report(r);
    expect(seen).toHaveLength(1);
  });

  it('a crowd of phones keeps producing new addresses', () => {
    const clock = new VirtualClock();
    const binding = new SimulatedHciBinding();
    binding.startScanning();
    const field = new RadioField({ clock, binding, seed: 9 });
    const crowd = field.addCrowd({ present: 20, dwellMs: 60_000, rotateMs: 30_000 });
    clock.advance(10 * 60_000);
    const addresses = new Set(crowd.phones.flatMap((p) => p.addressesUsed));
    expect(addresses.size).toBeGreaterThan(300);
    field.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('simulated zone', () => {
  it('makes a beacon that advertises each canonical beacon id', () => {
    const clock = new VirtualClock();
    const ids = [
      `ibeacon:${UUID}:7:65535`,
      'eddystone:8b0ca750095477cb3e77:00000000000a',
      'altbeacon:2f234454cf6d4a0fadf2f4911ba9ffa600010002',
    ];
    for (const id of ids) {
      const identity = identityOf(id);
      if (!identity) throw new Error(`no identity for ${id}`);
      const b = new SimulatedBeacon({ address: 'C0:00:00:00:00:10', identity, tlmEvery: 1000 });
      const frames = decodeAdvertisement(b.nextPacket(clock.now()) as Uint8Array).frames;
      expect(frames.map((f) => ('beaconId' in f ? f.beaconId : null))).toEqual([id]);
    }
    expect(identityOf('eddystone:zz')).toBeNull();
  });

  it("puts the zone's beacons on air, plus phones and a clone of the first", async () => {
    const clock = new VirtualClock();
    const binding = new SimulatedHciBinding();
    const { seen } = await scanningNoble(binding);
    const zone = new SimulatedZone({
      clock,
      binding,
      phones: 5,
      clone: true,
      beacons: [
        { beaconId: `ibeacon:${UUID}:1:1`, address: 'C0:FF:EE:00:00:01' },
        { beaconId: 'eddystone:8b0ca750095477cb3e77:000000000002', address: null },
      ],
    });
    clock.advance(60_000);
    const addresses = new Set(seen.map((p) => p.address));
    expect(zone.beacons.size).toBe(2);
    expect(addresses.has('c0:ff:ee:00:00:01')).toBe(true);
    expect(addresses.size).toBeGreaterThanOrEqual(2 + 1 + 5);
    zone.stop();
    expect(clock.pending).toBe(0);
  });

  it('simulates flat and silent beacons as the zone file says', async () => {
    const clock = new VirtualClock();
    const binding = new SimulatedHciBinding();
    const { seen } = await scanningNoble(binding);
    const beacons = parseZoneFile({
      beacons: [
        { beaconId: 'eddystone:8b0ca750095477cb3e77:000000000001', address: 'C0:FF:EE:00:00:01' },
        {
          beaconId: 'eddystone:8b0ca750095477cb3e77:000000000002',
          address: 'C0:FF:EE:00:00:02',
          simulated: 'low-battery',
        },
        { beaconId: `ibeacon:${UUID}:1:3`, address: 'C0:FF:EE:00:00:03', simulated: 'silent' },
      ],
    });
    const zone = new SimulatedZone({ clock, binding, beacons });
    clock.advance(120_000);
    const addresses = new Set(seen.map((p) => p.address));
    expect(addresses).toEqual(new Set(['c0:ff:ee:00:00:01', 'c0:ff:ee:00:00:02']));
    expect(zone.beacons.get('eddystone:8b0ca750095477cb3e77:000000000002')?.batteryMv).toBeLessThanOrEqual(
      2150,
    );
    expect(zone.beacons.get('eddystone:8b0ca750095477cb3e77:000000000001')?.batteryMv).toBeGreaterThan(2900);
    zone.stop();
  });

  it('reports every problem of a zone file', () => {
    expect(() =>
      parseZoneFile({
        beacons: [
          { beaconId: 'eddystone:zz', address: null },
          { beaconId: `ibeacon:${UUID}:1:3`, address: 'C0:FF', simulated: 'asleep' },
        ],
      }),
    ).toThrow(
      /beacons\.0\.beaconId: not an ibeacon.*beacons\.1\.address: a BLE address.*beacons\.1\.simulated/,
    );
    expect(() => parseZoneFile({ beacon: [] })).toThrow(/beacons/);
  });
});
