/**
 * One entry per registered protocol for the shared fuzzing suite: how to make a decoder, an
 * arbitrary valid frame together with the value it must decode to (computed here with plain
 * integer arithmetic, not with the decoder's helpers), and — for the protocols without a
 * checksum — a strict, independent description of a well-formed frame.
 */
import fc from 'fast-check';
import {
  encodeEm4100,
  encodeFdxbAscii,
  encodeFdxbBinary,
  encodeMtSics,
  encodeNmeaRmc,
  encodeStGs,
  encodeToledo,
} from '../../src/protocols/encoders.js';
import { PROTOCOLS, type ProtocolName } from '../../src/protocols/registry.js';
import type { FrameDecoder, PositionFix, TagRead, WeightReading } from '../../src/protocols/types.js';

/** A valid frame and its expected value. */
export interface FrameSample<T> {
  bytes: Uint8Array;
  expected: T;
}

/** See the module comment. */
export interface ProtocolCase<T> {
  name: ProtocolName;
  create(): FrameDecoder<T>;
  frame: fc.Arbitrary<FrameSample<T>>;
  /** True when every frame carries a checksum. */
  checksummed: boolean;
  /** Strict shape of a good frame's raw bytes (protocols without checksum). */
  wellFormed(raw: Uint8Array): boolean;
  /** Byte positions where a non-protocol byte must make the frame fail (default: all). */
  guardedPositions?(frame: Uint8Array): number[];
  /** Compares a decoded value with the expected one (default: deep equality, exact). */
  approx?(actual: T, expected: T): boolean;
}

const text = (raw: Uint8Array) => String.fromCharCode(...raw);
const pow10 = (n: number) => 10 ** n;
/** Integer in ±(10^digits − 1), never −0. */
const signedMantissa = (digits: number, negative = true) =>
  fc
    .integer({ min: negative ? -(pow10(digits) - 1) : 0, max: pow10(digits) - 1 })
    .map((m) => (m === 0 ? 0 : m));

const hexId = fc
  .array(fc.constantFrom(...'0123456789ABCDEF'), { minLength: 10, maxLength: 10 })
  .map((cs) => cs.join(''));
const fdxbParts = fc.record({
  country: fc.integer({ min: 0, max: 999 }),
  nationalId: fc.integer({ min: 0, max: 274_877_906_943 }),
});
const fdxbIdText = (p: { country: number; nationalId: number }) =>
  `${String(p.country).padStart(3, '0')}-${String(p.nationalId).padStart(12, '0')}`;

const em4100: ProtocolCase<TagRead> = {
  name: 'em4100',
  create: PROTOCOLS.em4100.createDecoder,
  frame: hexId.map((id) => ({ bytes: encodeEm4100(id), expected: { scheme: 'em4100', id } })),
  checksummed: true,
  wellFormed: () => true,
};

const fdxbBinary: ProtocolCase<TagRead> = {
  name: 'fdxb-binary',
  create: PROTOCOLS['fdxb-binary'].createDecoder,
  frame: fdxbParts.map((p) => ({
    bytes: encodeFdxbBinary(fdxbIdText(p)),
    expected: { scheme: 'fdx-b', id: fdxbIdText(p) },
  })),
  checksummed: true,
  wellFormed: () => true,
};

const fdxbAscii: ProtocolCase<TagRead> = {
  name: 'fdxb-ascii',
  create: PROTOCOLS['fdxb-ascii'].createDecoder,
  frame: fc.tuple(fdxbParts, fc.constantFrom('LA', '')).map(([p, prefix]) => ({
    bytes: encodeFdxbAscii(fdxbIdText(p), prefix),
    expected: { scheme: 'fdx-b', id: fdxbIdText(p) },
  })),
  checksummed: false,
  wellFormed: (raw) => /^(?:[A-Z]{2} )?\d{3}[ _-]?\d{12} *\r?\n$/.test(text(raw)),
};

/** ST,GS: kg, 0–3 decimals, 7-char value field, stable or motion, optional address. */
const stGsSample = fc
  .record({
    decimals: fc.integer({ min: 0, max: 3 }),
    status: fc.constantFrom('stable' as const, 'motion' as const),
    mode: fc.constantFrom('gross' as const, 'net' as const),
    address: fc.option(fc.stringMatching(/^[0-9A-Z]{2}$/), { nil: undefined }),
  })
  .chain((r) =>
    signedMantissa(r.decimals > 0 ? 6 : 7).map((m) => {
      const weightG = m * pow10(3 - r.decimals);
      const expected: WeightReading = {
        status: r.status,
        mode: r.mode,
        weightG,
        resolutionG: pow10(3 - r.decimals),
      };
      return { bytes: encodeStGs({ ...r, weightG, unit: 'kg' }, r.address), expected };
    }),
  );

const stGs: ProtocolCase<WeightReading> = {
  name: 'st-gs',
  create: PROTOCOLS['st-gs'].createDecoder,
  frame: stGsSample,
  checksummed: false,
  wellFormed: (raw) =>
    /^([0-9A-Za-z]{2})?(ST|US),(GS|NT), *[+-] *\d+(\.\d+)? *(kg|lb) *\r?\n$/i.test(text(raw)) ||
    /^([0-9A-Za-z]{2})?(OL|UL),(GS|NT),[^,]*(kg|lb) *\r?\n$/i.test(text(raw)),
};

