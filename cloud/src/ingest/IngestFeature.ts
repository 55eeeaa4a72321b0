import type pino from 'pino';
import type { CloudFeature } from '../CloudApp.js';
import type { BatchWriterOptions } from '../store/BatchWriter.js';
import { RetentionJob } from '../store/RetentionJob.js';
import type { Store } from '../store/Store.js';
import { Ingest } from './Ingest.js';
import { IngestEventBus } from './IngestEventBus.js';
import type { ReceptionRules } from './ReceptionPolicy.js';

/** What the cloud's wiring gives the ingest feature. */
export interface IngestFeatureOptions {
  /** The store, shared with the HTTP API (opened and closed by the wiring). */
  store: Store;
  /** Broker URL, asked at start (the embedded broker's port is known only once it listens). */
  brokerUrl: () => string;
  /** MQTT credentials of the ingest user (role `ingest` in the ACL) when the broker needs them. */
  username?: string;
  password?: string;
  clientId?: string;
  batch?: Partial<BatchWriterOptions>;
  reception?: Partial<ReceptionRules>;
  /** Period of the retention purge; default hourly. */
  retentionIntervalMs?: number;
  logger: pino.Logger;
}

/**
 * The ingest as a cloud feature: the MQTT consumer writing into the store, and the store's
 * retention job. `bus` carries what was stored (for the HTTP API's live stream), and exists
 * before start so listeners can be attached while the features are built.
 */
export class IngestFeature implements CloudFeature {
  readonly name = 'ingest';
  readonly bus = new IngestEventBus();
  #ingest: Ingest | null = null;
  readonly #retention: RetentionJob;

  constructor(private readonly options: IngestFeatureOptions) {
    this.#retention = new RetentionJob(
      options.store,
      options.retentionIntervalMs,
      options.logger.child({ name: 'cloud:store:retention' }),
    );
  }

  /** Counts of the running ingest (zeros before start). */
  stats() {
    return this.#ingest?.stats() ?? null;
  }

  async start(): Promise<void> {
    const o = this.options;
    const ingest = new Ingest({
      url: o.brokerUrl(),
      store: o.store,
      bus: this.bus,
      logger: o.logger,
      ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.batch ? { batch: o.batch } : {}),
      ...(o.reception ? { reception: o.reception } : {}),
    });
    await ingest.start();
    this.#ingest = ingest;
    this.#retention.start();
  }

  async stop(): Promise<void> {
    this.#retention.stop();
    const ingest = this.#ingest;
    this.#ingest = null;
    await ingest?.stop();
  }
}
