import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestEventBus } from '../ingest/IngestEventBus.js';

/**
 * The cloud's Prometheus metrics, served at `GET /metrics` (text exposition format 0.0.4).
 *
 * One instance per process, created by the wiring file and handed to each feature, which
 * feeds its own metrics (no global registry, so tests can run several clouds in one process):
 * - ingest: `ingestMessages.inc({ kind, outcome })` per message, `deadLetters.inc({ code })`;
 * - store: `storeWriteSeconds.observe({ op }, s)` or `timeStoreWrite(op, fn)`;
 * - broker: `brokerClients.set({ class }, n)`;
 * - time-series sink and HTTP API: their own metrics below.
 */
export class CloudMetrics {
  /** The registry holding every metric of this process. */
  readonly registry = new Registry();

  /** Messages taken from the broker by the ingest (rate() gives the ingest rate). */
  readonly ingestMessages = new Counter({
    name: 'releve_ingest_messages_total',
    help: 'Device messages handled by the ingest, by message kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Messages kept as dead letters, by the code of why they were refused. */
  readonly deadLetters = new Counter({
    name: 'releve_dead_letters_total',
    help: 'Messages kept as dead letters, by reason code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Store write transaction latency. */
  readonly storeWriteSeconds = new Histogram({
    name: 'releve_store_write_seconds',
    help: 'Latency of store write transactions, seconds',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private brokerClientsReader: (() => Record<string, number>) | null = null;

  /** MQTT clients connected to the broker: `set()` it, or give a reader to `observeBrokerClients`. */
  readonly brokerClients: Gauge<'class'> = new Gauge({
    name: 'releve_broker_clients',
    help: 'MQTT clients connected to the broker, by device class (trucks, gateways, service)',
    labelNames: ['class'] as const,
    registers: [this.registry],
    collect: () => {
      const counts = this.brokerClientsReader?.();
      if (!counts) return;
      this.brokerClients.reset();
      for (const [cls, n] of Object.entries(counts)) this.brokerClients.set({ class: cls }, n);
    },
  });

  /** HTTP requests answered, by route id and status code. */
  readonly httpRequests = new Counter({
    name: 'releve_http_requests_total',
    help: 'HTTP API requests, by route id and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  /** Open live event streams (SSE). */
  readonly sseClients = new Gauge({
    name: 'releve_sse_clients',
    help: 'Open live event streams (GET /api/v1/events)',
    registers: [this.registry],
  });

  /** Points waiting in the time-series sink's durable queue. */
  readonly tsdbQueueDepth = new Gauge({
    name: 'releve_tsdb_queue_points',
    help: 'Points waiting in the durable queue of the time-series sink',
    registers: [this.registry],
  });

  /** Points accepted by the time-series server. */
  readonly tsdbPointsWritten = new Counter({
    name: 'releve_tsdb_points_written_total',
    help: 'Points accepted by the time-series server',
    registers: [this.registry],
  });

  /** Failed batch writes to the time-series server (the points stay queued). */
  readonly tsdbWriteFailures = new Counter({
    name: 'releve_tsdb_write_failures_total',
    help: 'Failed batch writes to the time-series server (points stay queued)',
    registers: [this.registry],
  });

  /** @param processMetrics also export Node process metrics (CPU, memory, event loop lag) */
  constructor(processMetrics = true) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'releve_' });
  }

  /** Counts the ingest's outcomes from its event bus; returns the function that stops it. */
  followIngest(bus: IngestEventBus): () => void {
    const offs = [
      bus.on('stored', (e) => this.ingestMessages.inc({ kind: e.kind, outcome: 'stored' })),
      bus.on('duplicate', (e) => this.ingestMessages.inc({ kind: e.kind, outcome: 'duplicate' })),
      bus.on('dead-letter', (e) => {
        this.ingestMessages.inc({ kind: 'unknown', outcome: 'dead-letter' });
        this.deadLetters.inc({ code: e.reasonCode });
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  /** Reads the broker's client counts by class at each scrape (instead of `set()` on every change). */
  observeBrokerClients(read: () => Record<string, number>): void {
    this.brokerClientsReader = read;
  }

  /** Runs a synchronous store write and records its latency. */
  timeStoreWrite<T>(op: string, write: () => T): T {
    const end = this.storeWriteSeconds.startTimer({ op });
    try {
      return write();
    } finally {
      end();
    }
  }

  /** The text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of `exposition()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
