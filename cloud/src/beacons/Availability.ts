/** Length of an availability slot: 5 minutes, in ms. */
export const SLOT_MS = 5 * 60_000;

/** The UTC month `YYYY-MM` as a half-open period of epoch ms. */
export function monthRange(month: string): { fromMs: number; toMs: number } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return { fromMs: Date.UTC(y, mo, 1), toMs: Date.UTC(y, mo + 1, 1) };
}

/** The owed slots `[first, end)` of `[fromMs, toMs)` (empty when `end ≤ first`); rules in {@link countSlots}. */
export function owedSlots(
  fromMs: number,
  toMs: number,
  registeredMs: number,
  nowMs: number,
): { first: number; end: number } {
  const total = Math.floor((toMs - fromMs) / SLOT_MS);
  // first owed slot: its end (k+1)·SLOT > registered − from
  const first = Math.max(0, Math.floor((registeredMs - fromMs) / SLOT_MS));
  // owed slots end ≤ now: k + 1 ≤ (now − from) / SLOT
  const end = Math.min(total, Math.floor((nowMs - fromMs) / SLOT_MS));
  return { first, end };
}

/** Slots of a beacon in one month: which count, how many had it heard. */
export interface SlotCount {
  /** Slots of the month the beacon owed: after its registration and fully elapsed. */
  eligible: number;
  /** Of those, slots in which at least one gateway heard it. */
  heard: number;
  /** heard / eligible; null when nothing was owed. */
  availability: number | null;
}

/**
 * Counts the 5-minute slots of `[fromMs, toMs)` (slot k = `[fromMs + k·5 min, fromMs + (k+1)·5 min)`).
 * A slot is owed when it ends after `registeredMs` and no later than `nowMs` (a slot still
 * running, or in the future, is not owed yet; one the beacon was registered during is owed).
 * `heardSlots` are slot indexes in which the beacon was heard; indexes outside the owed
 * slots are ignored.
 */
export function countSlots(
  fromMs: number,
  toMs: number,
  registeredMs: number,
  nowMs: number,
  heardSlots: Iterable<number>,
): SlotCount {
  const { first, end } = owedSlots(fromMs, toMs, registeredMs, nowMs);
  const eligible = Math.max(0, end - first);
  let heard = 0;
  for (const k of new Set(heardSlots)) if (Number.isInteger(k) && k >= first && k < end) heard++;
  return { eligible, heard, availability: eligible === 0 ? null : heard / eligible };
}
