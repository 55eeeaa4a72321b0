import { BeaconSightingsBatch } from '@releve/shared';
import { AdvEventType, iBeaconAd, SimulatedBeacon, seededRandom } from '@releve/firmware-sim/beacons/index';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { allowed, GatewayHarness } from './harness.js';

const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const IB = `ibeacon:${UUID}:1:1`;
const ED = 'eddystone:8b0ca750095477cb3e77:000000000002';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const eddy = (payload: string) => {
  const p = hex(payload);
  return Uint8Array.from([3, 3, 0xaa, 0xfe, p.length + 3, 0x16, 0xaa, 0xfe, ...p]);
};

let h: GatewayHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h?.cleanup();
  h = null;
});

describe('bad input: defined outcomes, no crash, bounded memory', () => {
  it('frames with wrong lengths, reserved URL codes and unreadable TLM are counted by code', async () => {
    h = new GatewayHarness({ allowlist: [allowed(ED, 'C0:FF:EE:00:00:02')] });
    await h.start();
    const send = (data: Uint8Array, address = 'c0:ff:ee:00:00:02') =>
      h?.binding.report({
        eventType: AdvEventType.NonConnectable,
        address,
        addressType: 'public',
        data,
        rssi: -70,
      });
    send(eddy('00 EE 8b0ca750095477cb3e77 000000000002 0000')); // a good UID first
    send(hex(`17FF4C000215 ${'11'.repeat(16)} 0001`)); // iBeacon cut short
    send(hex(`1AFF1801BEAC ${'22'.repeat(20)} C5`)); // AltBeacon one byte short
    send(eddy('10 EE 03 616263 7F')); // URL reserved code 0x7F
    send(eddy('10 EE 03 61 0E')); // URL reserved code 0x0E
    send(eddy('10 EE 09 616263')); // URL reserved scheme
    send(eddy(`20 01 ${'00'.repeat(12)}`)); // encrypted TLM
    send(eddy('20 00 0BB8 1880 00000001')); // TLM cut short
    send(eddy('50 00 01')); // unknown Eddystone frame type
    send(hex('1AFF4C000215 0000')); // AD length past the end: gap.js drops the structure
    await h.run(10_000);
    expect(h.gateway.stats.badFrames).toEqual({
      'bad-length': 3,
      'reserved-url-code': 2,
      'reserved-url-scheme': 1,
      'unsupported-tlm-version': 1,
      'unknown-eddystone-frame': 1,
    });
    const batch = h.published('sightings').at(-1);
    expect(batch?.beacons.map((s) => [s.beaconId, s.count])).toEqual([[ED, 1]]);
    expect(h.published('telemetry')).toEqual([]);
  });

  it('random advertising bytes from random addresses never crash the gateway', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    await h.start();
    const binding = h.binding;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 0, max: 0xffffff }),
        fc.constantFrom(0, 2, 3, 4),
        (data, a, eventType) => {
          const address = `4a:00:00:${[a >> 16, (a >> 8) & 0xff, a & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
          binding.report({ eventType, address, addressType: 'random', data, rssi: -80 });
        },
      ),
      { numRuns: 5000 },
    );
    await h.run(20_000);
    expect(h.gateway.stats.advertisements).toBeGreaterThan(1000);
    for (const b of h.published('sightings')) expect(BeaconSightingsBatch.safeParse(b).success).toBe(true);
  });

  it('absurd RSSI values are not used; the frames still count', async () => {
    h = new GatewayHarness({ allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')] });
    await h.start();
    const data = iBeaconAd(UUID, 1, 1, -59);
    for (const rssi of [-65, 50, -200, 127, 1.5, -66]) {
      h.binding.report({
        eventType: AdvEventType.NonConnectable,
        address: 'c0:ff:ee:00:00:01',
        addressType: 'public',
        data,
        rssi,
      });
    }
    await h.run(10_000);
    expect(h.gateway.stats.noRssi).toBe(4);
    const s = h.published('sightings').at(-1)?.beacons[0];
    expect(s).toMatchObject({ count: 6, rssiDbm: { min: -66, max: -65 } });
    expect(s?.rssiDbm.smoothed).toBeGreaterThanOrEqual(-66);
    expect(s?.rssiDbm.smoothed).toBeLessThanOrEqual(-65);
  });

  it("a flood of random addresses keeps the scanner's and noble's memory bounded", async () => {
    h = new GatewayHarness({
      allowlist: [allowed(IB, 'C0:FF:EE:00:00:01')],
      config: { scanner: { purgeAfterS: 30, maxTracked: 1000 }, footfall: { enabled: true } },
    });
    h.field.addBeacon(
      new SimulatedBeacon({
        address: 'C0:FF:EE:00:00:01',
        identity: { ibeacon: { uuid: UUID, major: 1, minor: 1 } },
      }),
    );
    await h.start();
    const random = seededRandom(5);
    const data = Uint8Array.from([2, 1, 6, 4, 0xff, 0x06, 0x00, 0x01]);
    let maxNoble = 0;
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 2000; i++) {
        const address = Array.from({ length: 6 }, () =>
          Math.floor(random() * 256)
            .toString(16)
            .padStart(2, '0'),
        ).join(':');
        h.binding.report({
          eventType: AdvEventType.NonConnectable,
          address,
          addressType: 'random',
          data,
          rssi: -90,
        });
      }
      await h.run(1000);
      maxNoble = Math.max(maxNoble, h.gateway.scanner.nobleCacheSize);
    }
    expect(h.gateway.stats.advertisements).toBeGreaterThanOrEqual(120_000);
    expect(maxNoble).toBeLessThanOrEqual(1000);
    expect(h.gateway.scanner.tracked).toBeLessThanOrEqual(1000);
    expect(Object.keys(h.binding._gap._discoveries).length).toBeLessThanOrEqual(3000);
    // The allowlisted beacon is still heard in the flood.
    expect(
      h
        .published('sightings')
        .at(-1)
        ?.beacons.map((s) => s.beaconId),
    ).toEqual([IB]);
  }, 120_000);
});
