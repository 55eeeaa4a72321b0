import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { MessageKind, MessageOf } from '@releve/shared';
import pino, { type Logger } from 'pino';
import type { CloudMetrics } from '../api/CloudMetrics.js';
import type { IngestEventBus } from '../ingest/IngestEventBus.js';
import { pointsFor } from './linePoints.js';
import type { TsdbQueue } from './TsdbQueue.js';
import type { TsdbSinkConfig } from './TsdbSinkConfig.js';

/** Outcome of one `flush()`. */
export interface FlushResult {
  sent: number;
  rejected: number;
  /** The error that stopped the flush (points stay queued); null when the queue was emptied. */
  error: Error | null;
}

export interface TimeSeriesSinkOptions {
  config: TsdbSinkConfig;
  queue: TsdbQueue;
  metrics?: CloudMetrics;
  log?: Logger;
}

/** Statuses meaning "this batch is malformed": split it, and set single bad lines aside. */
const MALFORMED = new Set([400, 413, 422]);

/**
 * Optional export of lifts and telemetry to an InfluxDB-v2-compatible server.
 *
 * `record()` converts a message to points and writes them to the durable `TsdbQueue`; a
 * loop sends the oldest `batchSize` points with `@influxdata/influxdb-client`, then deletes
 * them once the server answered 2xx. Our queue is the only buffer: the client is configured
 * with `maxRetries: 0` and a `writeFailed` hook that rejects, so it never keeps lines in its
 * own memory retry buffer (lost on exit) and never retries a 404 on its own. On failure the
 * loop backs off exponentially (`minBackoffMs`…`maxBackoffMs`) and tries the same points again.
 */
export class TimeSeriesSink {
  private readonly writeApi: WriteApi;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private flushing: Promise<FlushResult> | null = null;
  private failures = 0;
  /** Shrinks while a malformed batch is being bisected to find the bad lines. */
  private batchLimit: number;

  constructor(private readonly options: TimeSeriesSinkOptions) {
    const { config } = options;
    this.log = options.log ?? pino({ name: 'cloud:tsdb' });
    this.batchLimit = config.batchSize;
    const log = this.log;
    setLogger({
      error: (message, error) => log.debug({ err: error }, `influxdb-client: ${message}`),
      warn: (message, error) => log.debug({ err: error }, `influxdb-client: ${message}`),
    });
    this.writeApi = new InfluxDB({
      url: config.url,
      token: config.token,
      timeout: config.timeoutMs,
    }).getWriteApi(config.org, config.bucket, 'ms', {
      // We hand the client exactly one batch per flush(): never let it flush on its own.
      batchSize: config.batchSize + 1,
      maxBatchBytes: 512 * 1024 * 1024,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: config.batchSize + 1,
      writeFailed: (error) => Promise.reject(error),
    });
  }

  /** Queues the points of an accepted device message (durably, before returning). */
  record<K extends MessageKind>(kind: K, message: MessageOf<K>): number {
    const lines = pointsFor(kind, message);
    this.options.queue.enqueue(lines);
    this.options.metrics?.tsdbQueueDepth.inc(lines.length);
    return lines.length;
  }

  /** Queues every message the ingest stored; returns the function that stops it. */
  follow(bus: IngestEventBus): () => void {
    return bus.on('stored', (e) => {
      try {
        this.record(e.kind, e.message);
      } catch (err) {
        // The message is in the store already: a full disk here loses an export point, not data.
        this.log.error({ err, kind: e.kind, deviceId: e.deviceId }, 'cannot queue time-series points');
      }
    });
  }

  /** Starts the send loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.metrics?.tsdbQueueDepth.set(this.options.queue.depth());
    this.schedule(0);
  }

  /** Stops the loop, waits for a write in flight; unsent points stay in the queue. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    await this.writeApi.dispose();
  }

  /** Sends queued points until the queue is empty or a write fails. One flush runs at a time. */
  flush(): Promise<FlushResult> {
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().then((r) => {
        const { minBackoffMs, maxBackoffMs, flushIntervalMs } = this.options.config;
        if (r.error) {
          this.failures += 1;
          const wait = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.failures - 1, 20));
          this.log.warn(
            { err: r.error, retryInMs: wait, queued: this.options.queue.depth() },
            'time-series write failed',
          );
          this.schedule(wait);
        } else {
          if (this.failures > 0) this.log.info('time-series writes recovered');
          this.failures = 0;
          this.schedule(flushIntervalMs);
        }
      });
    }, delayMs);
  }

  private async drain(): Promise<FlushResult> {
    const { queue, metrics } = this.options;
    let sent = 0;
    let rejected = 0;
    for (;;) {
      const batch = queue.peek(this.batchLimit);
      const last = batch.at(-1);
      if (!last) break;
      try {
        this.writeApi.writeRecords(batch.map((b) => b.line));
        await this.writeApi.flush();
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        const status = e instanceof HttpError ? e.statusCode : null;
        if (status !== null && MALFORMED.has(status)) {
          if (batch.length > 1) {
            this.batchLimit = Math.ceil(batch.length / 2);
            continue;
          }
          queue.reject(batch, status, error.message);
          rejected += 1;
          this.log.error(
            { status, line: last.line.slice(0, 500), err: error },
            'time-series server refused a line; set aside',
          );
          continue;
        }
        metrics?.tsdbWriteFailures.inc();
        metrics?.tsdbQueueDepth.set(queue.depth());
        return { sent, rejected, error };
      }
      queue.ack(last.seq);
      sent += batch.length;
      metrics?.tsdbPointsWritten.inc(batch.length);
      this.batchLimit = Math.min(this.options.config.batchSize, this.batchLimit * 2);
    }
    metrics?.tsdbQueueDepth.set(queue.depth());
    return { sent, rejected, error: null };
  }
}