/** Toledo: kg, decimal codes 0–5 (×100 … 0.001), increments ×1/×2/×5, tare. */
function toledoCase(checksum: boolean): ProtocolCase<WeightReading> {
  const frame = fc
    .record({
      decimalCode: fc.integer({ min: 0, max: 5 }),
      increment: fc.constantFrom(1 as const, 2 as const, 5 as const),
      status: fc.constantFrom('stable' as const, 'motion' as const),
      mode: fc.constantFrom('gross' as const, 'net' as const),
      m: signedMantissa(6),
      tareM: signedMantissa(6, false),
    })
    .map((r) => {
      const gramsPerCount = pow10(5 - r.decimalCode); // code 2 = whole units, 1000 g
      const weightG = r.m * gramsPerCount;
      const tareG = r.tareM * gramsPerCount;
      const expected: WeightReading = {
        status: r.status,
        mode: r.mode,
        weightG,
        tareG,
        resolutionG: r.increment * gramsPerCount,
      };
      const bytes = encodeToledo(
        { status: r.status, mode: r.mode, weightG, unit: 'kg' },
        { decimalCode: r.decimalCode, increment: r.increment, tareG, checksum },
      );
      return { bytes, expected };
    });
  return {
    name: checksum ? 'toledo-checksum' : 'toledo',
    create: PROTOCOLS[checksum ? 'toledo-checksum' : 'toledo'].createDecoder,
    frame,
    checksummed: checksum,
    wellFormed: (raw) =>
      raw.length === (checksum ? 18 : 17) &&
      raw[0] === 0x02 &&
      [1, 2, 3].every((i) => ((raw[i] ?? 0) & 0x20) !== 0) &&
      /^ *\d+$/.test(text(raw.slice(4, 10))) &&
      /^ *\d+$/.test(text(raw.slice(10, 16))) &&
      raw[16] === 0x0d,
    // Status bytes carry no redundancy without the checksum: only STX, digits and CR are guarded.
    guardedPositions: checksum ? undefined : () => [0, ...Array.from({ length: 13 }, (_, i) => 4 + i)],
  };
}

/** MT-SICS: S S / S D in g (whole) or kg (0–3 decimals), 10-char value field. */
const mtSicsSample = fc
  .record({
    unit: fc.constantFrom('g' as const, 'kg' as const),
    decimals: fc.integer({ min: 0, max: 3 }),
    stable: fc.boolean(),
  })
  .chain((r) => {
    const decimals = r.unit === 'g' ? 0 : r.decimals;
    return signedMantissa(8).map((m) => {
      const step = r.unit === 'g' ? 1 : pow10(3 - decimals);
      const weightG = m * step;
      const expected: WeightReading = {
        status: r.stable ? 'stable' : 'motion',
        mode: 'net',
        weightG,
        resolutionG: step,
      };
      return {
        bytes: encodeMtSics({ kind: 'weight', stable: r.stable, weightG, unit: r.unit, decimals }),
        expected,
      };
    });
  });

const mtSics: ProtocolCase<WeightReading> = {
  name: 'mt-sics',
  create: PROTOCOLS['mt-sics'].createDecoder,
  frame: mtSicsSample,
  checksummed: false,
  wellFormed: (raw) => /^(S [SD] +-?\d+(\.\d+)? +(g|kg|t|lb|lbs)|S [I+-]) *\r?\n$/i.test(text(raw)),
};

/** NMEA: RMC sentences (self-contained: date and time), valid or not. */
const nmeaSample = fc
  .record({
    atMs: fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2079, 11, 31, 23, 59, 59, 990) })
      .map((t) => t - (t % 10)),
    lat: fc.double({ min: -89.999, max: 89.999, noNaN: true }),
    lon: fc.double({ min: -179.999, max: 179.999, noNaN: true }),
    valid: fc.boolean(),
    talker: fc.constantFrom('GP', 'GN'),
  })
  .map((p) => {
    const expected: PositionFix = {
      sentence: 'RMC',
      lat: p.valid ? p.lat : null,
      lon: p.valid ? p.lon : null,
      fixAt: new Date(p.atMs).toISOString(),
      accuracyM: null,
      valid: p.valid,
    };
    return { bytes: encodeNmeaRmc(p), expected };
  });

const nmea: ProtocolCase<PositionFix> = {
  name: 'nmea',
  create: PROTOCOLS.nmea.createDecoder,
  frame: nmeaSample,
  checksummed: true,
  wellFormed: () => true,
  // ddmm.mmmm keeps 1/10 000 minute: 1.7e-6 degree at most, rounded.
  approx: (a, e) =>
    a.sentence === e.sentence &&
    a.fixAt === e.fixAt &&
    a.valid === e.valid &&
    a.accuracyM === e.accuracyM &&
    (e.lat === null ? a.lat === null : Math.abs((a.lat ?? Number.NaN) - e.lat) <= 1e-6) &&
    (e.lon === null ? a.lon === null : Math.abs((a.lon ?? Number.NaN) - e.lon) <= 1e-6),
};

/** Every protocol of the registry, as fuzzing cases. */
// biome-ignore lint/suspicious/noExplicitAny: the cases hold different frame value types; each is used through its own methods only
export const PROTOCOL_CASES: ProtocolCase<any>[] = [
  em4100,
  fdxbBinary,
  fdxbAscii,
  stGs,
  toledoCase(false),
  toledoCase(true),
  mtSics,
  nmea,
];
