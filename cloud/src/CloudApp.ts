import type { Logger } from 'pino';
import { type BrokerPorts, CloudBroker, type InternalConnection } from './broker/CloudBroker.js';
import type { CloudConfig } from './config/CloudConfig.js';

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
    const ctx: CloudContext = {
      config,
      logger,
      brokerPorts: () => this.broker.ports,
      brokerConnection: () => this.broker.internalConnection(),
    };
    this.features = [
      {
        name: 'broker',
        start: () => this.broker.start(),
        stop: () => this.broker.stop(),
        reload: () => this.broker.reload(),
      },
      ...buildFeatures(ctx),
    ];
  }

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
 * Features beyond the broker, in start order. Add one line per feature here
 * (e.g. `new IngestService(ctx)`), each implementing `CloudFeature`.
 */
function buildFeatures(_ctx: CloudContext): CloudFeature[] {
  return [];
}
