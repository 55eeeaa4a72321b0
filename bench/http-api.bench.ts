// npm run bench:api — the HTTP API over a SQLite store of 100,000 lifts on loopback:
// requests per second and latency percentiles of a page of 100 lifts (keyset pagination deep
// into the table), of one account's page (this synthetic account has 33,333 lifts, sorted per
// page; a real household has about 50 a year), and of the truck list, with 8 concurrent
// clients for 3 s each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { CloudMetrics } from '../cloud/src/api/CloudMetrics.js';
import { HttpApi } from '../cloud/src/api/HttpApi.js';
import { Readiness } from '../cloud/src/api/Readiness.js';
import type { LiftPage } from '../cloud/src/api/schemas.js';
import { ApiTokenStore } from '../cloud/src/auth/ApiTokenStore.js';
import { Store } from '../cloud/src/store/Store.js';
import { lift, recordOf, seedRegistry } from '../cloud/test/api/fixtures.js';

const LIFTS = Number(process.env.BENCH_LIFTS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'releve-bench-api-'));
const logger = pino({ level: 'silent' });
const store = Store.open({ dataDir: dir, synchronous: 'normal', logger });
seedRegistry(store);
const base = Date.parse('2026-10-01T06:00:00.000Z');
for (let i = 0; i < LIFTS; i += 5000) {
  store.writeBatch(
    Array.from({ length: Math.min(5000, LIFTS - i) }, (_, j) => {
      const n = i + j;
      const l = lift(n % 2 ? 'truck-01' : 'truck-02', n + 1, base + n * 20_000, n % 3 ? 'acc-1' : 'acc-2');
      return recordOf('lift', l.truckId, l, base + n * 20_000 + 9000);
    }),
  );
}
const tokens = new ApiTokenStore(store.db);
const token = tokens.issue('admin').secret;
const api = new HttpApi({
  host: '127.0.0.1',
  port: 0,
  store,
  tokens,
  metrics: new CloudMetrics(false),
  readiness: new Readiness(),
  web: false,
  logger,
});
await api.start();
const headers = { authorization: `Bearer ${token}` };

// a cursor half way through the table, so pages are not the first ones
let cursor: string | null = null;
for (let i = 0; i < 5; i++) {
  const p = (await (
    await fetch(`${api.url}/api/v1/lifts?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers })
  ).json()) as LiftPage;
  cursor = p.nextCursor;
}

async function measure(name: string, path: string): Promise<void> {
  const latencies: number[] = [];
  const end = performance.now() + 3000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await fetch(`${api.url}${path}`, { headers });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(1);
  console.log(
    `${name.padEnd(34)} ${Math.round(latencies.length / 3)
      .toLocaleString('en')
      .padStart(6)} req/s  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms`,
  );
}

try {
  console.log(`${LIFTS.toLocaleString('en')} lifts in the store, 8 concurrent clients, 3 s per route`);
  await measure('GET /api/v1/lifts?limit=100 (deep)', `/api/v1/lifts?limit=100&cursor=${cursor}`);
  await measure('GET /api/v1/lifts?accountId (33k lifts!)', '/api/v1/lifts?accountId=acc-2&limit=100');
  await measure('GET /api/v1/trucks', '/api/v1/trucks');
  await measure('GET /healthz', '/healthz');
} finally {
  await api.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
