import type { AllowlistedBeacon } from '@releve/shared';
import type { ZoneBeacon } from '../beacons/SimulatedZone.js';
import { type RouteBin, type RouteFile, seededRandom } from '../truck/RouteFile.js';

/**
 * What the whole-system demo runs: three trucks on routes around Gignac and two gateways in
 * the Cosmo business zone with about thirty beacons. Pure data, deterministic for a seed: the
 * runner turns it into the cloud's registry, the agents' configs and the simulated devices.
 */

/** One simulated truck and its round. */
export interface DemoTruck {
  truckId: string;
  name: string;
  plate: string;
  maxPayloadG: number;
  bodyVolumeL: number;
  scaleIntervalG: number;
  route: RouteFile;
}

/** A beacon the operator deployed, with what the simulation does with it. */
export interface DemoBeacon extends AllowlistedBeacon {
  shop: string;
  /**
   * The gateways it sits by: their simulated zones have it on air, whatever allowlist they
   * hold (the cloud's, from the registry, lists it on every gateway within its radius).
   */
  gateways: string[];
  /** What its simulated self does: advertise, advertise on a nearly flat battery, or nothing. */
  simulated: 'ok' | 'low-battery' | 'silent';
}

/** One simulated gateway. */
export interface DemoGateway {
  gatewayId: string;
  name: string;
  lat: number;
  lon: number;
  /** Its simulated zone adds a clone of its first beacon. */
  clone: boolean;
}

/** The whole simulated fleet. */
export interface DemoFleet {
  trucks: DemoTruck[];
  gateways: DemoGateway[];
  beacons: DemoBeacon[];
}

/** Options of {@link demoFleet}. */
export interface DemoFleetOptions {
  /** Bins per route (a few hundred for a demo, a handful for tests). */
  binsPerRoute: number;
  seed?: number;
  /** Date of the routes (YYYY-MM-DD, UTC). */
  date: string;
  /**
   * Names the round among the day's (part of each route id). A truck agent keeps the progress
   * of a route id it already knows, so a run that drives its rounds from the first bin again
   * needs a round of its own: with the same id every bin would count as served already.
   */
  round?: string;
}

/** Legal payload of the demo trucks: a 19 t rear loader (6 t payload), 16 m³ body. */
const TRUCK_PAYLOAD_G = 6_000_000;
const TRUCK_BODY_L = 16_000;
const COMPACTED_KG_M3 = 350;
/** The route margin the agent uses by default (`thresholds.routeMarginG`). */
const ROUTE_MARGIN_G = 50_000;
/** …and its volume margin (`thresholds.routeVolumeMargin`). */
const ROUTE_VOLUME_MARGIN = 0.02;

/** Canonical EM4100 tag id of bin `i` of truck `t` (1-based): distinct across the fleet. */
export function demoTagId(truck: number, bin: number): string {
  return (truck * 0x100000 + bin).toString(16).toUpperCase().padStart(10, '0');
}

/**
 * A round of `bins` 240 L bins (one in 25 a 660 L collective bin) with household waste of
 * 5–60 kg; every 40th tag cannot be read and every 50th bin is not in the registry (the agent
 * and the cloud flag them). An unload stop goes in where the next bin would no longer fit the
 * payload or the body, as the agent's advisor reckons, and the round ends with one.
 */
export function demoRoute(truck: number, o: DemoFleetOptions): RouteFile {
  const rnd = seededRandom((o.seed ?? 1) * 1000 + truck);
  const stops: RouteFile['stops'] = [];
  const bodyG = (TRUCK_BODY_L / 1000) * COMPACTED_KG_M3 * 1000;
  const limitG = Math.min(TRUCK_PAYLOAD_G - ROUTE_MARGIN_G, bodyG * (1 - ROUTE_VOLUME_MARGIN));
  let onBoardG = 0;
  for (let i = 1; i <= o.binsPerRoute; i++) {
    const collective = i % 25 === 0;
    const wasteG = 500 * ((collective ? 60 : 10) + Math.floor(rnd() * (collective ? 240 : 111)));
    if (onBoardG + wasteG > limitG) {
      stops.push({ type: 'unload', lat: 43.6702, lon: 3.5121 });
      onBoardG = 0;
    }
    onBoardG += wasteG;
    const bin: RouteBin = {
      type: 'bin',
      tagId: i % 40 === 0 ? null : demoTagId(truck, i),
      scheme: 'em4100',
      volumeL: collective ? 660 : 240,
      binTareG: collective ? 43_000 : 14_000,
      wasteG,
      expectedWeightG: wasteG,
      unstable: false,
      lat: 43.64 + truck * 0.01 + rnd() * 0.01,
      lon: 3.53 + rnd() * 0.02,
    };
    // the registry's own record of the bin (RouteCommand: the tag and its typical weight)
    stops.push(bin);
  }
  stops.push({ type: 'unload', lat: 43.6702, lon: 3.5121 });
  return { routeId: `demo-${truck}-${o.date}${o.round ? `-${o.round}` : ''}`, date: o.date, stops };
}

