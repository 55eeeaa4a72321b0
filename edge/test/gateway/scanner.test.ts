import { decodeAdvertisement } from '@releve/shared/protocols/ble/index';
import {
  AdvEventType,
  createNoble,
  eddystoneTlmAd,
  eddystoneUidAd,
  iBeaconAd,
  SimulatedHciBinding,
  VirtualClock,
} from '@releve/firmware-sim/beacons/index';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BleScanner, type ScanReport } from '../../src/ble/BleScanner.js';
import type { NobleLike } from '../../src/ble/noble-types.js';
import { EdgeError, EdgeErrorCode } from '../../src/errors.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const silent = pino({ level: 'silent' });

function setup(behaviour?: ConstructorParameters<typeof SimulatedHciBinding>[0]) {
  const clock = new VirtualClock();
  const binding = new SimulatedHciBinding(behaviour);
  const noble = createNoble(binding) as NobleLike;
  const reports: ScanReport[] = [];
  const scanner = new BleScanner({
    clock,
    noble,
    onReport: (r) => reports.push(r),
    logger: silent,
    purgeAfterMs: 60_000,
  });
  return { clock, binding, noble, reports, scanner };
}

const frameTypes = (r: ScanReport | undefined) =>
  decodeAdvertisement(r?.data ?? new Uint8Array()).frames.map((f) => f.type);

