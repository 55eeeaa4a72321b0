import type { AllowlistedBeacon } from '@releve/shared';
import type { GatewayPlace } from './BeaconStatus.js';
import { distanceM } from './geo.js';

/**
 * How far from a gateway a registered beacon goes on its allowlist, metres (config
 * `beacons.allowlistRadiusM`). The farthest a beacon is heard: a +4 dBm beacon (−55 dBm at
 * 1 m) and a −95 dBm receiver in free space (path-loss exponent 2) give 100 m; the half more
 * covers an external antenna or a mast. Between the zone's buildings (exponent about 2.7) the
 * real reach is 20–40 m, so the radius errs towards listing a beacon the gateway may not hear
 * (an entry never sighted costs nothing) rather than leaving out one it does hear (its frames
 * would be dropped as unknown).
 */
export const DEFAULT_ALLOWLIST_RADIUS_M = 150;

/** A beacon no gateway has within the radius, given to its nearest gateway anyway. */
export interface BeyondReach {
  beaconId: string;
  gatewayId: string;
  distanceM: number;
}

/**
 * Which registered beacons each registered gateway lists: those within `radiusM` of its
 * registered position, so every gateway that can hear a beacon reports it (the cloud's
 * `moved` and distant-gateways clone rules compare what neighbouring gateways hear) and none
 * carries the far end of the zone. A beacon beyond every gateway's radius (a position typed
 * wrong, a gateway not yet installed) goes to its nearest gateway and is returned in
 * `beyondReach`: listed somewhere, it shows as `silent` rather than never expected. The
 * registry requires a position for every gateway (`gateways.csv` lat, lon), so there is no
 * gateway without one. Each list keeps the beacons' order.
 */
export function assignBeacons(
  gateways: readonly GatewayPlace[],
  beacons: readonly AllowlistedBeacon[],
  radiusM: number = DEFAULT_ALLOWLIST_RADIUS_M,
): { lists: Map<string, AllowlistedBeacon[]>; beyondReach: BeyondReach[] } {
  const lists = new Map<string, AllowlistedBeacon[]>(gateways.map((g) => [g.gatewayId, []]));
  const beyondReach: BeyondReach[] = [];
  for (const b of beacons) {
    let nearest: { gatewayId: string; d: number } | null = null;
    let inReach = false;
    for (const g of gateways) {
      const d = distanceM(g, b);
      if (d <= radiusM) {
        lists.get(g.gatewayId)?.push(b);
        inReach = true;
      }
      if (!nearest || d < nearest.d) nearest = { gatewayId: g.gatewayId, d };
    }
    if (!inReach && nearest) {
      lists.get(nearest.gatewayId)?.push(b);
      beyondReach.push({
        beaconId: b.beaconId,
        gatewayId: nearest.gatewayId,
        distanceM: Math.round(nearest.d),
      });
    }
  }
  return { lists, beyondReach };
}