/** True for the bins the registry does not know (the cloud flags their lifts `unknown-tag`). */
export function isUnregisteredBin(binIndex: number): boolean {
  return binIndex % 50 === 0;
}

const IBEACON_UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
const EDDYSTONE_NAMESPACE = 'edd1ebeac04e5defa017';
const SHOPS = ['Boulangerie du Cosmo', 'Pharmacie', 'Garage Martin', 'Librairie', 'Fleuriste', 'Primeur'];

function address(n: number): string {
  return ['C0', 'DE', 'BE', 'AC', '00', n.toString(16).toUpperCase().padStart(2, '0')].join(':');
}

/**
 * Thirty beacons along the Cosmo zone: iBeacons, Eddystone-UID (with TLM) and AltBeacons.
 * Their advertising intervals are the simulator's (0.5–1.5 s), so none is declared.
 * Beacons 1–16 sit by gw-01, 15–30 by gw-02 (two between them, on air in both zones). Three
 * Eddystone beacons (4, 13, 22: their TLM frames carry the battery) are nearly flat, beacon 30
 * sends nothing, and gw-01's zone has a clone of its first beacon.
 */
export function demoBeacons(gatewaysAt: readonly DemoGateway[]): DemoBeacon[] {
  const out: DemoBeacon[] = [];
  for (let n = 1; n <= 30; n++) {
    const kind = n % 3;
    const beaconId =
      kind === 0
        ? `ibeacon:${IBEACON_UUID}:1:${n}`
        : kind === 1
          ? `eddystone:${EDDYSTONE_NAMESPACE}:${n.toString(16).padStart(12, '0')}`
          : `altbeacon:${'ab'.repeat(18)}${n.toString(16).padStart(4, '0')}`;
    const gateways = [...(n <= 16 ? ['gw-01'] : []), ...(n >= 15 ? ['gw-02'] : [])];
    out.push({
      beaconId,
      address: address(n),
      name: `Balise ${n}`,
      // a few metres from the gateway(s) it sits by (midway for the two between them), where
      // the simulated radio puts it: the cloud's `moved` rule has nothing to say about them
      ...placeNear(
        gatewaysAt.filter((g) => gateways.includes(g.gatewayId)),
        n,
      ),
      shop: SHOPS[n % SHOPS.length] ?? 'Cosmo',
      gateways,
      simulated: n === 30 ? 'silent' : n === 4 || n === 13 || n === 22 ? 'low-battery' : 'ok',
    });
  }
  return out;
}

/** A point 0–7 m from the middle of `gateways` (about 1.1 m per 0.00001°). */
function placeNear(gateways: readonly DemoGateway[], n: number): { lat: number; lon: number } {
  const lat = gateways.reduce((a, g) => a + g.lat, 0) / Math.max(1, gateways.length);
  const lon = gateways.reduce((a, g) => a + g.lon, 0) / Math.max(1, gateways.length);
  return {
    lat: Math.round((lat + (n % 3) * 0.00002) * 1e6) / 1e6,
    lon: Math.round((lon + ((n >> 2) % 3) * 0.00002) * 1e6) / 1e6,
  };
}

/** The fleet of the demo. */
export function demoFleet(o: DemoFleetOptions): DemoFleet {
  const trucks = [1, 2, 3].map((t) => ({
    truckId: `truck-0${t}`,
    name: `Benne ${t}`,
    plate: `GC-10${t}-HV`,
    maxPayloadG: TRUCK_PAYLOAD_G,
    bodyVolumeL: TRUCK_BODY_L,
    scaleIntervalG: 500,
    route: demoRoute(t, o),
  }));
  const gateways: DemoGateway[] = [
    { gatewayId: 'gw-01', name: 'Cosmo nord', lat: 43.6601, lon: 3.5418, clone: true },
    // 20 m apart: well within the cloud's allowlist radius (150 m) of each other's beacons, so
    // both list all thirty; each zone has on air the beacons that sit by its gateway
    { gatewayId: 'gw-02', name: 'Cosmo sud', lat: 43.66028, lon: 3.5418, clone: false },
  ];
  return { trucks, gateways, beacons: demoBeacons(gateways) };
}

/**
 * What is on air around one gateway (`releve-gateway run --simulate <zone file>`): the beacons
 * that sit by it, as the fleet places them, flat and silent ones included. Its allowlist has
 * no say: a beacon it does not list is heard and ignored, as in the field.
 */
export function zoneOf(fleet: DemoFleet, gatewayId: string): { beacons: ZoneBeacon[] } {
  return {
    beacons: fleet.beacons
      .filter((b) => b.gateways.includes(gatewayId))
      .map((b) => ({ beaconId: b.beaconId, address: b.address, simulated: b.simulated })),
  };
}
