import { waitFor } from '@releve/shared/testing/index';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_ACCESS } from '../../src/auth/accessTable.js';
import type { StoredMessageEvent } from '../../src/ingest/IngestEventBus.js';
import { gatewayHealth, lift, seedRegistry, truckStatus } from './fixtures.js';
import { type ApiHarness, startApi } from './harness.js';
import { SseStream } from './sseClient.js';

describe('GET /api/v1/events (server-sent events)', () => {
  let h: ApiHarness;
  const streams: SseStream[] = [];
  let seq = 0;

  beforeAll(async () => {
    h = await startApi({ sseHeartbeatMs: 100 });
    seedRegistry(h.store);
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) await s.close();
  });
  afterAll(async () => {
    await h?.close();
  });

  const open = async (token: string, headers: Record<string, string> = {}, query = '') => {
    const s = await SseStream.open(`${h.api.url}/api/v1/events${query}`, {
      authorization: `Bearer ${token}`,
      ...headers,
    });
    streams.push(s);
    return s;
  };

  /** What the ingest emits after committing a message. */
  const stored = (e: Omit<StoredMessageEvent, 'receivedAt' | 'cloudFlags'>) =>
    h.bus.emit('stored', {
      ...e,
      receivedAt: new Date().toISOString(),
      cloudFlags: [],
    } as StoredMessageEvent);
  const emitLift = () => {
    seq += 1;
    const m = lift('truck-01', seq, Date.now() - 10_000, 'acc-1');
    stored({ kind: 'lift', message: m, deviceClass: 'trucks', deviceId: 'truck-01' });
    return m;
  };
  const emitHealth = () => {
    seq += 1;
    const m = gatewayHealth('gw-01', seq, Date.now());
    stored({ kind: 'gatewayHealth', message: m, deviceClass: 'gateways', deviceId: 'gw-01' });
    return m;
  };

  it('delivers a stored lift live, and sends heartbeats', async () => {
    const s = await open(h.tokenOf.dispatcher);
    expect(s.status).toBe(200);
    await waitFor(
      () => h.metrics.sseClients.get().then((g) => g.values[0]?.value === 1),
      10_000,
      'stream open',
    );
    const m = emitLift();
    const got = await waitFor(() => s.events.find((e) => e.event === 'lift'), 10_000, 'the lift event');
    const data = JSON.parse(got.data ?? '{}') as { id: string; deviceId: string; message: { id: string } };
    expect(data.message.id).toBe(m.id);
    expect(data.deviceId).toBe('truck-01');
    expect(got.id).toBe(data.id);
    await waitFor(() => s.blocks.some((b) => b.comment?.startsWith('heartbeat')), 10_000, 'a heartbeat');
  });

  it('filters by role: the beacon operator never receives a truck message', async () => {
    const operator = await open(h.tokenOf['beacon-operator']);
    const admin = await open(h.tokenOf.admin);
    await waitFor(
      () => h.metrics.sseClients.get().then((g) => g.values[0]?.value === 2),
      10_000,
      'streams open',
    );
    emitLift();
    seq += 1;
    stored({
      kind: 'truckStatus',
      message: truckStatus('truck-01', seq, Date.now()),
      deviceClass: 'trucks',
      deviceId: 'truck-01',
    });
    const health = emitHealth();
    // the admin sees all three; once the operator has the later health event, it has had its chance at the others
    await waitFor(() => admin.events.length === 3, 10_000, 'admin events');
    await waitFor(() => operator.events.length >= 1, 10_000, 'operator event');
    expect(operator.events.map((e) => e.event)).toEqual(['gatewayHealth']);
    expect(JSON.parse(operator.events[0]?.data ?? '{}').message.id).toBe(health.id);
    for (const e of operator.events) expect(EVENT_ACCESS['beacon-operator']).toContain(e.event);
  });

  it('narrows to the asked kinds and refuses unknown ones', async () => {
    const s = await open(h.tokenOf.admin, {}, '?kinds=gatewayHealth');
    emitLift();
    emitHealth();
    await waitFor(() => s.events.length >= 1, 10_000, 'the health event');
    expect(s.events.map((e) => e.event)).toEqual(['gatewayHealth']);
    const bad = await h.get('/api/v1/events?kinds=lift,nonsense', h.tokenOf.admin);
    expect(bad.status).toBe(400);
  });

  it('resumes with Last-Event-ID, and asks for a resync when events are lost', async () => {
    const first = await open(h.tokenOf.billing);
    await waitFor(
      () => h.metrics.sseClients.get().then((g) => g.values[0]?.value === 1),
      10_000,
      'stream open',
    );
    const a = emitLift();
    const seen = await waitFor(() => first.events.find((e) => e.event === 'lift'), 10_000, 'first lift');
    expect(JSON.parse(seen.data ?? '{}').message.id).toBe(a.id);
    await first.close();
    // missed while disconnected
    const b = emitLift();
    const c = emitLift();
    const again = await open(h.tokenOf.billing, { 'last-event-id': seen.id ?? '' });
    await waitFor(() => again.events.length >= 2, 10_000, 'replayed lifts');
    expect(again.events.map((e) => JSON.parse(e.data ?? '{}').message.id)).toEqual([b.id, c.id]);

    const stale = await open(h.tokenOf.billing, { 'last-event-id': 'otherboot.5' });
    await waitFor(() => stale.events.length >= 1, 10_000, 'resync');
    expect(stale.events[0]?.event).toBe('resync');
  });

  it('closes open streams when the server stops', async () => {
    const h2 = await startApi({ sseHeartbeatMs: 100 });
    const s = await SseStream.open(`${h2.api.url}/api/v1/events`, {
      authorization: `Bearer ${h2.tokenOf.admin}`,
    });
    await waitFor(
      () => h2.metrics.sseClients.get().then((g) => g.values[0]?.value === 1),
      10_000,
      'stream open',
    );
    await h2.close();
    expect((await h2.metrics.sseClients.get()).values[0]?.value).toBe(0);
    await s.close();
  });
});
