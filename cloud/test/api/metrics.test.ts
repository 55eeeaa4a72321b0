import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { type ApiHarness, startApi } from './harness.js';
import { lift, recordOf, seedRegistry } from './fixtures.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), failing on any line that is
 * not a HELP/TYPE comment or a well-formed sample, or a sample whose family has no TYPE.
 * `Nan` (prom-client's spelling before the first event-loop sample) is accepted as Prometheus
 * itself does: it parses values with Go's case-insensitive `strconv.ParseFloat`.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|Nan|\+Inf|-Inf)( -?\d+)?$/;
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    const body = m![3] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l; l = LABEL.exec(body)) {
      labels[l[1]!] = l[2]!;
      consumed = LABEL.lastIndex;
    }
    expect(consumed, `bad labels: ${line}`).toBe(body.length);
    const name = m![1]!;
    const family = name.replace(/_(bucket|sum|count|total)$/, '');
    expect(types.has(name) || types.has(family), `no TYPE for ${name}`).toBe(true);
    samples.push({ name, labels, value: Number(m![4]) });
  }
  return { types, samples };
}

describe('GET /metrics', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi();
    seedRegistry(h.store);
    h.metrics.followIngest(h.bus);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('exposes ingest, dead letters, store latency, broker clients and HTTP counts in a parseable text format', async () => {
    // fed as the features feed them: the ingest bus, timed store writes, the broker gauge
    const l = lift('truck-01', 1, Date.now() - 10_000, 'acc-1');
    h.metrics.timeStoreWrite('batch', () =>
      h.store.writeBatch([recordOf('lift', 'truck-01', l, Date.now())]),
    );
    h.metrics.timeStoreWrite('batch', () => h.store.writeBatch([]));
    h.bus.emit('stored', {
      kind: 'lift',
      message: l,
      deviceClass: 'trucks',
      deviceId: 'truck-01',
      receivedAt: new Date().toISOString(),
      cloudFlags: [],
    });
    h.bus.emit('dead-letter', {
      topic: 't',
      clientId: null,
      reasonCode: 'schema',
      reason: 'x',
      size: 3,
      receivedAt: new Date().toISOString(),
    });
    h.metrics.brokerClients.set({ class: 'trucks' }, 2);
    await h.get('/api/v1/trucks', h.tokenOf.dispatcher);

    const res = await h.get('/metrics', h.tokenOf.admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const { types, samples } = parseExposition(await res.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;

    expect(types.get('releve_ingest_messages_total')).toBe('counter');
    expect(value('releve_ingest_messages_total', { kind: 'lift', outcome: 'stored' })).toBe(1);
    expect(value('releve_dead_letters_total', { code: 'schema' })).toBe(1);
    expect(value('releve_broker_clients', { class: 'trucks' })).toBe(2);
    expect(value('releve_http_requests_total', { route: 'listTrucks', status: '200' })).toBe(1);

    expect(types.get('releve_store_write_seconds')).toBe('histogram');
    const buckets = samples.filter((s) => s.name === 'releve_store_write_seconds_bucket');
    expect(buckets.length).toBeGreaterThan(2);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
    expect(buckets.at(-1)?.labels.le).toBe('+Inf');
    expect(buckets.at(-1)?.value).toBe(value('releve_store_write_seconds_count', { op: 'batch' }));
    expect(value('releve_store_write_seconds_count', { op: 'batch' })).toBe(2);
  });

  it('reads broker client counts at scrape time when given a reader', async () => {
    const m = new CloudMetrics(false);
    let counts: Record<string, number> = { trucks: 3, gateways: 1 };
    m.observeBrokerClients(() => counts);
    const first = parseExposition(await m.exposition()).samples.filter(
      (s) => s.name === 'releve_broker_clients',
    );
    expect(first.map((s) => [s.labels.class, s.value])).toEqual([
      ['trucks', 3],
      ['gateways', 1],
    ]);
    counts = { trucks: 2 };
    const second = parseExposition(await m.exposition()).samples.filter(
      (s) => s.name === 'releve_broker_clients',
    );
    expect(second.map((s) => [s.labels.class, s.value])).toEqual([['trucks', 2]]);
  });

  it('includes Node process metrics when asked', async () => {
    const m = new CloudMetrics(true);
    const { types } = parseExposition(await m.exposition());
    expect(types.has('releve_process_cpu_user_seconds_total')).toBe(true);
  });
});
