import type { AccessDecision, AccessKind } from './AccessPolicy.js';

/**
 * Entries one client's cache holds before it evicts: a fleet's worth of topics. The ingest
 * client receives every device's topics through `authorizeForward` (2,000 trucks and 500
 * gateways × 4 device → cloud topics each ≈ 10,000 read decisions); a device uses a handful.
 * About 150 bytes an entry, so 2.5 MB for a client that fills it.
 */
export const DEFAULT_DECISION_CACHE_ENTRIES = 16_384;

/**
 * Per-client memo of access decisions, keyed by kind and topic. Bounded so a client walking
 * many topics cannot grow it without end: when full, the older half (insertion order) is
 * evicted, so the topics a client keeps using are computed once more at most, never all at
 * once as when the whole cache was emptied. A new cache is made when the ACL is reloaded.
 */
export class AccessDecisionCache {
  private readonly entries = new Map<string, AccessDecision>();

  constructor(private readonly capacity = DEFAULT_DECISION_CACHE_ENTRIES) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity ${capacity} < 2`);
  }

  /** Decisions held. */
  get size(): number {
    return this.entries.size;
  }

  /** The memoised decision, computing it on a miss. */
  get(kind: AccessKind, topic: string, compute: () => AccessDecision): AccessDecision {
    const key = `${kind}\u0000${topic}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const d = compute();
    if (this.entries.size >= this.capacity) this.evictOlderHalf();
    this.entries.set(key, d);
    return d;
  }

  private evictOlderHalf(): void {
    let n = this.entries.size - Math.floor(this.capacity / 2);
    for (const key of this.entries.keys()) {
      if (n-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
