import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CloudMetrics } from '../api/CloudMetrics.js';
import type { IngestEventBus } from '../ingest/IngestEventBus.js';
import { TimeSeriesSink } from './TimeSeriesSink.js';
import { TsdbQueue } from './TsdbQueue.js';
import type { TsdbSinkConfig } from './TsdbSinkConfig.js';

/** Environment variable holding the server's API token when the configuration has none. */
export const TSDB_TOKEN_ENV = 'RELEVE_TSDB_TOKEN';

/** File of the durable queue in the data directory. */
export const TSDB_QUEUE_FILE = 'tsdb-queue.sqlite';

export interface TimeSeriesExportOptions {
  config: TsdbSinkConfig;
  dataDir: string;
  bus: IngestEventBus;
  metrics?: CloudMetrics;
  logger: Logger;
}

/**
 * The time-series export as a cloud feature: opens the durable queue in the data directory
 * (its own SQLite file, so export traffic never contends with the store's writer), queues
 * every message the ingest stored, and runs the send loop. `stop()` leaves unsent points on
 * disk for the next start.
 */
export class TimeSeriesExport {
  readonly name = 'tsdb-export';
  private queue: TsdbQueue | null = null;
  private sink: TimeSeriesSink | null = null;
  private off: (() => void) | null = null;

  constructor(private readonly options: TimeSeriesExportOptions) {}

  async start(): Promise<void> {
    const { config, dataDir, bus, metrics, logger } = this.options;
    this.queue = TsdbQueue.open(join(dataDir, TSDB_QUEUE_FILE));
    this.sink = new TimeSeriesSink({
      config: { ...config, token: config.token || (process.env[TSDB_TOKEN_ENV] ?? '') },
      queue: this.queue,
      ...(metrics ? { metrics } : {}),
      log: logger.child({ name: 'cloud:tsdb' }),
    });
    this.off = this.sink.follow(bus);
    this.sink.start();
  }

  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    await this.sink?.stop();
    this.sink = null;
    this.queue?.close();
    this.queue = null;
  }
}
