/**
 * A simulated beacon zone for demos: one simulated beacon for every allowlisted beacon id
 * (iBeacon, AltBeacon, Eddystone-UID with TLM), at random distances, plus a crowd of phones and
 * optionally a clone of the first beacon. `releve-gateway run --simulate` feeds it to the real
 * gateway instead of a Bluetooth adapter.
 */
import { type AirClock, RadioField, seededRandom } from './RadioField.js';
import { type BeaconIdentity, SimulatedBeacon } from './SimulatedBeacon.js';
import type { SimulatedHciBinding } from './SimulatedHciBinding.js';

/** The identity that advertises a canonical beacon id (contract `BeaconId`); null if unknown. */
export function identityOf(beaconId: string): BeaconIdentity | null {
  const ib = /^ibeacon:([0-9a-f-]{36}):(\d{1,5}):(\d{1,5})$/.exec(beaconId);
  if (ib) return { ibeacon: { uuid: ib[1] as string, major: Number(ib[2]), minor: Number(ib[3]) } };
  const ed = /^eddystone:([0-9a-f]{20}):([0-9a-f]{12})$/.exec(beaconId);
  if (ed) return { eddystoneUid: { namespace: ed[1] as string, instance: ed[2] as string }, tlm: true };
  const alt = /^altbeacon:([0-9a-f]{40})$/.exec(beaconId);
  if (alt) return { altbeacon: { id: alt[1] as string } };
  return null;
}

export interface SimulatedZoneOptions {
  clock: AirClock;
  binding: SimulatedHciBinding;
  seed?: number;
  /** Phones present at any time (0: none). */
  phones?: number;
  /** Add a clone of the first beacon from another address. */
  clone?: boolean;
  /** Beacon ids whose battery is nearly flat (2,150 mV, draining 5 mV an hour). */
  lowBattery?: readonly string[];
  /** Beacon ids that are listed but send nothing (dead, removed). */
  silent?: readonly string[];
}

export class SimulatedZone {
  readonly field: RadioField;
  readonly beacons = new Map<string, SimulatedBeacon>();
  #o: SimulatedZoneOptions;
  #random: () => number;
  #cloned = false;

  constructor(o: SimulatedZoneOptions) {
    this.#o = o;
    this.#random = seededRandom(o.seed ?? 1);
    this.field = new RadioField({ clock: o.clock, binding: o.binding, seed: o.seed ?? 1 });
    if (o.phones) this.field.addCrowd({ present: o.phones, dwellMs: 10 * 60_000, record: false });
  }

  /** Puts a beacon on air for every id not yet simulated. */
  setAllowlist(beacons: readonly { beaconId: string; address: string | null }[]): void {
    for (const b of beacons) {
      if (this.beacons.has(b.beaconId)) continue;
      const identity = identityOf(b.beaconId);
      if (!identity) continue;
      const beacon = new SimulatedBeacon({
        address: b.address ?? this.#address(0x00),
        identity,
        intervalMs: 500 + Math.floor(this.#random() * 1000),
        distanceM: 0.3 + this.#random() * 15,
        drainMvPerHour: this.#random() * 2,
        ...(this.#o.lowBattery?.includes(b.beaconId) ? { batteryMv: 2150, drainMvPerHour: 5 } : {}),
        silent: this.#o.silent?.includes(b.beaconId) ?? false,
      });
      this.beacons.set(b.beaconId, beacon);
      this.field.addBeacon(beacon);
      if (this.#o.clone && !this.#cloned) {
        this.#cloned = true;
        this.field.addBeacon(new SimulatedBeacon({ address: this.#address(0x00), identity, distanceM: 5 }));
      }
    }
  }

  stop(): void {
    this.field.stop();
  }

  #address(first: number): string {
    const bytes = [first, ...Array.from({ length: 5 }, () => Math.floor(this.#random() * 256))];
    return bytes.map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':');
  }
}
