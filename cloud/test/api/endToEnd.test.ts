import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, topicFor } from '@releve/shared';
import { commandService, freePort, requireService, waitFor } from '@releve/shared/testing/index';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { HttpApi } from '../../src/api/HttpApi.js';
import { Readiness } from '../../src/api/Readiness.js';
import type { LiftPage } from '../../src/api/schemas.js';
import { ApiTokenStore } from '../../src/auth/ApiTokenStore.js';
import { CloudBroker } from '../../src/broker/CloudBroker.js';
import { Ingest } from '../../src/ingest/Ingest.js';
import { Store } from '../../src/store/Store.js';
import { TimeSeriesExport } from '../../src/tsdb/TimeSeriesExport.js';
import { TsdbSinkConfig } from '../../src/tsdb/TsdbSinkConfig.js';
import { VictoriaMetricsProcess } from '../tsdb/VictoriaMetricsProcess.js';
import { lift, seedRegistry } from './fixtures.js';
import { SseStream } from './sseClient.js';

const hasVm = await requireService(commandService('victoria-metrics'));

/**
 * The whole path with real parts: a device publishes a lift over MQTT to the embedded broker,
 * the ingest stores it in SQLite, and it shows on the live stream, the lift list, /metrics,
 * /readyz and (with VictoriaMetrics installed) in the time-series server.
 */
describe('a lift from MQTT to the HTTP API, the live stream and the time-series server', () => {
  const logger = pino({ level: 'silent' });
  let dir: string;
  let broker: CloudBroker;
  let store: Store;
  let ingest: Ingest;
  let api: HttpApi;
  let vm: VictoriaMetricsProcess | null = null;
  let tsdb: TimeSeriesExport | null = null;
  let token: string;
  let adminToken: string;
  const metrics = new CloudMetrics(false);
  const readiness = new Readiness();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-e2e-'));
    broker = new CloudBroker({
      dataDir: null,
      mqtt: { host: '127.0.0.1', port: 0 },
      mqtts: null,
      ws: null,
      passwordFile: null,
      aclFile: null,
      allowAnonymous: true,
      maxPacketBytes: 1024 * 1024,
      logger,
    });
    await broker.start();
    store = Store.open({ dataDir: dir, logger });
    seedRegistry(store);
    ingest = new Ingest({
      url: `mqtt://127.0.0.1:${broker.ports.mqtt}`,
      store,
      logger,
      clientId: 'e2e-ingest',
    });
    metrics.followIngest(ingest.events);
    await ingest.start();
    readiness.register('ingest', () => true);
    const tokens = new ApiTokenStore(store.db);
    token = tokens.issue('dispatcher').secret;
    adminToken = tokens.issue('admin').secret;
    api = new HttpApi({
      host: '127.0.0.1',
      port: 0,
      store,
      tokens,
      metrics,
      readiness,
      bus: ingest.events,
      logger,
    });
    await api.start();
    if (hasVm) {
      vm = new VictoriaMetricsProcess(await freePort(), join(dir, 'vm'));
      await vm.start();
      tsdb = new TimeSeriesExport({
        config: TsdbSinkConfig.parse({ url: vm.url, flushIntervalMs: 50 }),
        dataDir: dir,
        bus: ingest.events,
        metrics,
        logger,
      });
      await tsdb.start();
    }
  }, 120_000);

  afterAll(async () => {
    await tsdb?.stop();
    await vm?.stop();
    await api?.stop();
    await ingest?.stop();
    await broker?.stop();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('shows the lift everywhere it should', async () => {
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { store: true, ingest: true } });

    const stream = await SseStream.open(`${api.url}/api/v1/events`, { authorization: `Bearer ${token}` });
    try {
      await waitFor(
        () => metrics.sseClients.get().then((g) => g.values[0]?.value === 1),
        10_000,
        'stream open',
      );
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
        clientId: 'truck-01',
      });
      const m = lift('truck-01', 1, Date.now() - 3600_000, 'acc-1');
      await device.publishAsync(topicFor('lift', 'truck-01'), encodeMessage('lift', m), { qos: 1 });
      await device.endAsync();

      const live = await waitFor(() => stream.events.find((e) => e.event === 'lift'), 15_000, 'live lift');
      expect(JSON.parse(live.data ?? '{}').message).toEqual(m);

      const page = (await (
        await fetch(`${api.url}/api/v1/lifts?truckId=truck-01`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as LiftPage;
      expect(page.items.map((l) => [l.id, l.netWeightG])).toEqual([[m.id, m.netWeightG]]);

      const text = await (
        await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).text();
      expect(text).toMatch(/^releve_ingest_messages_total\{kind="lift",outcome="stored"\} 1$/m);

      if (vm) {
        const startedAt = Date.parse(m.startedAt);
        const series = await waitFor(
          async () => (await vm!.export('releve_lift_net_g', startedAt - 1000, startedAt + 1000))[0],
          20_000,
          'the lift in VictoriaMetrics',
        );
        expect(series.metric.truck).toBe('truck-01');
        expect(series.timestamps).toEqual([startedAt]);
        expect(series.values).toEqual([m.netWeightG]);
      }
    } finally {
      await stream.close();
    }
  }, 120_000);
});
