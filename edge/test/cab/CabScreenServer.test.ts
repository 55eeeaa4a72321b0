import { createServer } from 'node:net';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CabScreenServer } from '../../src/cab/CabScreenServer.js';
import type { CabSource, CabView } from '../../src/cab/CabView.js';
import { EdgeError, EdgeErrorCode } from '../../src/errors.js';

/** A source whose view the test changes, with or without telling (as the outbox backlog does). */
class SettableSource implements CabSource {
  readonly listeners = new Set<() => void>();
  constructor(public current: CabView) {}
  view(): CabView {
    return { ...this.current, at: new Date().toISOString() };
  }
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  set(patch: Partial<CabView>, tell: boolean): void {
    this.current = { ...this.current, ...patch };
    if (tell) for (const fn of this.listeners) fn();
  }
}

const EMPTY: CabView = {
  truckId: 'truck-07',
  tripSeq: 1,
  liftsThisTrip: 0,
  payloadG: 0,
  maxPayloadG: 9_500_000,
  weightFill: 0,
  volumeFill: 0,
  advice: { action: 'continue', reason: 'capacity-available', binsUntilFull: null },
  lastLift: null,
  unknownBin: null,
  link: 'connected',
  outboxBacklog: 0,
  at: '2026-11-28T07:00:00.000Z',
};

/** Reads server-sent events from a fetch body, one parsed `data:` JSON per event. */
async function openStream(url: string) {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const events: CabView[] = [];
  let buffer = '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const pump = (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (r.done) return;
      buffer += dec.decode(r.value, { stream: true });
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of block.split('\n'))
          if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as CabView);
        cut = buffer.indexOf('\n\n');
      }
    }
  })();
  return { res, events, ended: pump, close: () => ac.abort() };
}

const log = pino({ level: 'silent' });
let server: CabScreenServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('CabScreenServer', () => {
  it('serves a self-contained page and the current view as JSON', async () => {
    const source = new SettableSource(EMPTY);
    server = new CabScreenServer({ source, truckId: 'truck-07', host: '127.0.0.1', port: 0, logger: log });
    const port = await server.start();
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    // nothing from elsewhere: no absolute URL, no external stylesheet, script or font
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toMatch(/url\(/);
    const view = (await (await fetch(`http://127.0.0.1:${port}/view`)).json()) as CabView;
    expect(view.truckId).toBe('truck-07');
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/view`, { method: 'POST' })).status).toBe(405);
  });

  it('streams the view on connect, on each change it is told of, and on silent changes', async () => {
    const source = new SettableSource(EMPTY);
    server = new CabScreenServer({
      source,
      truckId: 'truck-07',
      host: '127.0.0.1',
      port: 0,
      pollMs: 100,
      logger: log,
    });
    const port = await server.start();
    const stream = await openStream(`http://127.0.0.1:${port}/events`);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream');
    await waitFor(() => stream.events.length >= 1, 10_000, 'the first view');
    expect(stream.events[0]?.advice.action).toBe('continue');

    source.set(
      { advice: { action: 'unload', reason: 'weight-next-bins', binsUntilFull: 0 }, payloadG: 9_400_000 },
      true,
    );
    await waitFor(() => stream.events.some((e) => e.advice.action === 'unload'), 10_000, 'the unload advice');

    // the backlog grows without an event: the poll notices it, once
    source.set({ outboxBacklog: 42, link: 'disconnected' }, false);
    await waitFor(() => stream.events.some((e) => e.outboxBacklog === 42), 10_000, 'the backlog');
    const count = stream.events.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(stream.events.length).toBe(count);
    expect(stream.events.at(-1)?.link).toBe('disconnected');

    await server.stop();
    server = null;
    await stream.ended;
  });

  it('refuses a taken port with an EdgeError (cab-listen)', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    try {
      server = new CabScreenServer({
        source: new SettableSource(EMPTY),
        truckId: 'truck-07',
        host: '127.0.0.1',
        port: taken,
        logger: log,
      });
      const err = await server.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EdgeError);
      expect((err as EdgeError).code).toBe(EdgeErrorCode.CabListen);
      expect((err as Error).message).toContain('cab-listen');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
