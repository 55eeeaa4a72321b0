import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterCursorKey, decodeCursor, encodeCursor, LiftCursorKey } from '../../src/api/cursor.js';
import { LiveEventHub } from '../../src/api/LiveEventHub.js';
import { lift, recordOf, seedRegistry } from './fixtures.js';
import { type ApiHarness, startApi } from './harness.js';

/** Whatever a client sends in a query, a path or a header, the answer is a 2xx or a 4xx problem, never a 500. */
describe('hostile input (property-based)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi();
    seedRegistry(h.store);
    const l = lift('truck-01', 1, Date.parse('2026-11-02T07:00:00.000Z'), 'acc-1');
    h.store.writeBatch([recordOf('lift', 'truck-01', l, Date.parse(l.ts))]);
  });
  afterAll(async () => {
    await h?.close();
  });

  const text = fc.string({ unit: 'binary', maxLength: 300 });

  it('cursors round-trip, and anything else decodes to null', () => {
    fc.assert(
      fc.property(fc.record({ startedAt: fc.string(), id: fc.string() }), (k) => {
        expect(decodeCursor(encodeCursor(k), LiftCursorKey)).toEqual(k);
      }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const r = decodeCursor(s, DeadLetterCursorKey);
        expect(r === null || Number.isInteger(r.beforeId)).toBe(true);
      }),
    );
  });

  it('query parameters of the lift and dead-letter lists', async () => {
    const names = fc.constantFrom('cursor', 'from', 'to', 'limit', 'truckId', 'accountId', 'code', 'junk');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/lifts', '/api/v1/dead-letters'),
        fc.dictionary(names, text),
        async (path, q) => {
          const r = await h.get(`${path}?${new URLSearchParams(q)}`, h.tokenOf.admin);
          const body = await r.text();
          expect([200, 400], body).toContain(r.status);
          if (r.status === 400) expect(JSON.parse(body).code).toBe('bad-request');
        },
      ),
      { numRuns: 150 },
    );
  }, 90_000);

  it('path parameters', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (id) => {
        const r = await h.get(`/api/v1/trucks/${encodeURIComponent(id)}`, h.tokenOf.dispatcher);
        await r.body?.cancel();
        expect([200, 400, 404]).toContain(r.status);
      }),
      { numRuns: 150 },
    );
  }, 90_000);

  it('Authorization headers', async () => {
    const headerText = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    });
    await fc.assert(
      fc.asyncProperty(headerText, async (auth) => {
        const r = await fetch(`${h.api.url}/api/v1/whoami`, { headers: { authorization: auth } });
        await r.body?.cancel();
        expect(r.status).toBe(401);
      }),
      { numRuns: 150 },
    );
  }, 90_000);

  it('Last-Event-ID values never replay another life’s events', () => {
    const hub = new LiveEventHub(10);
    for (let i = 0; i < 25; i++)
      hub.publish('lift', 'truck-01', lift('truck-01', i + 1, Date.now(), 'acc-1'));
    fc.assert(
      fc.property(text, (id) => {
        const r = hub.since(id);
        if (r.kind === 'events') {
          expect(id.startsWith(`${hub.bootId}.`)).toBe(true);
          expect(r.events.length).toBeLessThanOrEqual(10);
        }
      }),
    );
    expect(hub.since(`${hub.bootId}.20`)).toMatchObject({ kind: 'events', events: { length: 5 } });
    expect(hub.since(`${hub.bootId}.3`)).toEqual({ kind: 'gap' });
    expect(hub.since(`${hub.bootId}.26`)).toEqual({ kind: 'gap' });
  });
});
