/**
 * A simulated beacon zone for demos: the beacons that are on air around one gateway (iBeacon,
 * AltBeacon, Eddystone-UID with TLM), at random distances, plus a crowd of phones and
 * optionally a clone of the first beacon. `releve-gateway run --simulate <zone file>` feeds it
 * to the real gateway instead of a Bluetooth adapter. What is on air does not depend on the
 * gateway's allowlist, as in the field: a beacon the gateway does not list is heard all the
 * same, and ignored by the gateway; a listed beacon that is not in the zone is never heard.
 */
import { z } from 'zod';
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

/** One beacon on air in a zone. */
export const ZoneBeacon = z
  .object({
    beaconId: z.string().refine((id) => identityOf(id) !== null, {
      message: 'not an ibeacon:, eddystone: (UID) or altbeacon: beacon id',
    }),
    /** Its address; null: a random one. */
    address: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, 'a BLE address AA:BB:CC:DD:EE:FF')
      .nullable()
      .default(null),
    /** What it does: advertise, advertise on a nearly flat battery (2,150 mV), or nothing. */
    simulated: z.enum(['ok', 'low-battery', 'silent']).default('ok'),
  })
  .strict();
export type ZoneBeacon = z.input<typeof ZoneBeacon>;

/** The zone file of `releve-gateway run --simulate <file>` (JSON). */
export const SimulatedZoneFile = z.object({ beacons: z.array(ZoneBeacon) }).strict();

/**
 * The beacons of a zone file's content (parsed JSON); throws an `Error` listing every problem
 * (`beacons.3.beaconId: …`). Reading the file is the caller's (the gateway's CLI).
 */
export function parseZoneFile(raw: unknown): ZoneBeacon[] {
  const r = SimulatedZoneFile.safeParse(raw);
  if (r.success) return r.data.beacons;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(problems.join('; '));
}

export interface SimulatedZoneOptions {
  clock: AirClock;
  binding: SimulatedHciBinding;
  seed?: number;
  /** The beacons on air. */
  beacons?: readonly ZoneBeacon[];
  /** Phones present at any time (0: none). */
  phones?: number;
  /** Add a clone of the first beacon from another address. */
  clone?: boolean;
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
    this.addBeacons(o.beacons ?? []);
  }

  /** Puts each beacon on air (one already on air is left as it is). */
  addBeacons(beacons: readonly ZoneBeacon[]): void {
    for (const input of beacons) {
      const b = ZoneBeacon.parse(input);
      if (this.beacons.has(b.beaconId)) continue;
      const identity = identityOf(b.beaconId);
      if (!identity) continue;
      const beacon = new SimulatedBeacon({
        address: b.address ?? this.#address(0x00),
        identity,
        intervalMs: 500 + Math.floor(this.#random() * 1000),
        distanceM: 0.3 + this.#random() * 15,
        drainMvPerHour: this.#random() * 2,
        ...(b.simulated === 'low-battery' ? { batteryMv: 2150, drainMvPerHour: 5 } : {}),
        silent: b.simulated === 'silent',
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
