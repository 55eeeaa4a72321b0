// npm run bench:tsdb — the time-series sink against a real VictoriaMetrics on loopback:
// how fast lifts are queued durably (one SQLite transaction per message, as the ingest's bus
// delivers them) and how fast the queue drains to /api/v2/write at two batch sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../shared/src/testing/index.js';
import pino from 'pino';
import { TimeSeriesSink } from '../cloud/src/tsdb/TimeSeriesSink.js';
import { TsdbQueue } from '../cloud/src/tsdb/TsdbQueue.js';
import { TsdbSinkConfig } from '../cloud/src/tsdb/TsdbSinkConfig.js';
import { liftAt } from '../cloud/test/tsdb/liftFixtures.js';
import { VictoriaMetricsProcess } from '../cloud/test/tsdb/VictoriaMetricsProcess.js';

const points = Number(process.env.BENCH_POINTS ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'releve-bench-tsdb-'));
const vm = new VictoriaMetricsProcess(await freePort(), join(dir, 'vm'));
const log = pino({ level: 'silent' });
try {
  await vm.start();
  const base = Date.now() - 6 * 3600_000;
  for (const batchSize of [500, 5000]) {
    const queue = TsdbQueue.open(join(dir, `queue-${batchSize}.sqlite`));
    const sink = new TimeSeriesSink({
      config: TsdbSinkConfig.parse({ url: vm.url, batchSize, bucket: `bench${batchSize}` }),
      queue,
      log,
    });
    const lifts = Array.from({ length: points }, (_, i) =>
      liftAt(`truck-${i % 20}`, i + 1, base + i * 100, 5000 + (i % 900) * 100),
    );
    let t0 = performance.now();
    for (const l of lifts) sink.record('lift', l);
    const enqueueS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const r = await sink.flush();
    const drainS = (performance.now() - t0) / 1000;
    if (r.error || r.sent !== points) throw new Error(`drain failed: ${r.error?.message} sent ${r.sent}`);
    console.log(
      `batch ${String(batchSize).padStart(4)}: queued ${points} lifts at ${Math.round(points / enqueueS).toLocaleString('en')} msg/s (1 txn each); ` +
        `drained to VictoriaMetrics at ${Math.round(points / drainS).toLocaleString('en')} points/s`,
    );
    await sink.stop();
    queue.close();
  }
} finally {
  await vm.stop();
  rmSync(dir, { recursive: true, force: true });
}
