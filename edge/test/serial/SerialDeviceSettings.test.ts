import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reopenDelayMs, reopenPolicySchema } from '../../src/serial/SerialDeviceSettings.js';

const policyArb = fc
  .record({
    initialDelayMs: fc.integer({ min: 1, max: 5_000 }),
    extra: fc.integer({ min: 0, max: 60_000 }),
    factor: fc.double({ min: 1, max: 4, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ initialDelayMs, extra, factor, jitter }) =>
    reopenPolicySchema.parse({ initialDelayMs, maxDelayMs: initialDelayMs + extra, factor, jitter }),
  );

describe('reopenDelayMs', () => {
  it('stays within [cap·(1−jitter), cap] where cap = min(max, initial·factor^attempt)', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (p, attempt, r) => {
          const d = reopenDelayMs(attempt, p, () => r);
          const cap = Math.min(p.maxDelayMs, p.initialDelayMs * p.factor ** attempt);
          expect(d).toBeGreaterThanOrEqual(Math.max(1, Math.floor(cap * (1 - p.jitter))));
          expect(d).toBeLessThanOrEqual(Math.max(1, Math.ceil(cap)));
          expect(Number.isInteger(d)).toBe(true);
        },
      ),
    );
  });

  it('without jitter grows by the factor until the cap, then stays there', () => {
    const p = reopenPolicySchema.parse({ initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 50].map((a) => reopenDelayMs(a, p))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });
});
