/** One battery reading of a beacon (Eddystone-TLM `VBATT`). */
export interface BatteryPoint {
  /** UTC ISO-8601 time of the TLM report. */
  at: string;
  batteryMv: number;
}

/** What the battery readings say. */
export interface BatteryTrend {
  /** Readings the fit used (after the last battery change). */
  points: number;
  /** First and last time of those readings (null when none). */
  from: string | null;
  to: string | null;
  /** Time span of the readings, hours. */
  spanHours: number;
  /** Least-squares slope, millivolts per day (negative: discharging); null below the minimums. */
  slopeMvPerDay: number | null;
  /** When the fitted line reaches the threshold; null when no estimate (too few points, not falling). */
  lowBatteryAt: string | null;
  /** Latest reading (null when none). */
  lastMv: number | null;
}

export interface TrendOptions {
  thresholdMv: number;
  minPoints: number;
  minSpanHours: number;
  /** A rise this large between consecutive readings is a battery change: fit only after it. */
  changeRiseMv: number;
}

const DAY_MS = 86_400_000;

/**
 * Ordinary least squares of voltage on time: slope = Σ(t−t̄)(v−v̄) / Σ(t−t̄)², then the line
 * extrapolated to the threshold. Coin cells discharge slowly and then fall off a knee, so the
 * estimate is optimistic near the end: the status also turns `low-battery` on the last reading
 * alone (see `FleetStatus`). Readings are sorted by time; a rise of `changeRiseMv` or more
 * (a new battery) restarts the series. Times are centred on the first reading so the sums
 * stay exact in doubles.
 */
export function batteryTrend(readings: readonly BatteryPoint[], o: TrendOptions): BatteryTrend {
  const sorted = readings
    .map((r) => ({ t: Date.parse(r.at), v: r.batteryMv, at: r.at }))
    .filter((r) => Number.isFinite(r.t))
    .sort((a, b) => a.t - b.t);
  let start = 0;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && cur.v - prev.v >= o.changeRiseMv) start = i;
  }
  const pts = sorted.slice(start);
  const first = pts[0];
  const last = pts.at(-1);
  if (!first || !last) {
    return {
      points: 0,
      from: null,
      to: null,
      spanHours: 0,
      slopeMvPerDay: null,
      lowBatteryAt: null,
      lastMv: null,
    };
  }
  const spanHours = (last.t - first.t) / 3_600_000;
  const base = { points: pts.length, from: first.at, to: last.at, spanHours, lastMv: last.v };
  if (pts.length < o.minPoints || spanHours < o.minSpanHours) {
    return { ...base, slopeMvPerDay: null, lowBatteryAt: null };
  }
  const n = pts.length;
  const tMean = pts.reduce((s, p) => s + (p.t - first.t), 0) / n;
  const vMean = pts.reduce((s, p) => s + p.v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of pts) {
    const dt = p.t - first.t - tMean;
    sxy += dt * (p.v - vMean);
    sxx += dt * dt;
  }
  if (sxx === 0) return { ...base, slopeMvPerDay: null, lowBatteryAt: null };
  const slopePerMs = sxy / sxx;
  const slopeMvPerDay = slopePerMs * DAY_MS;
  if (slopePerMs >= 0) return { ...base, slopeMvPerDay, lowBatteryAt: null };
  // v(t) = vMean + slope·(t − t̄) = threshold  ⇒  t = t̄ + (threshold − vMean) / slope
  const crossMs = first.t + tMean + (o.thresholdMv - vMean) / slopePerMs;
  const lowBatteryAt =
    Number.isFinite(crossMs) && Math.abs(crossMs) < 8.64e15 ? new Date(crossMs).toISOString() : null;
  return { ...base, slopeMvPerDay, lowBatteryAt };
}
