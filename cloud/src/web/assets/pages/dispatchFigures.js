// @ts-check
// The dispatcher page's figures, computed from the API's trucks and today's lifts: pure
// functions, no DOM (the page renders what they return).

/** Whether a lift needs a person to look at it: unknown bin or any anomaly flag. */
export function isAnomaly(l) {
  return l.unknownTag || l.flags.length > 0 || l.cloudFlags.includes('unknown-tag');
}

/** Whether a truck is not connected now (offline, or never connected). */
export function isOffline(tr) {
  return !tr.online || tr.online.state === 'offline';
}

/**
 * Tonnage expected at the treatment site today, grams: payloads on board (statuses of today)
 * plus the net weight of the trips already unloaded (lifts of today's earlier trips).
 * @param {Iterable<any>} trucks TruckView items
 * @param {any[]} lifts today's lifts
 * @param {number} dayStartMs start of the local day
 */
export function expectedTonnage(trucks, lifts, dayStartMs) {
  let onBoard = 0;
  let delivered = 0;
  for (const tr of trucks) {
    const st = tr.status;
    const statusToday = st && Date.parse(st.ts) >= dayStartMs;
    if (statusToday) onBoard += st.payloadG;
    const current = statusToday ? st.tripSeq : Number.POSITIVE_INFINITY;
    for (const l of lifts) {
      // What went to the site weighs what it weighs: unknown bins and unbillable weighings count too.
      if (l.truckId === tr.truckId && l.tripSeq < current && l.netWeightG !== null && l.netWeightG > 0) {
        delivered += l.netWeightG;
      }
    }
  }
  return { onBoard, delivered, total: onBoard + delivered };
}

/**
 * A truck's weight fill through the day, as [epoch ms, share of the legal payload] points: the
 * running sum of its lifts' net weight, back to zero at each new trip, then its latest status.
 * The line starts empty shortly before the truck's first lift (or status) of the day.
 * @param {any} tr TruckView
 * @param {any[]} lifts today's lifts, oldest first
 * @param {number} dayStartMs start of the local day
 * @returns {[number, number][]}
 */
export function fillPoints(tr, lifts, dayStartMs) {
  const max = tr.status?.maxPayloadG;
  if (!max) return [];
  const own = lifts.filter((x) => x.truckId === tr.truckId);
  const firstAt = Math.min(
    ...own.map((x) => Date.parse(x.startedAt)),
    tr.status ? Date.parse(tr.status.ts) : Number.POSITIVE_INFINITY,
  );
  /** @type {[number, number][]} */
  const points = Number.isFinite(firstAt) ? [[Math.max(dayStartMs, firstAt - 15 * 60_000), 0]] : [];
  let trip = null;
  let load = 0;
  for (const l of own) {
    if (l.tripSeq !== trip) {
      if (trip !== null) points.push([Date.parse(l.startedAt) - 1, 0]);
      trip = l.tripSeq;
      load = 0;
    }
    load += l.netWeightG ?? 0;
    points.push([Date.parse(l.startedAt), load / max]);
  }
  const st = tr.status;
  if (st && Date.parse(st.ts) >= dayStartMs) points.push([Date.parse(st.ts), st.weightFill]);
  return points.sort((a, b) => a[0] - b[0]);
}
