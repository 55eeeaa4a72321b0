import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { HttpApi } from '../../src/api/HttpApi.js';
import { Readiness } from '../../src/api/Readiness.js';
import { ApiTokenStore } from '../../src/auth/ApiTokenStore.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { BillingService } from '../../src/billing/BillingService.js';
import { IngestEventBus } from '../../src/ingest/IngestEventBus.js';
import { Store } from '../../src/store/Store.js';
import { tariffInput } from '../billing/fixtures.js';

/** A real HTTP API on an ephemeral loopback port over a real SQLite store in a temp dir. */
export interface ApiHarness {
  dir: string;
  store: Store;
  tokens: ApiTokenStore;
  metrics: CloudMetrics;
  readiness: Readiness;
  bus: IngestEventBus;
  api: HttpApi;
  /** Billing over the store, with the tariff of docs/billing.md's worked examples. */
  billing: BillingService;
  /** A valid token of each role. */
  tokenOf: Record<Role, string>;
  get(path: string, token?: string | null, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startApi(options: { sseHeartbeatMs?: number } = {}): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-api-'));
  const logger = pino({ level: 'silent' });
  const store = Store.open({ dataDir: dir, synchronous: 'normal', logger });
  const tokens = new ApiTokenStore(store.db);
  const metrics = new CloudMetrics(false);
  const readiness = new Readiness();
  const bus = new IngestEventBus();
  writeFileSync(join(dir, 'tariff.json'), JSON.stringify(tariffInput));
  const billing = new BillingService(store.db, join(dir, 'tariff.json'), dir);
  const api = new HttpApi({
    billing,
    host: '127.0.0.1',
    port: 0,
    store,
    tokens,
    metrics,
    readiness,
    bus,
    logger,
    sseHeartbeatMs: options.sseHeartbeatMs ?? 15_000,
  });
  await api.start();
  const tokenOf = Object.fromEntries(ROLES.map((r) => [r, tokens.issue(r, `test ${r}`).secret])) as Record<
    Role,
    string
  >;
  return {
    dir,
    store,
    tokens,
    metrics,
    readiness,
    bus,
    api,
    billing,
    tokenOf,
    get: (path, token = null, headers = {}) =>
      fetch(`${api.url}${path}`, {
        headers: { ...headers, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      }),
    close: async () => {
      await api.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
