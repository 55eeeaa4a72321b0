import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/outbox/Outbox.js';
import { liftDraft, truckStatusDraft } from './drafts.js';

const TRUCK = 'truck-prop';
const silent = pino({ level: 'silent' });

type Op =
  | { op: 'lift' }
  | { op: 'status' }
  | { op: 'ackOldest' }
  | { op: 'ackAt'; at: number }
  | { op: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ op: 'lift' as const }), weight: 4 },
  { arbitrary: fc.constant({ op: 'status' as const }), weight: 2 },
  { arbitrary: fc.constant({ op: 'ackOldest' as const }), weight: 2 },
  { arbitrary: fc.nat({ max: 50 }).map((at) => ({ op: 'ackAt' as const, at })), weight: 2 },
  { arbitrary: fc.constant({ op: 'restart' as const }), weight: 1 },
);

/**
 * Model-based check: any sequence of enqueues, acks (in order or out of order), restarts and
 * size-bound drops keeps the outbox equal to a plain in-memory model: same events, in sequence
 * order; sequence numbers strictly increasing over the whole run, never reused; lifts never
 * dropped.
 */
describe('Outbox (property)', () => {
  it('matches the model under random enqueue/ack/restart sequences', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 2, max: 12 }),
        (ops, max) => {
          const dir = mkdtempSync(join(tmpdir(), 'releve-outbox-prop-'));
          const open = () =>
            Outbox.open({
              dataDir: dir,
              deviceId: TRUCK,
              deviceClass: 'trucks',
              maxEntries: max,
              logger: silent,
            });
          let outbox = open();
          try {
            const model: { seq: number; id: string; lift: boolean }[] = [];
            const issuedLifts = new Set<string>();
            const ackedLifts = new Set<string>();
            let lastSeq = 0;
            let i = 0;
            for (const step of ops) {
              switch (step.op) {
                case 'lift':
                case 'status': {
                  const lift = step.op === 'lift';
                  if (model.length >= max) {
                    const victim = model.findIndex((m) => !m.lift);
                    if (victim >= 0) model.splice(victim, 1);
                  }
                  const r = lift
                    ? outbox.enqueue('lift', liftDraft(TRUCK, i))
                    : outbox.enqueue('truckStatus', truckStatusDraft(TRUCK, i));
                  i += 1;
                  expect(r.seq).toBe(lastSeq + 1);
                  lastSeq = r.seq;
                  if (r.stored) model.push({ seq: r.seq, id: r.id, lift });
                  if (lift) {
                    expect(r.stored).toBe(true);
                    issuedLifts.add(r.id);
                  }
                  break;
                }
                case 'ackOldest': {
                  const first = model.shift();
                  if (first) {
                    expect(outbox.ack(first.id)).toBe(true);
                    if (first.lift) ackedLifts.add(first.id);
                  }
                  break;
                }
                case 'ackAt': {
                  const [victim] = model.length ? model.splice(step.at % model.length, 1) : [];
                  if (victim) {
                    expect(outbox.ack(victim.id)).toBe(true);
                    if (victim.lift) ackedLifts.add(victim.id);
                  }
                  break;
                }
                case 'restart':
                  outbox.close();
                  outbox = open();
                  break;
              }
              const stored = outbox.peek(1000);
              expect(stored.map((e) => e.id)).toEqual(model.map((m) => m.id));
              expect(outbox.backlog()).toBe(model.length);
              expect(outbox.lastSeq()).toBe(lastSeq);
            }
            // Every lift ever issued is either still stored or was acknowledged: none dropped.
            const storedIds = new Set(outbox.peek(1000).map((e) => e.id));
            for (const id of issuedLifts) expect(storedIds.has(id) || ackedLifts.has(id)).toBe(true);
          } finally {
            outbox.close();
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
