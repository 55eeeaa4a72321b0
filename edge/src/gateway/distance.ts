/** Distance and proximity zone from a smoothed RSSI (domain.md §3, log-distance path loss). */

/** d = 10^((P1m − rssi) / (10·n)), metres. */
export function logDistanceM(powerAt1mDbm: number, rssiDbm: number, pathLossExponent: number): number {
  return 10 ** ((powerAt1mDbm - rssiDbm) / (10 * pathLossExponent));
}

/** immediate < immediateM ≤ near < nearM ≤ far. */
export function proximityZone(
  distanceM: number,
  zones: { immediateM: number; nearM: number },
): 'immediate' | 'near' | 'far' {
  if (distanceM < zones.immediateM) return 'immediate';
  if (distanceM < zones.nearM) return 'near';
  return 'far';
}
