/**
 * Truck-device protocols by name, for the truck agent's configuration and its
 * `decode --protocol <name>` diagnostic command.
 */
import { Em4100Decoder } from './em4100.js';
import { FdxbAsciiDecoder } from './fdxb-ascii.js';
import { FdxbBinaryDecoder } from './fdxb-binary.js';
import { MtSicsDecoder } from './mt-sics.js';
import { NmeaDecoder } from './nmea.js';
import { StGsDecoder } from './st-gs.js';
import { ToledoContinuousDecoder } from './toledo.js';
import type { FrameDecoder, PositionFix, TagRead, WeightReading } from './types.js';

/** What a protocol's frames decode to. */
export type ProtocolKind = 'tag' | 'weight' | 'position';

interface KindValue {
  tag: TagRead;
  weight: WeightReading;
  position: PositionFix;
}

/** Per-port settings some protocols take (the others ignore them). */
export interface DecoderOptions {
  /** ST,GS: the RS-485 address of the indicator to listen to (2 chars). */
  address?: string;
}

/** One registered protocol. */
export interface ProtocolEntry<K extends ProtocolKind = ProtocolKind> {
  kind: K;
  description: string;
  /** Usual serial settings of devices speaking it. */
  serial: { baudRate: number; dataBits: 7 | 8; parity: 'none' | 'even'; stopBits: 1 };
  /** A fresh decoder (decoders keep state: one per port). */
  createDecoder(options?: DecoderOptions): FrameDecoder<KindValue[K]>;
}

const N81 = { dataBits: 8, parity: 'none', stopBits: 1 } as const;

/** The registry itself, keyed by protocol name. */
export const PROTOCOLS = {
  em4100: {
    kind: 'tag',
    description: 'EM4100 125 kHz tags, RDM6300-type module: STX + 10 hex + 2 hex XOR + ETX',
    serial: { baudRate: 9600, ...N81 },
    createDecoder: () => new Em4100Decoder(),
  },
  'fdxb-binary': {
    kind: 'tag',
    description: 'ISO 11784/11785 FDX-B module frames: AA 0F 08 00 + country + id + XOR + BB',
    serial: { baudRate: 9600, ...N81 },
    createDecoder: () => new FdxbBinaryDecoder(),
  },
  'fdxb-ascii': {
    kind: 'tag',
    description: 'ISO 11784 FDX-B panel-reader lines: "LA 982 000001088420"',
    serial: { baudRate: 9600, ...N81 },
    createDecoder: () => new FdxbAsciiDecoder(),
  },
  'st-gs': {
    kind: 'weight',
    description: 'ST,GS ASCII indicator output: "ST,GS,+0012.34kg" (optional RS-485 address)',
    serial: { baudRate: 9600, ...N81 },
    createDecoder: (options?: DecoderOptions) => new StGsDecoder({ address: options?.address }),
  },
  toledo: {
    kind: 'weight',
    description: 'Mettler Toledo standard continuous output, no checksum',
    serial: { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 },
    createDecoder: () => new ToledoContinuousDecoder({ checksum: false }),
  },
  'toledo-checksum': {
    kind: 'weight',
    description: 'Mettler Toledo standard continuous output with checksum byte',
    serial: { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 },
    createDecoder: () => new ToledoContinuousDecoder({ checksum: true }),
  },
  'mt-sics': {
    kind: 'weight',
    description: 'Mettler Toledo MT-SICS responses to SI/S polls: "S S     100.00 kg"',
    serial: { baudRate: 9600, ...N81 },
    createDecoder: () => new MtSicsDecoder(),
  },
  nmea: {
    kind: 'position',
    description: 'NMEA 0183 RMC and GGA sentences from a GNSS receiver',
    serial: { baudRate: 9600, ...N81 },
    createDecoder: () => new NmeaDecoder(),
  },
} as const satisfies Record<string, ProtocolEntry>;

/** A registered protocol name. */
export type ProtocolName = keyof typeof PROTOCOLS;

/** Every registered protocol name. */
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

/** True when `name` is a registered protocol. */
export function isProtocolName(name: string): name is ProtocolName {
  return Object.hasOwn(PROTOCOLS, name);
}

/** The protocols whose frames decode to `kind` (e.g. the weighing ones for the indicator port). */
export function protocolsOfKind(kind: ProtocolKind): ProtocolName[] {
  return PROTOCOL_NAMES.filter((n) => PROTOCOLS[n].kind === kind);
}
