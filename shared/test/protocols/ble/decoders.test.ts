import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BleFrameErrorCode,
  type BeaconFrame,
  decodeAdvertisement,
  encodeAdStructures,
  fromHex,
  parseAdvertisingData,
  powerAt1mDbm,
  splitAdStructures,
} from '../../../src/protocols/ble/index.js';

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex in test: ${s}`);
  return b;
}

function only(bytes: string): BeaconFrame {
  const r = decodeAdvertisement(hex(bytes));
  expect(r.errors).toEqual([]);
  expect(r.frames).toHaveLength(1);
  return r.frames[0] as BeaconFrame;
}

function errorCodes(bytes: string | Uint8Array): string[] {
  return decodeAdvertisement(typeof bytes === 'string' ? hex(bytes) : bytes).errors.map((e) => e.code);
}

describe('AD structures (Core Vol 3 Part C §11)', () => {
  it('reads flags, names, tx power, service uuids, manufacturer and service data', () => {
    // Flags 0x06; complete 16-bit UUID list FEAA; complete name "Tag7"; Tx power -12 dBm;
    // manufacturer 0x0059 (Nordic) 01 02; service data 180F → 64.
    const r = parseAdvertisingData(hex('020106 0303AAFE 050954616737 020AF4 05FF59000102 04160F1864'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.flags).toBe(0x06);
    expect(r.value.serviceUuids16).toEqual([0xfeaa]);
    expect(r.value.localName).toBe('Tag7');
    expect(r.value.txPowerLevelDbm).toBe(-12);
    expect(r.value.manufacturerData).toEqual([{ companyId: 0x0059, data: hex('0102') }]);
    expect(r.value.serviceData16).toEqual([{ uuid: 0x180f, data: hex('64') }]);
  });

  it('uses the shortened name when no complete name is present, and reads 128-bit uuids', () => {
    const r = parseAdvertisingData(hex('0408414243 1107E00A40A7F5D060B0D248FBDFB56DC5E2'));
    expect(r.ok && r.value.localName).toBe('ABC');
    expect(r.ok && r.value.serviceUuids128).toEqual(['e2c56db5-dffb-48d2-b060-d0f5a7400ae0']);
  });

  it('accepts zero padding after the significant part (early termination)', () => {
    const r = splitAdStructures(hex('020106 000000000000'));
    expect(r.ok && r.value.length).toBe(1);
  });

  it('rejects a length that runs past the end', () => {
    expect(errorCodes('020106 1AFF4C000215')).toEqual([BleFrameErrorCode.AdTruncated]);
  });

  it('rejects more bytes than any PDU carries', () => {
    expect(errorCodes(new Uint8Array(1651))).toEqual([BleFrameErrorCode.AdTooLong]);
  });
});

describe('iBeacon (Apple Proximity Beacon Specification)', () => {
  it('decodes a known capture: UUID 83256B74-…, major 16, minor 32, measured power -58', () => {
    const f = only('02011A 1AFF4C000215 83256B7478D043A4826905F9DC8A44BA 0010 0020 C6');
    expect(f).toEqual({
      type: 'ibeacon',
      beaconId: 'ibeacon:83256b74-78d0-43a4-8269-05f9dc8a44ba:16:32',
      uuid: '83256b74-78d0-43a4-8269-05f9dc8a44ba',
      major: 16,
      minor: 32,
      measuredPowerDbm: -58,
    });
    expect(powerAt1mDbm(f)).toBe(-58);
  });

  it('decodes major and minor as big-endian up to 65535', () => {
    const f = only('1AFF4C000215 E2C56DB5DFFB48D2B060D0F5A71096E0 FFFF 0102 B3');
    expect(f.type === 'ibeacon' && [f.major, f.minor, f.measuredPowerDbm]).toEqual([65535, 258, -77]);
  });

  it('reports a wrong length as bad-length, and ignores other Apple messages', () => {
    expect(errorCodes('19FF4C000215 E2C56DB5DFFB48D2B060D0F5A71096E0 0001 0002')).toEqual([
      BleFrameErrorCode.BadLength,
    ]);
    // Apple Continuity "Nearby Info" (type 0x10) from a phone: not a beacon, not an error.
    const r = decodeAdvertisement(hex('0AFF4C0010050B1C0F2A3B'));
    expect([r.frames, r.errors]).toEqual([[], []]);
  });
});

describe('AltBeacon (AltBeacon Protocol Specification v1.0)', () => {
  it('decodes the reference library test vector (Radius Networks 0x0118, ref RSSI -59, reserved 9)', () => {
    const f = only('02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509');
    expect(f).toEqual({
      type: 'altbeacon',
      beaconId: 'altbeacon:2f234454cf6d4a0fadf2f4911ba9ffa600010002',
      companyId: 0x0118,
      id: '2f234454cf6d4a0fadf2f4911ba9ffa600010002',
      referenceRssiDbm: -59,
      mfgReserved: 9,
    });
  });

  it('reports a short AltBeacon as bad-length', () => {
    expect(errorCodes('1aff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c5')).toEqual([
      BleFrameErrorCode.BadLength,
    ]);
  });
});

describe('Eddystone (google/eddystone protocol specification)', () => {
  const svc = (payload: string) => {
    const b = hex(payload);
    return `0303AAFE ${(b.length + 3).toString(16).padStart(2, '0')}16AAFE ${payload}`;
  };

  it('UID: namespace from the spec example elided UUID, instance, tx power 0x12 = +18 dBm', () => {
    const f = only(svc('00 12 8b0ca750095477cb3e77 000000000001 0000'));
    expect(f).toEqual({
      type: 'eddystone-uid',
      beaconId: 'eddystone:8b0ca750095477cb3e77:000000000001',
      namespace: '8b0ca750095477cb3e77',
      instance: '000000000001',
      txPowerAt0mDbm: 18,
    });
    expect(powerAt1mDbm(f)).toBe(18 - 41);
  });

  it('UID: accepts the legacy form without the RFU bytes; rejects other lengths', () => {
    expect(only(svc('00 EE 8b0ca750095477cb3e77 000000000001')).type).toBe('eddystone-uid');
    expect(errorCodes(svc('00 EE 8b0ca750095477cb3e77 0000000001'))).toEqual([BleFrameErrorCode.BadLength]);
  });

  it('URL: the spec example https://goo.gl/Aq18zF, tx power 0xEE = -18 dBm', () => {
    const encoded = Array.from('goo.gl/Aq18zF', (c) => c.charCodeAt(0).toString(16)).join('');
    const f = only(svc(`10 EE 03 ${encoded}`));
    expect(f).toEqual({ type: 'eddystone-url', url: 'https://goo.gl/Aq18zF', txPowerAt0mDbm: -18 });
  });

  it('URL: every scheme and every expansion code', () => {
    const schemes = ['http://www.', 'https://www.', 'http://', 'https://'];
    const expansions = ['.com/', '.org/', '.edu/', '.net/', '.info/', '.biz/', '.gov/'];
    for (let s = 0; s < 4; s++) {
      for (let code = 0; code < 14; code++) {
        const f = only(svc(`10 00 0${s} 61 ${code.toString(16).padStart(2, '0')}`));
        const exp = code < 7 ? expansions[code] : (expansions[code - 7] ?? '').slice(0, -1);
        expect(f.type === 'eddystone-url' && f.url).toBe(`${schemes[s]}a${exp}`);
      }
    }
  });

  it('URL: reserved codes 0x0E–0x20 and 0x7F–0xFF and schemes above 3 are defined errors', () => {
    const reserved = [...Array.from({ length: 0x20 - 0x0e + 1 }, (_, i) => 0x0e + i)];
    for (let c = 0x7f; c <= 0xff; c++) reserved.push(c);
    for (const c of reserved) {
      expect(errorCodes(svc(`10 00 03 61 ${c.toString(16).padStart(2, '0')}`))).toEqual([
        BleFrameErrorCode.ReservedUrlCode,
      ]);
    }
    expect(errorCodes(svc('10 00 04 61'))).toEqual([BleFrameErrorCode.ReservedUrlScheme]);
    expect(errorCodes(svc(`10 00 03 ${'61'.repeat(18)}`))).toEqual([BleFrameErrorCode.BadLength]);
  });

  it('TLM: battery mV, 8.8 signed temperature, ADV_CNT, SEC_CNT (0.1 s)', () => {
    // 3000 mV, 0x1880 = 24.5 °C, ADV_CNT 0x00010203, SEC_CNT 36000 (1 hour).
    const f = only(svc('20 00 0BB8 1880 00010203 00008CA0'));
    expect(f).toEqual({
      type: 'eddystone-tlm',
      batteryMv: 3000,
      temperatureC: 24.5,
      advCount: 66051,
      secCount: 36000,
      uptimeS: 3600,
    });
  });

  it('TLM: negative temperatures, unsupported battery (0) and temperature (0x8000) become null', () => {
    const neg = only(svc('20 00 0BB8 FF80 00000001 00000001'));
    expect(neg.type === 'eddystone-tlm' && neg.temperatureC).toBe(-0.5);
    const minus = only(svc('20 00 0BB8 F600 00000001 00000001'));
    expect(minus.type === 'eddystone-tlm' && minus.temperatureC).toBe(-10);
    const unsupported = only(svc('20 00 0000 8000 FFFFFFFF FFFFFFFF'));
    expect(unsupported).toMatchObject({ batteryMv: null, temperatureC: null, advCount: 4294967295 });
  });

  it('TLM: encrypted version and wrong lengths are defined errors', () => {
    expect(errorCodes(svc(`20 01 ${'00'.repeat(16)}`))).toEqual([BleFrameErrorCode.UnsupportedTlmVersion]);
    expect(errorCodes(svc('20 00 0BB8 1880 00010203 00008C'))).toEqual([BleFrameErrorCode.BadLength]);
  });

  it('EID: 8-byte ephemeral id and tx power; unknown frame types are errors', () => {
    const f = only('0201060303AAFE0D16AAFE30EB0102030405060708');
    expect(f).toEqual({ type: 'eddystone-eid', ephemeralId: '0102030405060708', txPowerAt0mDbm: -21 });
    expect(errorCodes(svc('50 00'))).toEqual([BleFrameErrorCode.UnknownEddystoneFrame]);
    expect(errorCodes('0303AAFE 0316AAFE')).toEqual([BleFrameErrorCode.UnknownEddystoneFrame]);
  });

  it('one packet can carry an iBeacon and an Eddystone frame', () => {
    const r = decodeAdvertisement(
      hex(
        `1AFF4C000215 E2C56DB5DFFB48D2B060D0F5A71096E0 0001 0002 C5 ${svc('20 00 0BB8 1880 00000001 00000001')}`,
      ),
    );
    expect(r.frames.map((f) => f.type)).toEqual(['ibeacon', 'eddystone-tlm']);
  });
});

describe('fuzzing (fast-check)', () => {
  it('random bytes never throw, and parsed structures stay inside the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = decodeAdvertisement(bytes);
        if (r.ad) {
          const used = r.ad.structures.reduce((n, s) => n + 2 + s.data.length, 0);
          expect(used).toBeLessThanOrEqual(bytes.length);
        } else {
          expect(r.errors).toHaveLength(1);
        }
        for (const e of r.errors) expect(Object.values(BleFrameErrorCode)).toContain(e.code);
      }),
      { numRuns: 5000 },
    );
  });

  it('well-formed structures with random payloads round-trip and decode without throwing', () => {
    const structure = fc.record({
      type: fc.constantFrom(0x01, 0x03, 0x09, 0x0a, 0x16, 0xff, 0x2a),
      data: fc.uint8Array({ maxLength: 29 }),
    });
    fc.assert(
      fc.property(fc.array(structure, { maxLength: 6 }), (structures) => {
        const bytes = encodeAdStructures(structures);
        const split = splitAdStructures(bytes);
        expect(split.ok && split.value).toEqual(structures);
        decodeAdvertisement(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('beacon-shaped frames with random contents decode to a frame or a coded error', () => {
    const eddystone = fc
      .tuple(fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40), fc.uint8Array({ maxLength: 22 }))
      .map(([t, rest]) =>
        encodeAdStructures([{ type: 0x16, data: Uint8Array.from([0xaa, 0xfe, t, ...rest]) }]),
      );
    const apple = fc
      .uint8Array({ maxLength: 26 })
      .map((rest) =>
        encodeAdStructures([{ type: 0xff, data: Uint8Array.from([0x4c, 0x00, 0x02, ...rest]) }]),
      );
    fc.assert(
      fc.property(fc.oneof(eddystone, apple), (bytes) => {
        const r = decodeAdvertisement(bytes);
        expect(r.frames.length + r.errors.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 5000 },
    );
  });
});
