import type { AccessDecision, AccessKind } from './AccessPolicy.js';

/**
 * Decisions of one kind a client's cache holds before it evicts: a fleet's worth of topics.
 * The ingest client receives every device's topics through `authorizeForward` (2,000 trucks
 * and 500 gateways × 4 device → cloud topics each ≈ 10,000 read decisions); a device uses a
 * handful. About 150 bytes an entry, so 2.5 MB for a client that fills it.
 */
export const DEFAULT_DECISION_CACHE_ENTRIES = 16_384;

/**
 * Per-client memo of access decisions, one map per kind keyed by topic (no key to build: a
 * lookup hashes the topic only). Bounded so a client walking many topics cannot grow it without
 * end: when a kind's map is full, its older half (insertion order) is evicted, so the topics a
 * client keeps using are computed once more at most, never all at once as when the whole cache
 * was emptied. A new cache is made when the ACL is reloaded.
 */
export class AccessDecisionCache {
  private readonly byKind: Record<AccessKind, Map<string, AccessDecision>> = {
    write: new Map(),
    read: new Map(),
    subscribe: new Map(),
  };

  /** `capacity`: decisions held per kind. */
  constructor(private readonly capacity = DEFAULT_DECISION_CACHE_ENTRIES) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity ${capacity} < 2`);
  }

  /** Decisions held, every kind together. */
  get size(): number {
    return this.byKind.write.size + this.byKind.read.size + this.byKind.subscribe.size;
  }

  /** The memoised decision, computing it on a miss. */
  get(kind: AccessKind, topic: string, compute: () => AccessDecision): AccessDecision {
    const entries = this.byKind[kind];
    const hit = entries.get(topic);
    if (hit) return hit;
    const d = compute();
    if (entries.size >= this.capacity) this.evictOlderHalf(entries);
    entries.set(topic, d);
    return d;
  }

  private evictOlderHalf(entries: Map<string, AccessDecision>): void {
    let n = entries.size - Math.floor(this.capacity / 2);
    for (const topic of entries.keys()) {
      if (n-- <= 0) break;
      entries.delete(topic);
    }
  }
}
