/**
 * A simulated BLE beacon: rotates through its frame types at its advertising interval, counts
 * PDUs and uptime like the Eddystone-TLM counters, drains its battery, reboots, and can fall
 * silent. Its packets are the raw AD bytes a real beacon sends.
 */
import {
  altBeaconAd,
  eddystoneEidAd,
  eddystoneTlmAd,
  eddystoneUidAd,
  eddystoneUrlAd,
  iBeaconAd,
} from './frames.js';

/** What a simulated beacon advertises. */
export interface BeaconIdentity {
  ibeacon?: { uuid: string; major: number; minor: number };
  altbeacon?: { id: string };
  eddystoneUid?: { namespace: string; instance: string };
  eddystoneUrl?: string;
  /** Sends Eddystone-TLM every `tlmEvery` packets (default: every 4th). */
  tlm?: boolean;
  eddystoneEid?: { ephemeralId: string };
}

export interface SimulatedBeaconOptions {
  /** Upper-case `AA:BB:CC:DD:EE:FF`, as the allowlist writes it. */
  address: string;
  identity: BeaconIdentity;
  /** Advertising interval, ms (Core Vol 6 Part B §4.4.2.2: each event adds 0–10 ms of delay). */
  intervalMs?: number;
  /** Calibrated RSSI at 1 m (iBeacon measured power), dBm. */
  powerAt1mDbm?: number;
  /** Distance to the gateway, m. */
  distanceM?: number;
  batteryMv?: number | null;
  /** Battery drain, mV per simulated hour. */
  drainMvPerHour?: number;
  temperatureC?: number | null;
  tlmEvery?: number;
  /** Sends nothing (dead battery, removed, broken). */
  silent?: boolean;
}

type FrameKind =
  | 'ibeacon'
  | 'altbeacon'
  | 'eddystone-uid'
  | 'eddystone-url'
  | 'eddystone-tlm'
  | 'eddystone-eid';

export class SimulatedBeacon {
  readonly address: string;
  readonly identity: BeaconIdentity;
  intervalMs: number;
  powerAt1mDbm: number;
  distanceM: number;
  batteryMv: number | null;
  drainMvPerHour: number;
  temperatureC: number | null;
  silent: boolean;
  #tlmEvery: number;
  #advCount = 0;
  #bootedAtMs: number | null = null;
  #lastDrainAtMs: number | null = null;
  #packet = 0;
  #kinds: FrameKind[];

  constructor(o: SimulatedBeaconOptions) {
    this.address = o.address;
    this.identity = o.identity;
    this.intervalMs = o.intervalMs ?? 1000;
    this.powerAt1mDbm = o.powerAt1mDbm ?? -59;
    this.distanceM = o.distanceM ?? 2;
    this.batteryMv = o.batteryMv === undefined ? 3000 : o.batteryMv;
    this.drainMvPerHour = o.drainMvPerHour ?? 0;
    this.temperatureC = o.temperatureC === undefined ? 21.5 : o.temperatureC;
    this.silent = o.silent ?? false;
    this.#tlmEvery = o.tlmEvery ?? 4;
    const id = o.identity;
    this.#kinds = [
      ...(id.ibeacon ? (['ibeacon'] as const) : []),
      ...(id.altbeacon ? (['altbeacon'] as const) : []),
      ...(id.eddystoneUid ? (['eddystone-uid'] as const) : []),
      ...(id.eddystoneUrl ? (['eddystone-url'] as const) : []),
      ...(id.eddystoneEid ? (['eddystone-eid'] as const) : []),
    ];
    if (this.#kinds.length === 0 && !id.tlm) throw new RangeError('a beacon needs at least one frame type');
  }

  /** ADV_CNT so far. */
  get advCount(): number {
    return this.#advCount;
  }

  /** Power cycle: the TLM counters restart from zero together. */
  reboot(nowMs: number): void {
    this.#advCount = 0;
    this.#bootedAtMs = nowMs;
  }

  /** The next advertising packet's AD bytes, or null when silent. */
  nextPacket(nowMs: number): Uint8Array | null {
    if (this.silent) return null;
    this.#bootedAtMs ??= nowMs;
    this.#drain(nowMs);
    this.#advCount += 1;
    this.#packet += 1;
    const wantTlm = this.identity.tlm && (this.#kinds.length === 0 || this.#packet % this.#tlmEvery === 0);
    const kind: FrameKind = wantTlm
      ? 'eddystone-tlm'
      : (this.#kinds[this.#packet % this.#kinds.length] ?? 'eddystone-tlm');
    return this.#encode(kind, nowMs);
  }

  #drain(nowMs: number): void {
    if (this.batteryMv !== null && this.#lastDrainAtMs !== null) {
      const used = (this.drainMvPerHour * (nowMs - this.#lastDrainAtMs)) / 3_600_000;
      this.batteryMv = Math.max(1, this.batteryMv - used);
    }
    this.#lastDrainAtMs = nowMs;
  }

  #encode(kind: FrameKind, nowMs: number): Uint8Array {
    const id = this.identity;
    const at0m = this.powerAt1mDbm + 41;
    switch (kind) {
      case 'ibeacon': {
        const b = id.ibeacon as NonNullable<BeaconIdentity['ibeacon']>;
        return iBeaconAd(b.uuid, b.major, b.minor, this.powerAt1mDbm);
      }
      case 'altbeacon':
        return altBeaconAd((id.altbeacon as { id: string }).id, this.powerAt1mDbm);
      case 'eddystone-uid': {
        const u = id.eddystoneUid as NonNullable<BeaconIdentity['eddystoneUid']>;
        return eddystoneUidAd(u.namespace, u.instance, at0m);
      }
      case 'eddystone-url':
        return eddystoneUrlAd(id.eddystoneUrl as string, at0m);
      case 'eddystone-eid':
        return eddystoneEidAd((id.eddystoneEid as { ephemeralId: string }).ephemeralId, at0m);
      case 'eddystone-tlm':
        return eddystoneTlmAd({
          batteryMv: this.batteryMv === null ? null : Math.round(this.batteryMv),
          temperatureC: this.temperatureC,
          advCount: this.#advCount,
          secCount: Math.floor((nowMs - (this.#bootedAtMs ?? nowMs)) / 100),
        });
    }
  }
}
