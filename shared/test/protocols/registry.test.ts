/** The protocol registry the truck agent's config and `decode --protocol` use. */
import { describe, expect, it } from 'vitest';
import { encodeEm4100, encodeMtSics, encodeNmeaRmc } from '../../src/protocols/encoders.js';
import { bytes } from './stream-support.js';
import { isProtocolName, PROTOCOL_NAMES, PROTOCOLS, protocolsOfKind } from '../../src/protocols/registry.js';

describe('protocol registry', () => {
  it('names every truck-device protocol', () => {
    expect([...PROTOCOL_NAMES].sort()).toEqual(
      ['em4100', 'fdxb-ascii', 'fdxb-binary', 'mt-sics', 'nmea', 'st-gs', 'toledo', 'toledo-checksum'].sort(),
    );
    expect(protocolsOfKind('tag')).toEqual(['em4100', 'fdxb-binary', 'fdxb-ascii']);
    expect(protocolsOfKind('position')).toEqual(['nmea']);
    expect(isProtocolName('toledo')).toBe(true);
    expect(isProtocolName('toString')).toBe(false);
  });

  it('makes a fresh decoder each time (decoders hold partial frames)', () => {
    const a = PROTOCOLS.em4100.createDecoder();
    const b = PROTOCOLS.em4100.createDecoder();
    const frame = encodeEm4100('0A0B0C0D0E');
    a.push(frame.subarray(0, 5));
    expect(b.push(frame.subarray(5))).toEqual([]);
    expect(a.push(frame.subarray(5))).toHaveLength(1);
  });

  it('passes the RS-485 address to the ST,GS decoder', () => {
    const d = PROTOCOLS['st-gs'].createDecoder({ address: '02' });
    const frames = d.push(bytes('01ST,GS,+0001.00kg\r\n02ST,GS,+0002.00kg\r\n'));
    expect(frames.map((f) => f.ok && f.value.weightG)).toEqual([2_000]);
  });

  it('decodes what each protocol kind is meant to', () => {
    const w = PROTOCOLS['mt-sics']
      .createDecoder()
      .push(encodeMtSics({ kind: 'weight', stable: true, weightG: 5_000, unit: 'kg', decimals: 1 }));
    expect(w[0]).toMatchObject({ ok: true, value: { weightG: 5_000 } });
    const p = PROTOCOLS.nmea.createDecoder().push(encodeNmeaRmc({ atMs: 0, lat: 1, lon: 2, valid: true }));
    expect(p[0]).toMatchObject({ ok: true, value: { sentence: 'RMC', valid: true } });
    for (const name of PROTOCOL_NAMES) expect(PROTOCOLS[name].description.length).toBeGreaterThan(10);
  });
});
