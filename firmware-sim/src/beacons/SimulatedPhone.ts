/**
 * A phone walking past: connectable adverts that are not beacons (Apple Continuity "Nearby
 * Info" manufacturer data, or Google Fast Pair service data), from a resolvable private
 * address that changes every `rotateMs` (Core Vol 6 Part B §1.3.2.2; phones rotate about
 * every 15 minutes). Occasionally answers with a scan response.
 */
import { FLAGS_AD } from './frames.js';

/** A random resolvable private address: the two top bits are 0b01. */
export function randomResolvableAddress(random: () => number): string {
  const bytes = Array.from({ length: 6 }, () => Math.floor(random() * 256));
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

export interface SimulatedPhoneOptions {
  random: () => number;
  kind?: 'apple' | 'android';
  intervalMs?: number;
  rotateMs?: number;
  distanceM?: number;
}

export class SimulatedPhone {
  readonly kind: 'apple' | 'android';
  readonly intervalMs: number;
  readonly rotateMs: number;
  distanceM: number;
  address: string;
  /** Every address this phone has used (tests check none of them leaves the gateway). */
  readonly addressesUsed: string[] = [];
  #random: () => number;
  #rotatedAt: number | null = null;

  constructor(o: SimulatedPhoneOptions) {
    this.#random = o.random;
    this.kind = o.kind ?? (o.random() < 0.5 ? 'apple' : 'android');
    this.intervalMs = o.intervalMs ?? 300;
    this.rotateMs = o.rotateMs ?? 15 * 60_000;
    this.distanceM = o.distanceM ?? 3;
    this.address = this.#newAddress();
  }

  #newAddress(): string {
    const a = randomResolvableAddress(this.#random);
    this.addressesUsed.push(a);
    return a;
  }

  /** The next packet: `scanResponse` is true for a SCAN_RSP. */
  nextPacket(nowMs: number): { data: Uint8Array; scanResponse: boolean } {
    this.#rotatedAt ??= nowMs;
    if (nowMs - this.#rotatedAt >= this.rotateMs) {
      this.address = this.#newAddress();
      this.#rotatedAt = nowMs;
    }
    if (this.#random() < 0.2) {
      // Scan response: a TX power level, nothing identifying.
      return { data: Uint8Array.from([0x02, 0x0a, 0x0c]), scanResponse: true };
    }
    const r = () => Math.floor(this.#random() * 256);
    if (this.kind === 'apple') {
      // Apple Continuity Nearby Info (type 0x10, length 5): status flags and a rolling auth tag.
      return {
        data: Uint8Array.from([...FLAGS_AD, 0x0a, 0xff, 0x4c, 0x00, 0x10, 0x05, 0x0b, 0x1c, r(), r(), r()]),
        scanResponse: false,
      };
    }
    // Google Fast Pair (service data 0xFE2C) with a rotating account key filter.
    return {
      data: Uint8Array.from([
        ...FLAGS_AD,
        0x03,
        0x03,
        0x2c,
        0xfe,
        0x07,
        0x16,
        0x2c,
        0xfe,
        0x00,
        r(),
        r(),
        r(),
      ]),
      scanResponse: false,
    };
  }
}
