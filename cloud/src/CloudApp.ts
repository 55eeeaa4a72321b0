import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { CloudMetrics } from './api/CloudMetrics.js';
import { HttpApi } from './api/HttpApi.js';
import { Readiness } from './api/Readiness.js';
import { ApiTokenStore } from './auth/ApiTokenStore.js';
import { AllowlistPublisher } from './beacons/AllowlistPublisher.js';
import { BeaconFleet } from './beacons/BeaconFleet.js';
import { FleetWatch } from './beacons/FleetWatch.js';
import { BillingService } from './billing/BillingService.js';
import { type BrokerPorts, CloudBroker, type InternalConnection } from './broker/CloudBroker.js';
import type { CloudConfig } from './config/CloudConfig.js';
import { BrokerDoorIngest } from './ingest/BrokerDoorIngest.js';
import { IngestFeature } from './ingest/IngestFeature.js';
import { Store } from './store/Store.js';
import { TimeSeriesExport } from './tsdb/TimeSeriesExport.js';

/** A part of the cloud that runs: started in order, stopped in reverse, cleaning up after itself. */
export interface CloudFeature {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Re-read files on SIGHUP (optional). */
  reload?(): Promise<boolean>;
}

/** What features get when they are built: the configuration, a logger, the broker's ports. */
export interface CloudContext {
  config: CloudConfig;
  logger: Logger;
  /** Real broker ports, known once the broker feature has started. */
  brokerPorts(): BrokerPorts;
  /**
   * URL and credentials for an in-process service's MQTT client (ingest role: reads every
   * device → cloud topic, writes every `cmd/…` topic). Call it in `start()`, not before.
   */
  brokerConnection(): InternalConnection;
}

/**
 * The one wiring file of the cloud (`releve-cloud serve`): builds every feature from the
 * configuration and runs them. The broker comes first; ingest, store, API, … are added in
 * `buildFeatures` and start after it (they connect to it as MQTT clients).
 */
export class CloudApp {
  readonly broker: CloudBroker;
  private readonly features: CloudFeature[];
  private started: CloudFeature[] = [];
  private readonly log: Logger;

  constructor(
    readonly config: CloudConfig,
    logger: Logger,
  ) {
    this.log = logger.child({ name: 'cloud:app' });
    const b = config.broker;
    this.broker = new CloudBroker({
      dataDir: config.dataDir,
      mqtt: b.port === null ? null : { host: b.host, port: b.port },
      mqtts:
        b.mqttsPort === null || b.tlsCert === null || b.tlsKey === null
          ? null
          : { host: b.host, port: b.mqttsPort, certFile: b.tlsCert, keyFile: b.tlsKey },
      ws: b.wsPort === null ? null : { host: b.host, port: b.wsPort },
      passwordFile: b.passwordFile,
      aclFile: b.aclFile,
      allowAnonymous: b.allowAnonymous,
      maxPacketBytes: b.maxPacketBytes,
      logger: logger.child({ name: 'cloud:broker' }),
    });
    const external = config.mqttUrl;
    const ctx: CloudContext = {
      config,
      logger,
      brokerPorts: () => this.broker.ports,
      brokerConnection: () =>
        external === null
          ? this.broker.internalConnection()
          : {
              url: external,
              username: config.ingest.username ?? '',
              password:
                config.ingest.passwordFile === null
                  ? ''
                  : readFileSync(config.ingest.passwordFile, 'utf8').trim(),
            },
    };
    const services = buildServices(ctx, this.broker);
    this.store = services.store;
    this.api = services.api;
    this.ingest = services.ingest;
    // Store and ingest first, so the broker's door is open before the first device connects;
    // stopped in reverse: the broker closes its listeners before the ingest flushes its writes.
    const [storeFeature, ingestFeature, ...rest] = services.features;
    this.features = [
      storeFeature!,
      ...(external === null
        ? [
            ingestFeature!,
            {
              name: 'broker',
              start: () => this.broker.start(),
              stop: () => this.broker.stop(),
              reload: () => this.broker.reload(),
            },
          ]
        : [ingestFeature!]),
      ...rest,
    ];
  }

  /** The store (opened when the app is built, closed by its last feature's stop). */
  readonly store: Store;
  /** The HTTP API; its `url` is known once started. */
  readonly api: HttpApi;
  /**
   * The ingest (its bus carries every stored message): at the embedded broker's door, or a
   * persistent-session subscriber of the external broker (`mqttUrl`).
   */
  readonly ingest: IngestFeature | BrokerDoorIngest;

