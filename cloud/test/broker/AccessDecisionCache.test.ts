import { describe, expect, it } from 'vitest';
import { AccessDecisionCache, DEFAULT_DECISION_CACHE_ENTRIES } from '../../src/broker/AccessDecisionCache.js';
import type { AccessDecision } from '../../src/broker/AccessPolicy.js';

const ALLOWED: AccessDecision = { allowed: true };

/** Looks every topic up once; returns how many were computed (misses). */
function pass(cache: AccessDecisionCache, topics: readonly string[]): number {
  let misses = 0;
  for (const t of topics)
    cache.get('read', t, () => {
      misses++;
      return ALLOWED;
    });
  return misses;
}

const fleetTopics = (trucks: number, gateways: number): string[] => [
  ...Array.from({ length: trucks }, (_, i) =>
    ['lifts', 'status', 'online', 'alerts'].map((k) => `releve/v1/trucks/truck-${i}/${k}`),
  ).flat(),
  ...Array.from({ length: gateways }, (_, i) =>
    ['sightings', 'telemetry', 'health', 'footfall'].map((k) => `releve/v1/gateways/gw-${i}/${k}`),
  ).flat(),
];

describe('AccessDecisionCache', () => {
  it("holds a fleet's topics (2,000 trucks, 500 gateways): the second pass computes nothing", () => {
    const cache = new AccessDecisionCache();
    const topics = fleetTopics(2000, 500);
    expect(topics.length).toBeLessThanOrEqual(DEFAULT_DECISION_CACHE_ENTRIES);
    expect(pass(cache, topics)).toBe(topics.length);
    expect(pass(cache, topics)).toBe(0);
  });

  it('stays within its bound, evicting the older half and keeping the newer', () => {
    const cache = new AccessDecisionCache(100);
    const topics = Array.from({ length: 1000 }, (_, i) => `t/${i}`);
    for (const t of topics) {
      pass(cache, [t]);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.size).toBeGreaterThanOrEqual(50);
    // the latest 50 are still held, the first ones were evicted
    expect(pass(cache, topics.slice(-50))).toBe(0);
    expect(pass(cache, topics.slice(0, 10))).toBe(10);
  });

  it('keys by kind as well as topic', () => {
    const cache = new AccessDecisionCache();
    cache.get('read', 'a/b', () => ALLOWED);
    const refused = cache.get('write', 'a/b', () => ({ allowed: false, reason: 'no grant' }));
    expect(refused).toEqual({ allowed: false, reason: 'no grant' });
    expect(cache.get('read', 'a/b', () => ({ allowed: false, reason: 'not asked' }))).toBe(ALLOWED);
  });
});