describe('BleScanner on the simulated binding', () => {
  it("rebuilds each packet's own AD bytes although noble merges fields across packets", async () => {
    const { binding, reports, scanner } = setup();
    await scanner.start();
    const address = 'c0:ff:ee:00:00:07';
    const send = (data: Uint8Array, eventType: number = AdvEventType.NonConnectable) =>
      binding.report({ eventType, address, addressType: 'public', data, rssi: -70 });
    send(iBeaconAd(UUID, 1, 2, -59));
    send(eddystoneTlmAd({ batteryMv: 3000, temperatureC: 21, advCount: 10, secCount: 100 }));
    send(eddystoneUidAd('8b0ca750095477cb3e77', '000000000001', -18));
    send(iBeaconAd(UUID, 1, 2, -59));
    expect(reports.map(frameTypes)).toEqual([['ibeacon'], ['eddystone-tlm'], ['eddystone-uid'], ['ibeacon']]);
    expect(reports[0]).toMatchObject({ address: 'C0:FF:EE:00:00:07', rssi: -70 });
    await scanner.stop();
  });

  it('a scan response only contributes its own service data', async () => {
    const { binding, reports, scanner } = setup();
    await scanner.start();
    const address = '4a:00:00:00:00:08';
    binding.report({
      eventType: AdvEventType.Connectable,
      address,
      addressType: 'random',
      data: iBeaconAd(UUID, 3, 4, -59),
      rssi: -60,
    });
    const tlm = eddystoneTlmAd({ batteryMv: 2900, temperatureC: 20, advCount: 1, secCount: 1 });
    binding.report({
      eventType: AdvEventType.ScanResponse,
      address,
      addressType: 'random',
      data: tlm.subarray(3),
      rssi: -61,
    });
    // gap.js reports the connectable device only with its scan response: merged iBeacon + TLM.
    expect(reports.map(frameTypes)).toEqual([['ibeacon', 'eddystone-tlm']]);
    binding.report({
      eventType: AdvEventType.ScanResponse,
      address,
      addressType: 'random',
      data: tlm.subarray(3),
      rssi: -62,
    });
    expect(frameTypes(reports[1])).toEqual(['eddystone-tlm']);
    await scanner.stop();
  });

  it("purges noble's caches of addresses not heard for purgeAfterMs", async () => {
    const { clock, binding, noble, scanner } = setup();
    await scanner.start();
    for (let i = 0; i < 500; i++) {
      const address = `4a:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      binding.report({
        eventType: AdvEventType.NonConnectable,
        address,
        addressType: 'random',
        data: new Uint8Array([2, 1, 6]),
        rssi: -80,
      });
    }
    // One connectable device heard once is cached by gap.js without ever being reported.
    binding.report({
      eventType: AdvEventType.Connectable,
      address: '4a:ff:00:00:00:01',
      addressType: 'random',
      data: new Uint8Array([2, 1, 6]),
      rssi: -80,
    });
    expect(Object.keys(noble._peripherals ?? {})).toHaveLength(500);
    expect(Object.keys(binding._gap._discoveries)).toHaveLength(501);
    clock.advance(120_000);
    expect(scanner.tracked).toBe(0);
    expect(Object.keys(noble._peripherals ?? {})).toHaveLength(0);
    expect(Object.keys(noble._discoveredPeripheralUUids ?? {})).toHaveLength(0);
    expect(Object.keys(binding._gap._discoveries)).toHaveLength(0);
    expect(Object.keys(binding._addresses)).toHaveLength(0);
    expect(scanner.stats.purged).toBe(501);
    await scanner.stop();
  });

  it("survives the advertising data that crashes noble's gap.js, and counts it", async () => {
    const { binding, reports, scanner } = setup();
    await scanner.start();
    const send = (data: number[]) =>
      binding.report({
        eventType: AdvEventType.NonConnectable,
        address: '4a:00:00:00:00:0a',
        addressType: 'random',
        data: Uint8Array.from(data),
        rssi: -70,
      });
    send([0x01, 0x0a]);
    send([0x01, 0x16]);
    send([...iBeaconAd(UUID, 5, 6, -59)]);
    expect(scanner.stats.malformed).toBe(2);
    expect(reports.map(frameTypes)).toEqual([[], [], ['ibeacon']]);
    await scanner.stop();
  });

  it('restart() gives up on a controller that never confirms, instead of hanging', async () => {
    const { clock, binding, scanner } = setup();
    await scanner.start();
    binding.stopScanning = () => {}; // no scanStop ever
    const restarted = scanner.restart().then(
      () => 'restarted',
      (e: EdgeError) => e.code,
    );
    await new Promise((r) => setImmediate(r));
    clock.advance(10_000);
    expect(await restarted).toBe(EdgeErrorCode.BleNoAdapter);
    expect(scanner.state).toBe('stalled');
  });

  it('restart() recovers a deaf controller', async () => {
    const { binding, reports, scanner } = setup();
    await scanner.start();
    const r = {
      eventType: AdvEventType.NonConnectable,
      address: 'c0:00:00:00:00:01',
      addressType: 'public' as const,
      data: iBeaconAd(UUID, 1, 1, -59),
      rssi: -60,
    };
    binding.goDeaf();
    binding.report(r);
    expect(reports).toHaveLength(0);
    await scanner.restart();
    binding.report(r);
    expect(reports).toHaveLength(1);
    expect(scanner.stats.restarts).toBe(1);
    await scanner.stop();
  });
});

describe('BleScanner without a usable adapter', () => {
  it('unauthorized (no CAP_NET_RAW): ble-no-permission naming the setcap fix', async () => {
    const { scanner } = setup('unauthorized');
    const err = await scanner.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe(EdgeErrorCode.BleNoPermission);
    expect((err as EdgeError).message).toContain('setcap cap_net_raw+eip');
    expect(scanner.state).toBe('no-permission');
  });

  it('unsupported adapter: ble-no-adapter naming NOBLE_HCI_DEVICE_ID', async () => {
    const { scanner } = setup('unsupported');
    await expect(scanner.start()).rejects.toMatchObject({ code: EdgeErrorCode.BleNoAdapter });
    await expect(scanner.start()).rejects.toThrow(/NOBLE_HCI_DEVICE_ID/);
  });

  it('an adapter noble cannot open (ENODEV: no hci<n>): ble-no-adapter at once, with the cause', async () => {
    const clock = new VirtualClock();
    const binding = new SimulatedHciBinding();
    binding.init = () => {
      throw Object.assign(new Error('ENODEV, No such device'), { code: 'ENODEV' });
    };
    const scanner = new BleScanner({
      clock,
      noble: createNoble(binding) as NobleLike,
      onReport: () => {},
      logger: silent,
    });
    const err = await scanner.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe(EdgeErrorCode.BleNoAdapter);
    expect((err as EdgeError).message).toContain('ENODEV');
    expect((err as EdgeError).message).toContain('NOBLE_HCI_DEVICE_ID');
    expect(scanner.state).toBe('no-adapter');
  });

  it('an adapter that never powers on times out with ble-no-adapter', async () => {
    const { clock, scanner } = setup('poweredOff');
    const started = scanner.start();
    await new Promise((r) => setImmediate(r));
    clock.advance(10_000);
    await expect(started).rejects.toMatchObject({ code: EdgeErrorCode.BleNoAdapter });
  });

  it('the real noble on this machine: scans, or fails with a coded error naming the fix', async () => {
    const scanner = new BleScanner({
      clock: new VirtualClock(),
      onReport: () => {},
      logger: silent,
      powerOnTimeoutMs: 1,
    });
    const outcome = await scanner.start().then(
      () => 'scanning',
      (e: unknown) => e,
    );
    if (outcome === 'scanning') {
      expect(scanner.state).toBe('scanning');
      await scanner.stop();
      return;
    }
    expect(outcome).toBeInstanceOf(EdgeError);
    const e = outcome as EdgeError;
    expect([EdgeErrorCode.BleNoAdapter, EdgeErrorCode.BleNoPermission]).toContain(e.code);
    expect(e.message).toMatch(/NOBLE_HCI_DEVICE_ID|setcap/);
  });
});
