import type { RouteBin } from '../truck/RouteFile.js';
import { type DemoFleet, isUnregisteredBin } from './DemoFleet.js';

/**
 * The cloud's registry for the demo fleet, as the CSV files `releve-cloud registry import`
 * reads (`docs/registry.md`): a household per individual bin, a building (and its syndic
 * account) per collective bin, the trucks, the gateways and the beacons. Every tag the trucks
 * read is there, except the few bins meant to be unknown.
 */
export type RegistryCsv = Record<
  'accounts' | 'buildings' | 'households' | 'bins' | 'trucks' | 'gateways' | 'beacons',
  string
>;

const FIRST_NAMES = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand'];
const STREETS = ['rue du Pont', 'avenue de Lodève', 'chemin des Oliviers', 'rue de la Croix', 'place du Jeu'];

function csv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[;"\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[header, ...rows].map((r) => r.map(cell).join(';')).join('\n')}\n`;
}

/** A registered bin of the fleet: `n` names it (truck-index), `index` counts from 1 in its round. */
interface RegisteredBin {
  bin: RouteBin & { tagId: string };
  index: number;
  n: string;
}

/** Every bin of the fleet's rounds that the registry knows (tagged, not meant to be unknown). */
function* registeredBins(fleet: DemoFleet): Generator<RegisteredBin> {
  for (const [t, truck] of fleet.trucks.entries()) {
    let index = 0;
    for (const stop of truck.route.stops) {
      if (stop.type !== 'bin') continue;
      index += 1;
      const tagId = stop.tagId;
      if (!tagId || isUnregisteredBin(index)) continue;
      yield { bin: { ...stop, tagId }, index, n: `${t + 1}-${String(index).padStart(4, '0')}` };
    }
  }
}

const isCollective = (bin: RouteBin) => bin.volumeL > 360;
const householdName = (b: RegisteredBin) => `Famille ${FIRST_NAMES[b.index % FIRST_NAMES.length]} ${b.n}`;

/**
 * The household of the first individual bin of the first round (its lifts come first): the
 * one whose personal statement link the demo prints. Null when no round has one.
 */
export function sampleHousehold(fleet: DemoFleet): { householdId: string; name: string } | null {
  for (const b of registeredBins(fleet))
    if (!isCollective(b.bin)) return { householdId: `hh-${b.n}`, name: householdName(b) };
  return null;
}

/** The registry CSV texts of a fleet; households moved in on `since` (YYYY-MM-DD). */
export function registryCsv(fleet: DemoFleet, since: string): RegistryCsv {
  const accounts: (string | number)[][] = [];
  const buildings: (string | number)[][] = [];
  const households: (string | number)[][] = [];
  const bins: (string | number)[][] = [];
  for (const b of registeredBins(fleet)) {
    const { bin, index, n } = b;
    const street = `${index} ${STREETS[index % STREETS.length]}, 34150 Gignac`;
    if (isCollective(bin)) {
      accounts.push([`syndic-${n}`, 'building-manager', `Syndic résidence ${n}`, street, '']);
      buildings.push([`bld-${n}`, `Résidence ${n}`, street, 12, `syndic-${n}`]);
      bins.push([`bin-${n}`, bin.tagId, bin.volumeL, '', `bld-${n}`, since, '']);
    } else {
      households.push([`hh-${n}`, householdName(b), street, '', 1 + (index % 5), since, '', '']);
      bins.push([`bin-${n}`, bin.tagId, bin.volumeL, `hh-${n}`, '', since, '']);
    }
  }
  return {
    accounts: csv(['account_id', 'kind', 'name', 'address', 'email'], accounts),
    buildings: csv(['building_id', 'name', 'address', 'dwellings', 'manager_account_id'], buildings),
    households: csv(
      ['household_id', 'name', 'address', 'email', 'persons', 'moved_in', 'moved_out', 'building_id'],
      households,
    ),
    bins: csv(['bin_id', 'tag', 'volume_l', 'account_id', 'building_id', 'valid_from', 'valid_to'], bins),
    trucks: csv(
      ['truck_id', 'name', 'plate', 'max_payload_g', 'body_volume_l', 'scale_interval_g'],
      fleet.trucks.map((t) => [t.truckId, t.name, t.plate, t.maxPayloadG, t.bodyVolumeL, t.scaleIntervalG]),
    ),
    gateways: csv(
      ['gateway_id', 'name', 'lat', 'lon', 'site'],
      fleet.gateways.map((g) => [g.gatewayId, g.name, g.lat.toFixed(6), g.lon.toFixed(6), 'Cosmo']),
    ),
    beacons: csv(
      ['beacon_id', 'address', 'name', 'lat', 'lon', 'expected_interval_ms', 'shop'],
      fleet.beacons.map((b) => [
        b.beaconId,
        b.address ?? '',
        b.name,
        b.lat.toFixed(6),
        b.lon.toFixed(6),
        b.expectedIntervalMs ?? '',
        b.shop,
      ]),
    ),
  };
}
