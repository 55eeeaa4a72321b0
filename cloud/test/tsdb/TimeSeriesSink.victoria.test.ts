import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiftEvent } from '@releve/shared';
import { commandService, freePort, requireService, waitFor } from '@releve/shared/testing/index';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudMetrics } from '../../src/api/CloudMetrics.js';
import { TimeSeriesSink } from '../../src/tsdb/TimeSeriesSink.js';
import { TsdbQueue } from '../../src/tsdb/TsdbQueue.js';
import { TsdbSinkConfig } from '../../src/tsdb/TsdbSinkConfig.js';
import { beaconTelemetry, gatewayHealth, sightings, truckStatus } from '../api/fixtures.js';
import { liftAt } from './liftFixtures.js';
import { VictoriaMetricsProcess } from './VictoriaMetricsProcess.js';

const hasVm = await requireService(commandService('victoria-metrics'));
const log = pino({ level: 'silent' });

// Generous timeouts: VictoriaMetrics starts twice in a test, on a possibly loaded 2-core box.
describe.skipIf(!hasVm)('time-series sink against a real VictoriaMetrics', () => {
  let dir: string;
  let vm: VictoriaMetricsProcess;
  const base = Date.now() - 3 * 3600_000; // within retention, older than any latency offset

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-tsdb-'));
    vm = new VictoriaMetricsProcess(await freePort(), join(dir, 'vm'));
    await vm.start();
  }, 120_000);

  afterAll(async () => {
    await vm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const config = () =>
    TsdbSinkConfig.parse({
      url: vm.url,
      bucket: 'releve-test',
      batchSize: 40,
      flushIntervalMs: 50,
      minBackoffMs: 50,
      maxBackoffMs: 400,
      timeoutMs: 2000,
    });

  /** net weight by lift start time (ms), as VictoriaMetrics returns it. */
  async function exportedNetWeights(truckId: string): Promise<Map<number, number>> {
    const series = await vm.export('releve_lift_net_g', base - 60_000, base + 3600_000);
    const out = new Map<number, number>();
    for (const s of series.filter((x) => x.metric.truck === truckId)) {
      for (const [i, t] of s.timestamps.entries()) out.set(t, s.values[i] ?? Number.NaN);
    }
    return out;
  }

  const expected = (lifts: LiftEvent[]) =>
    new Map(lifts.map((l) => [Date.parse(l.startedAt), l.netWeightG ?? Number.NaN]));

  it('writes lifts that read back identical through /api/v1/export', async () => {
    const queue = TsdbQueue.open(join(dir, 'queue-a.sqlite'));
    const sink = new TimeSeriesSink({ config: config(), queue, log });
    const lifts = Array.from({ length: 100 }, (_, i) =>
      liftAt('truck-a', i + 1, base + i * 1000, 5000 + i * 37),
    );
    for (const l of lifts) sink.record('lift', l);
    expect(queue.depth()).toBe(100);
    sink.start();
    await waitFor(() => queue.depth() === 0, 20_000, 'queue drained');
    const got = await waitFor(
      async () => {
        const m = await exportedNetWeights('truck-a');
        return m.size >= lifts.length ? m : null;
      },
      20_000,
      'points visible in VictoriaMetrics',
    );
    expect(got).toEqual(expected(lifts));
    await sink.stop();
    queue.close();
  }, 120_000);

  it('loses nothing across a server outage and a sink restart', async () => {
    const queuePath = join(dir, 'queue-b.sqlite');
    const metrics = new CloudMetrics(false);
    const lifts = Array.from({ length: 250 }, (_, i) =>
      liftAt('truck-b', i + 1, base + i * 1000, 6000 + i * 11),
    );
    const [first, duringOutage, afterRestart] = [
      lifts.slice(0, 100),
      lifts.slice(100, 200),
      lifts.slice(200),
    ];

    // 1. server up: the first 100 go through
    let queue = TsdbQueue.open(queuePath);
    let sink = new TimeSeriesSink({ config: config(), queue, metrics, log });
    sink.start();
    for (const l of first) sink.record('lift', l);
    await waitFor(() => queue.depth() === 0, 20_000, 'first batch sent');

    // 2. server stops mid-stream: writes keep being queued, sends fail and back off
    await vm.stop();
    for (const l of duringOutage) sink.record('lift', l);
    await waitFor(
      async () => (await metrics.tsdbWriteFailures.get()).values[0]?.value ?? 0,
      20_000,
      'a failed write',
    );
    expect(queue.depth()).toBe(duringOutage.length);

    // 3. the sink process restarts: a new instance on the same queue file, still no server
    await sink.stop();
    queue.close();
    queue = TsdbQueue.open(queuePath);
    expect(queue.depth()).toBe(duringOutage.length);
    sink = new TimeSeriesSink({ config: config(), queue, metrics, log });
    sink.start();
    for (const l of afterRestart) sink.record('lift', l);
    expect((await sink.flush()).error).not.toBeNull();
    expect(queue.depth()).toBe(duringOutage.length + afterRestart.length);

    // 4. the server comes back: the queue drains and every lift is there, exactly
    await vm.start();
    await waitFor(() => queue.depth() === 0, 30_000, 'queue drained after the outage');
    const got = await waitFor(
      async () => {
        const m = await exportedNetWeights('truck-b');
        return m.size >= lifts.length ? m : null;
      },
      20_000,
      'all points visible',
    );
    expect(got).toEqual(expected(lifts));
    expect(queue.rejected()).toEqual([]);
    await sink.stop();
    queue.close();
  }, 120_000);

  it('exports truck status, beacon telemetry, gateway health, sightings and footfall as numeric series', async () => {
    const queue = TsdbQueue.open(join(dir, 'queue-c.sqlite'));
    const sink = new TimeSeriesSink({ config: config(), queue, log });
    const t = base + 30 * 60_000;
    const status = truckStatus('truck-c', 1, t);
    const tlm = beaconTelemetry('gw-c', 2, t);
    const health = gatewayHealth('gw-c', 3, t);
    const seen = sightings('gw-c', 4, t);
    sink.record('truckStatus', status);
    sink.record('telemetry', tlm);
    sink.record('gatewayHealth', health);
    sink.record('sightings', seen);
    sink.record('footfall', {
      id: '6f1c1a0e-9f7c-4a8e-8d5e-1c2b3a4d5e6f',
      seq: 5,
      ts: new Date(t).toISOString(),
      gatewayId: 'gw-c',
      windowStart: new Date(t - 300_000).toISOString(),
      windowEnd: new Date(t).toISOString(),
      count: 42,
      suppressed: false,
      k: 5,
    });
    expect((await sink.flush()).error).toBeNull();
    const want: Array<[string, Record<string, string>, number]> = [
      ['releve_truck_payload_g', { truck: 'truck-c' }, status.payloadG],
      ['releve_truck_weight_fill', { truck: 'truck-c' }, status.weightFill],
      ['releve_beacon_battery_mv', { gateway: 'gw-c', beacon: tlm.beaconId }, tlm.batteryMv ?? -1],
      ['releve_beacon_temperature_c', { gateway: 'gw-c' }, tlm.temperatureC ?? -1],
      ['releve_gateway_heard_beacons', { gateway: 'gw-c', scanner: 'scanning' }, health.heardBeacons],
      ['releve_sighting_rssi_dbm', { gateway: 'gw-c' }, seen.beacons[0]?.rssiDbm.smoothed ?? 0],
      ['releve_footfall_count', { gateway: 'gw-c' }, 42],
    ];
    for (const [name, labels, value] of want) {
      const series = await waitFor(
        async () =>
          (await vm.export(name, t - 1000, t + 1000)).find((x) =>
            Object.entries(labels).every(([k, v]) => x.metric[k] === v),
          ),
        20_000,
        name,
      );
      expect([name, series.values, series.timestamps]).toEqual([name, [value], [t]]);
    }
    await sink.stop();
    queue.close();
  }, 120_000);
});