  /** Starts every feature in order; if one fails, the started ones are stopped and the error rethrown. */
  async start(): Promise<void> {
    for (const f of this.features) {
      try {
        await f.start();
      } catch (e) {
        this.log.error({ feature: f.name, err: e }, 'feature failed to start');
        await this.stop();
        throw e;
      }
      this.started.push(f);
    }
    this.log.info({ features: this.started.map((f) => f.name) }, 'cloud started');
  }

  /** Stops the started features in reverse order; errors are logged, every feature gets its stop. */
  async stop(): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    for (const f of started) {
      await f
        .stop()
        .catch((e: unknown) => this.log.error({ feature: f.name, err: e }, 'feature failed to stop'));
    }
  }

  /** Asks every started feature to re-read its files (SIGHUP). True when all succeeded. */
  async reload(): Promise<boolean> {
    let ok = true;
    for (const f of this.started) if (f.reload && !(await f.reload())) ok = false;
    this.log.info({ ok }, 'reload done');
    return ok;
  }
}

/**
 * Everything after the broker, in start order: the store (opened here, closed last), the
 * ingest, the optional time-series export, the fleet watch, the HTTP API, the broker metrics,
 * and the beacon allowlists' publisher.
 */
function buildServices(
  ctx: CloudContext,
  broker: CloudBroker,
): { store: Store; ingest: IngestFeature | BrokerDoorIngest; api: HttpApi; features: CloudFeature[] } {
  const { config, logger } = ctx;
  const store = Store.open({ dataDir: config.dataDir, logger });
  const metrics = new CloudMetrics();
  const readiness = new Readiness();
  let ingest: IngestFeature | BrokerDoorIngest;
  if (config.mqttUrl === null) {
    const door = new BrokerDoorIngest({ store, logger });
    broker.setIngress(door);
    ingest = door;
  } else {
    ingest = new IngestFeature({
      store,
      brokerUrl: () => ctx.brokerConnection().url,
      get username() {
        return ctx.brokerConnection().username || undefined;
      },
      get password() {
        return ctx.brokerConnection().password || undefined;
      },
      clientId: config.ingest.clientId,
      logger,
    });
  }
  const beaconFleet = new BeaconFleet(store.db, { logger });
  const api = new HttpApi({
    host: config.http.host,
    port: config.http.port,
    store,
    tokens: new ApiTokenStore(store.db),
    billing: new BillingService(store.db, config.billing.tariffFile, config.dataDir),
    metrics,
    readiness,
    bus: ingest.bus,
    web: { tileUrl: config.http.tileUrl, secureCookies: config.http.secureCookies },
    beaconFleet,
    logger,
  });
  const features: CloudFeature[] = [
    {
      name: 'store',
      start: async () => {},
      stop: async () => store.close(),
    },
    ingest,
    {
      name: 'metrics',
      start: async () => {
        metrics.followIngest(ingest.bus);
        readiness.register('ingest', () => ingest.stats() !== null);
        if (config.mqttUrl === null)
          readiness.register(
            'broker',
            () =>
              broker.ports.mqtt !== undefined ||
              broker.ports.ws !== undefined ||
              broker.ports.mqtts !== undefined,
          );
      },
      stop: async () => {},
    },
  ];
  if (config.tsdb) {
    features.push(
      new TimeSeriesExport({
        config: config.tsdb,
        dataDir: config.dataDir,
        bus: ingest.bus,
        metrics,
        logger,
      }),
    );
  }
  let timer: NodeJS.Timeout | null = null;
  features.push(new FleetWatch(beaconFleet, 60_000, logger), api, {
    name: 'broker-metrics',
    start: async () => {
      if (config.mqttUrl !== null) return;
      const sample = () => {
        for (const [cls, n] of Object.entries(broker.clientCounts()))
          metrics.brokerClients.set({ class: cls }, n);
      };
      sample();
      timer = setInterval(sample, 5000);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
    },
  });
  // Last: its start waits for an MQTT connection, and the fleet watch's first evaluation (a
  // write on the main connection) should come before the devices' first batches, as it did.
  if (config.beacons.pushAllowlists) {
    features.push(
      new AllowlistPublisher({
        registry: beaconFleet.registry,
        connection: () => ctx.brokerConnection(),
        radiusM: config.beacons.allowlistRadiusM,
        logger,
      }),
    );
  }
  return { store, ingest, api, features };
}
